"""An urgent alert with a circle reaches those near where the person was last seen: the squads
and residents of the areas with a key site in the circle, whoever is on duty now, the public
subscribed to those areas and those areas' group robots; not the whole county."""

import pytest

from yixun.bulletins import services
from yixun.bulletins.channels.robots import robots_for
from yixun.bulletins.models import InboxItem, Kind, Robot
from yixun.patrols.models import Duty
from yixun.patrols.services import duty as duties
from yixun.patrols.tests.conftest import make_shift, put_on
from yixun.places.models import Area, Site

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(squad, other_squad):
    county = Area.objects.create(name="义安县", level=Area.Level.COUNTY)
    near = Area.objects.create(name="城关镇", level=Area.Level.TOWN, parent=county)
    far = Area.objects.create(name="河口镇", level=Area.Level.TOWN, parent=county)
    Site.objects.create(
        name="城关一小", kind=Site.Kind.SCHOOL, area=near, latitude=31.0, longitude=114.0
    )
    river = Site.objects.create(
        name="河口菜市场", kind=Site.Kind.MARKET, area=far, latitude=31.3, longitude=114.4
    )
    squad.area, other_squad.area = near, far
    squad.save()
    other_squad.save()
    return {"near": near, "far": far, "river": river}


def test_it_reaches_those_near_and_those_on_duty(
    county, police, volunteer, other_volunteer, volunteer2, other_squad, write
):
    # volunteer2's squad is near too; other_volunteer's is far but they are on duty now.
    claim = put_on(make_shift(county["river"]), other_volunteer)
    duties.check_in(
        claim=claim, actor=other_volunteer, method=Duty.CheckIn.QR, token=county["river"].qr_token
    )
    alert = write(
        police,
        kind=Kind.URGENT,
        to_public=True,
        cap={"circle_latitude": 31.01, "circle_longitude": 114.0, "circle_radius_km": 3},
    )
    services.send_at_once(actor=police, bulletin=alert)
    assert list(alert.areas.all()) == [county["near"]]
    reached = set(InboxItem.objects.filter(bulletin=alert).values_list("user_id", flat=True))
    assert {volunteer.pk, volunteer2.pk, other_volunteer.pk} <= reached
    assert police.pk not in reached


def test_it_leaves_out_the_far_ones_and_their_robots(
    county, police, volunteer, other_volunteer, write
):
    near_robot = Robot.objects.create(
        name="城关群", provider="wecom", url="http://127.0.0.1:9/x", area=county["near"]
    )
    Robot.objects.create(
        name="河口群", provider="wecom", url="http://127.0.0.1:9/y", area=county["far"]
    )
    alert = write(
        police,
        kind=Kind.URGENT,
        to_public=True,
        cap={"circle_latitude": 31.0, "circle_longitude": 114.0, "circle_radius_km": 2},
    )
    alert.areas.set(services.areas_within(alert))
    assert list(robots_for(alert)) == [near_robot]
    assert other_volunteer.pk not in set(services.audience(alert).values_list("pk", flat=True))
    assert volunteer.pk in set(services.audience(alert).values_list("pk", flat=True))
