"""Pushed updates, through a real push process: a change reaches the pages that follow it, only
those of people who may see it (each topic's own door), across processes, and after a dropped
connection the client is sent what it missed."""

import http.client
import time

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import caches

from yixun.accounts.models import RoleGrant
from yixun.accounts.roles import Role
from yixun.live.models import Event
from yixun.live.tests.push import PushServer, Stream
from yixun.patrols.models import Duty
from yixun.patrols.services import duty as duties
from yixun.patrols.tests.conftest import make_shift, put_on
from yixun.places.models import Area, Site
from yixun.shifts.services.claims import release_claim
from yixun.tips.models import Tip
from yixun.tips.services import intake, triage
from yixun.tips.tests.conftest import send

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the push process reads what is committed
    pytest.mark.xdist_group("push"),
]


@pytest.fixture
def school(db: None) -> Site:
    town = Area.objects.create(name="城关镇", level=Area.Level.TOWN)
    return Site.objects.create(
        name="城关一小", kind=Site.Kind.SCHOOL, area=town, latitude=31.0, longitude=114.0
    )


def test_a_new_tip_reaches_the_moderators_queue_and_not_a_volunteer(
    server: PushServer, moderator, volunteer
) -> None:
    queue = Stream(server, moderator, "tips")
    other = Stream(server, volunteer, "tips")
    assert queue.status == other.status == 200
    tip = send()  # written by this process, as a web process would
    got = queue.next()
    assert got is not None and got.event == "change"
    assert got.data == {"topic": "tips", "ref": str(tip.pk)}
    # The volunteer may not see someone else's tip: the next thing they hear is their own.
    own = intake.submit_tip(
        report=intake.Report(category="traffic", text="我自己发的线索：路口红绿灯坏了"),
        address="10.0.0.2",
        reporter=volunteer,
    )
    mine = other.next()
    assert mine is not None and mine.data["ref"] == str(own.pk)
    assert queue.next().data["ref"] == str(own.pk)  # type: ignore[union-attr]


def test_a_change_of_a_tip_reaches_its_page(server: PushServer, moderator) -> None:
    tip = send()
    page = Stream(server, moderator, "tips")
    triage.take(tip=tip, actor=moderator)
    got = page.next()
    assert got is not None and got.data == {"topic": "tips", "ref": str(tip.pk)}


def test_check_ins_reach_those_the_duty_door_lets_see_them(
    server: PushServer, school: Site, volunteer, other_volunteer, leader, officer
) -> None:
    shift = make_shift(school)
    claim = put_on(shift, volunteer)
    theirs = put_on(shift, other_volunteer)
    watching = Stream(server, officer, "duty")
    leading = Stream(server, leader, "duty")
    other = Stream(server, other_volunteer, "duty")
    duty, _ = duties.check_in(
        claim=claim, actor=volunteer, method=Duty.CheckIn.QR, token=school.qr_token
    )
    assert watching.next().data == {"topic": "duty", "ref": str(duty.pk)}  # type: ignore[union-attr]
    assert leading.next().data == {"topic": "duty", "ref": str(duty.pk)}  # type: ignore[union-attr]
    # The volunteer of another squad hears only of their own duty.
    own, _ = duties.check_in(
        claim=theirs, actor=other_volunteer, method=Duty.CheckIn.QR, token=school.qr_token
    )
    assert other.next().data["ref"] == str(own.pk)  # type: ignore[union-attr]


def test_a_released_place_reaches_everyone_following_the_shifts(
    server: PushServer, school: Site, volunteer, leader, police
) -> None:
    shift = make_shift(school, started_minutes_ago=-24 * 60)  # tomorrow
    pages = [Stream(server, person, "shifts") for person in (leader, police)]
    claim = put_on(shift, volunteer)
    release_claim(claim=claim, actor=volunteer)
    for page in pages:
        assert page.next().data == {"topic": "shifts", "ref": str(shift.pk)}  # type: ignore[union-attr]


