"""The demo county's year of bulletins: every kind, the missing man found through a sighting,
the robots' log with a failure and a retry, everyone's inbox, and nothing from the future but
the one notice scheduled for next week."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from yixun.bulletins.models import Bulletin, InboxItem, Kind, Robot, Status, Subscriber
from yixun.members.models import Member
from yixun.worker.models import Delivery


@pytest.fixture
def county(db) -> None:
    call_command("demo", "--size", "small", "-v", "0")


def test_the_demo_has_bulletins_of_every_kind(county, client) -> None:
    out = Bulletin.objects.out()
    assert set(out.values_list("kind", flat=True)) == set(Kind.values)
    assert out.filter(kind=Kind.ALERT, title__contains="刷单返利").exists()
    assert out.filter(kind=Kind.ADVICE, title__contains="防溺水").exists()
    assert out.filter(kind=Kind.NOTICE, title__contains="表彰大会").exists()
    assert out.filter(kind=Kind.ALERT, revision=1).exists()  # a correction
    # Approved by someone other than the writer, and published by the service's rule.
    assert not out.filter(approved_by__isnull=True).exists()
    assert all(b.approved_by_id != b.written_by_id for b in out)


def test_the_missing_man_was_found_through_a_sighting(county, client) -> None:
    urgent = Bulletin.objects.get(kind=Kind.URGENT)
    assert urgent.status == Status.WITHDRAWN
    assert urgent.changes.get().note == "已找到，感谢大家"
    assert not urgent.shows_details
    sighting = urgent.sightings.get()
    assert sighting.tip.status == sighting.tip.Status.CLOSED
    assert urgent.published_at < sighting.created_at < urgent.withdrawn_at < timezone.now()
    page = client.get(f"/bulletins/{urgent.pk}/")
    assert page.status_code == 200
    assert "阿尔茨海默病" not in page.content.decode()


def test_a_robot_post_failed_and_one_went_through_on_its_retry(county) -> None:
    robots = list(Robot.objects.order_by("pk"))
    assert {r.provider for r in robots} == set(Robot.Provider.values)
    assert all(r.url.startswith("https://robot.invalid/") for r in robots)
    about = Delivery.objects.filter(about__startswith="bulletins.bulletin:")
    assert about.filter(
        channel=Delivery.Channel.ROBOT, status=Delivery.Status.FAILED, last_answer__contains="500"
    ).exists()
    assert about.filter(
        channel=Delivery.Channel.ROBOT,
        status=Delivery.Status.SENT,
        attempts=2,
        last_answer__contains="ok",
    ).exists()
    assert about.filter(channel=Delivery.Channel.EMAIL, status=Delivery.Status.SENT).exists()
    assert Subscriber.objects.filter(confirmed_at__isnull=False).count() >= 5


def test_every_member_has_bulletins_in_their_inbox_and_none_from_the_future(county) -> None:
    members = Member.objects.filter(status=Member.Status.ACTIVE).values_list("user_id", flat=True)
    reached = set(InboxItem.objects.values_list("user_id", flat=True).distinct())
    assert set(members) <= reached
    now = timezone.now()
    assert InboxItem.objects.filter(read_at__isnull=False).count() > InboxItem.objects.count() / 2
    assert not InboxItem.objects.filter(delivered_at__gt=now).exists()
    assert not InboxItem.objects.filter(read_at__gt=now).exists()
    future = Bulletin.objects.filter(published_at__gt=now)
    assert list(future.values_list("kind", "status")) == [(Kind.NOTICE, Status.PUBLISHED)]
    assert not InboxItem.objects.filter(bulletin__in=future).exists()
    assert not Bulletin.objects.filter(written_at__gt=now).exists()
