"""What a phone downloads on first opening the pages people open every day: the page and every
stylesheet and script it loads from Yixun, compressed as they are sent, within 50 KB (the map
library, loaded only where a map is shown, comes on top). Sizes, not timings: first paint on a
throttled link is measured by `make bench`."""

import gzip
import re
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from yixun.tests.home_world import build_day

# Records made hours ago must still fall on today's date (conftest.midday).
pytestmark = pytest.mark.usefixtures("midday")

BUDGET = 50 * 1024
ASSET = re.compile(r'<(?:script|link)[^>]+(?:src|href)="/static/([^"]+\.(?:js|css))"')


def first_load(client: Client, path: str) -> tuple[int, list[str]]:
    page = client.get(path, HTTP_ACCEPT_ENCODING="gzip")
    assert page.status_code == 200, path
    assert page["Content-Encoding"] == "gzip", "pages go out compressed"
    assets = [
        name
        for name in ASSET.findall(gzip.decompress(page.content).decode())
        if "leaflet" not in name
    ]
    size = len(page.content)
    for name in assets:
        found = finders.find(name)
        assert found, name
        with open(found, "rb") as asset:
            size += len(gzip.compress(asset.read()))
    return size, assets


@pytest.fixture
def day(squad, leader, volunteer, volunteer2, other_volunteer, moderator, police, officer) -> Any:
    return build_day(
        squad=squad, leader=leader, volunteer=volunteer, volunteer2=volunteer2,
        moderator=moderator, police=police, officer=officer,
    )  # fmt: skip


@pytest.mark.parametrize("path", ["/", "/calendar/", "/me/patrols/", "/duty/"])
def test_a_volunteers_daily_pages_load_within_the_budget(day, login, volunteer, path) -> None:
    size, assets = first_load(login(volunteer), path)
    assert size <= BUDGET, f"{path}: {size} bytes with {assets}"


PUBLIC_PAGES = [
    "/",
    "/tips/new/",
    "/about/",
    "/our-squads/",
    "/our-partners/",
    "/contact/",
    "/our-work/",
]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_the_public_pages_load_within_the_budget(db, public, path) -> None:
    size, assets = first_load(public, path)
    assert size <= BUDGET, f"{path}: {size} bytes with {assets}"


@pytest.fixture
def full_public_site(day, officer, other_squad) -> None:
    """The public pages with something on each: a long charter, every figure, squads on the map,
    years of figures, partners, bulletins."""
    from yixun.bulletins.models import Bulletin
    from yixun.members.models import PartnerOrganisation, RulebookDocument, RulebookVersion
    from yixun.public.services import save_public_site
    from yixun.stats.figures import FIGURES

    charter = RulebookDocument.objects.create(kind=RulebookDocument.Kind.CHARTER, title="协会章程")
    body = "\n\n".join(
        f"第{n}条 本会宗旨是协助公安机关维护社会治安，服务群众。" * 3 for n in range(60)
    )
    RulebookVersion.objects.create(document=charter, number=1, body=body)
    save_public_site(
        actor=officer,
        intro="我们是网友义务巡逻协会。" * 20,
        about_extra="成立于 2011 年。" * 20,
        contact="地址：人民路 1 号；电话：0710-1234567；工作日 9:00–17:00。",
        figures=[figure.name for figure in FIGURES],
    )
    for number in range(10):
        PartnerOrganisation.objects.create(name=f"合作组织{number}", kind="volunteers")
    other_squad.area = day["town"]
    other_squad.save(update_fields=["area"])
    for number in range(5):
        Bulletin.objects.create(
            kind="advice", title=f"防范电信诈骗提示 {number}", body="不要转账。",
            status="published", to_public=True, published_at=day["today"].starts_at, written_by=officer,
        )  # fmt: skip


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_the_public_pages_filled_in_load_within_the_budget(full_public_site, public, path) -> None:
    size, assets = first_load(public, path)
    assert size <= BUDGET, f"{path}: {size} bytes with {assets}"


@pytest.fixture
def open_day(officer) -> Any:
    """An event with all it shows: a long description, partners, a map, registrations."""
    import datetime as dt

    from django.utils import timezone

    from yixun.events.models import Event
    from yixun.events.services import manage, registration
    from yixun.members.models import PartnerOrganisation

    partners = [
        PartnerOrganisation.objects.create(name=f"合作组织{n}", kind="volunteers") for n in range(3)
    ]
    starts = timezone.now() + dt.timedelta(days=2)
    events = [
        manage.save_event(
            actor=officer,
            kind=Event.Kind.OPEN_DAY,
            title=f"城关派出所警营开放日 {n}",
            description="参观指挥中心、警用装备展示，民警讲解防诈骗知识。" * 20,
            starts_at=starts + dt.timedelta(days=n),
            ends_at=starts + dt.timedelta(days=n, hours=3),
            place_name="城关派出所",
            address="解放路 12 号",
            latitude=31.0,
            longitude=114.0,
            capacity=30,
            partners=partners,
        )
        for n in range(20)
    ]
    return registration.register(event=events[0], name="王芳", phone="+8613712345678")


def test_the_events_pages_load_within_the_budget(open_day, public) -> None:
    """The list, an event (its map's library on top) and the ticket a phone shows at the door."""
    for path in ("/events/", open_day.event.get_absolute_url(), open_day.get_absolute_url()):
        size, assets = first_load(public, path)
        assert size <= BUDGET, f"{path}: {size} bytes with {assets}"
