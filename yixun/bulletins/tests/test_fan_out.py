"""Publishing queues the fan-out; the worker writes each inbox once, for the bulletin's own
audience, and tells the pages open on them."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from yixun.accounts.roles import Role
from yixun.bulletins import services
from yixun.bulletins.delivery import deliver
from yixun.bulletins.inbox import now_for
from yixun.bulletins.models import Bulletin, InboxItem, Kind
from yixun.live.models import Event
from yixun.places.models import Area

pytestmark = pytest.mark.django_db


def inbox_of(user):
    return set(InboxItem.objects.filter(user=user).values_list("bulletin_id", flat=True))


def test_a_squads_bulletin_reaches_that_squad_only(
    moderator, officer, squad, volunteer, leader, other_volunteer, publish
):
    bulletin = publish(moderator, officer, kind=Kind.NOTICE, squads=[squad])
    assert bulletin.pk in inbox_of(volunteer) and bulletin.pk in inbox_of(leader)
    assert not inbox_of(other_volunteer)


def test_an_areas_bulletin_reaches_the_squads_in_and_under_it(
    moderator, officer, squad, other_squad, volunteer, other_volunteer, publish
):
    county = Area.objects.create(name="义安县", level=Area.Level.COUNTY)
    town = Area.objects.create(name="城关镇", level=Area.Level.TOWN, parent=county)
    squad.area = town
    squad.save()
    bulletin = publish(moderator, officer, kind=Kind.NOTICE, areas=[county])
    assert bulletin.pk in inbox_of(volunteer)
    assert not inbox_of(other_volunteer)


def test_a_roles_bulletin_reaches_those_who_hold_it(moderator, officer, police, volunteer, publish):
    bulletin = publish(moderator, officer, kind=Kind.NOTICE, roles=[Role.POLICE])
    assert bulletin.pk in inbox_of(police)
    assert not inbox_of(volunteer)


def test_a_bulletin_for_later_waits_for_its_time(
    moderator, officer, volunteer, publish, deferred_tasks
):
    later = timezone.now() + dt.timedelta(hours=3)
    bulletin = publish(moderator, officer, kind=Kind.NOTICE, to_members=True, publish_at=later)
    assert not inbox_of(volunteer)
    assert not Bulletin.objects.public().exists() and not Bulletin.objects.out().exists()
    with time_machine.travel(later + dt.timedelta(seconds=1)):
        deferred_tasks.run_deferred(until=timezone.now())
        assert bulletin.pk in inbox_of(volunteer)
        assert Bulletin.objects.out().get() == bulletin


def test_a_second_run_writes_nothing_twice(moderator, police, volunteer, publish):
    bulletin = publish(moderator, police)
    before = InboxItem.objects.count()
    assert deliver(bulletin.pk, bulletin.revision) > 0
    assert InboxItem.objects.count() == before
    assert deliver(bulletin.pk, bulletin.revision + 1) == 0  # an older run of a newer change


def test_the_fan_out_tells_the_open_pages(moderator, police, publish):
    bulletin = publish(moderator, police)
    assert Event.objects.filter(topic="inbox", ref=str(bulletin.pk)).count() == 1


def test_the_unread_count_and_the_urgent_banner_follow_the_inbox(police, officer, volunteer, write):
    assert now_for(volunteer).unread == 0
    alert = write(police, kind=Kind.URGENT, title="寻找走失儿童")
    services.send_at_once(actor=police, bulletin=alert)
    shown = now_for(volunteer)
    assert (shown.unread, shown.urgent) == (1, [(alert.pk, "寻找走失儿童")])
    services.mark_read(user=volunteer, bulletin=alert)
    assert now_for(volunteer).unread == 0 and now_for(volunteer).urgent == []
    services.withdraw_bulletin(actor=police, bulletin=alert, note="已找到，谢谢大家")
    shown = now_for(volunteer)
    assert shown.unread == 1 and shown.urgent == []  # the closing is news; no banner for it


def test_every_member_includes_officers_without_a_membership_but_not_the_police(
    moderator, police, officer, volunteer, publish
):
    bulletin = publish(moderator, police, to_public=False, to_members=True)
    assert bulletin.pk in inbox_of(officer) and bulletin.pk in inbox_of(volunteer)
    assert not inbox_of(police)