def test_a_client_that_reconnects_is_sent_what_it_missed(server: PushServer, moderator) -> None:
    first = Stream(server, moderator, "tips")
    one = send(text="第一条：菜市场门口有人争吵")
    got = first.next()
    assert got is not None and got.data["ref"] == str(one.pk)
    first.close()  # the phone lost its signal
    two = send(text="第二条：学校门口有可疑车辆", address="10.0.0.3")
    three = send(text="第三条：河边护栏断了", address="10.0.0.4")
    again = Stream(server, moderator, "tips", last=int(got.id))
    assert [again.next().data["ref"] for _ in range(2)] == [str(two.pk), str(three.pk)]  # type: ignore[union-attr]


def test_a_page_hears_of_changes_made_while_it_was_connecting(
    server: PushServer, moderator
) -> None:
    drawn = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    tip = send()  # after the page was drawn, before it connected
    page = Stream(server, moderator, "tips", since=drawn)
    assert page.next().data["ref"] == str(tip.pk)  # type: ignore[union-attr]


def test_nobody_follows_without_signing_in_or_what_they_may_not(
    server: PushServer, volunteer
) -> None:
    assert Stream(server, None, "tips").status == 403
    assert Stream(server, volunteer, "nonsense").status == 403


def test_looks_are_not_changes(server: PushServer, moderator, police) -> None:
    tip = send(contact_name="李先生", contact_phone="13912345678")
    page = Stream(server, moderator, "tips")
    triage.take(tip=tip, actor=moderator)
    assert page.next().data["ref"] == str(tip.pk)  # type: ignore[union-attr]
    assert Tip.objects.count() == 1
    assert Event.objects.filter(topic="tips").count() == 2  # received, taken; no "viewed"


def test_an_unknown_host_is_refused(server: PushServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    connection.request("GET", "/live/events?topics=tips", headers={"Host": "evil.example"})
    assert connection.getresponse().status == 400


def test_a_wsgi_server_says_it_does_not_push(login, moderator) -> None:
    """gunicorn would hold a worker per open page: it answers at once, and pages poll."""
    response = login(moderator).get("/live/events?topics=tips")
    assert response.status_code == 503


def test_a_client_away_too_long_fetches_afresh_instead(server: PushServer, moderator) -> None:
    send(text="很久以前的线索")
    gone = Event.objects.order_by("pk").first()
    assert gone is not None
    send(text="后来的线索：公园里有人晕倒", address="10.0.0.5")
    Event.objects.filter(pk=gone.pk).delete()  # a day later, retention took it
    page = Stream(server, moderator, "tips", last=gone.pk)
    got = page.next()
    assert got is not None and got.event == "reset"  # not the changes after it, one by one
    later = send(text="再后来的线索：桥上有人要跳河", address="10.0.0.6")
    assert page.next().data["ref"] == str(later.pk)  # type: ignore[union-attr]


def test_a_stream_ends_when_its_person_signs_out(server: PushServer, moderator) -> None:
    page = Stream(server, moderator, "tips")
    Session.objects.all().delete()  # signed out (or the session expired) on another tab
    caches["default"].clear()
    time.sleep(1.5)  # a quiet moment passes
    send(text="后来的线索：公园里有人晕倒")
    assert page.next() is None  # the stream has ended: this tip is not sent


def test_a_revoked_role_decides_at_once(server: PushServer, moderator) -> None:
    """A moderator who is no longer one stops hearing of other people's tips: the person is
    looked up afresh every quiet moment, through the same cache the pages read."""
    page = Stream(server, moderator, "tips")
    RoleGrant.objects.filter(user=moderator, role=Role.MODERATOR).delete()
    time.sleep(1.5)  # a quiet moment passes
    send(text="后来的线索：公园里有人晕倒")
    mine = intake.submit_tip(
        report=intake.Report(category="fire", text="我家楼下的垃圾桶着火了，火不大"),
        address="10.0.0.7",
        reporter=moderator,
    )
    got = page.next()
    assert got is not None and got.data["ref"] == str(mine.pk)  # their own, not the other
