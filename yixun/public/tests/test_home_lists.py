"""The public home lists the latest public bulletins and the coming public events: nothing
written for members only, nothing not yet out, nothing past."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from yixun.bulletins.models import Bulletin
from yixun.events.models import Event


def event(title: str, *, days: float, **fields: object) -> Event:
    start = timezone.now() + dt.timedelta(days=days)
    return Event.objects.create(
        kind=Event.Kind.OPEN_DAY, title=title, starts_at=start,
        ends_at=start + dt.timedelta(hours=2), place_name="城关派出所", capacity=30, **fields,
    )  # fmt: skip


def bulletin(title: str, *, hours_ago: float, officer, **fields: object) -> Bulletin:
    return Bulletin.objects.create(
        kind="advice", title=title, body="正文", written_by=officer,
        status=fields.pop("status", "published"),
        published_at=timezone.now() - dt.timedelta(hours=hours_ago), **fields,
    )  # fmt: skip


@pytest.mark.usefixtures("midday")
def test_the_coming_public_events_show_soonest_first(db, public: Client) -> None:
    event("警营开放日", days=3)
    event("反诈讲座", days=1)
    event("防溺水宣传", days=5)
    event("第四场", days=7)
    event("队员培训", days=2, audience=Event.Audience.MEMBERS)
    event("草稿活动", days=2, status=Event.Status.DRAFT)
    event("已结束", days=-2)
    page = public.get("/")
    assert [e.title for e in page.context["events"]] == ["反诈讲座", "警营开放日", "防溺水宣传"]
    html = page.content.decode()
    assert "队员培训" not in html and "草稿活动" not in html and "已结束" not in html
    opening = Event.objects.get(title="反诈讲座")
    assert f'href="{opening.get_absolute_url()}"' in html and "城关派出所" in html
    assert 'href="/events/"' in html


def test_without_events_the_home_says_so(db, public: Client) -> None:
    assert 'data-testid="no-events"' in public.get("/").content.decode()


def test_the_latest_three_public_bulletins(officer, public: Client) -> None:
    for number in range(4):
        bulletin(f"防诈提示{number}", hours_ago=10 - number, officer=officer, to_public=True)
    bulletin("队内通知", hours_ago=1, officer=officer, to_members=True)
    bulletin("草稿", hours_ago=1, officer=officer, to_public=True, status="draft")
    page = public.get("/")
    assert [b.title for b in page.context["bulletins"]] == ["防诈提示3", "防诈提示2", "防诈提示1"]
    html = page.content.decode()
    assert "队内通知" not in html and "草稿" not in html
