"""What becomes a live event: every change the audit trail records of a followed kind, in the
change's own transaction; never a look, never a change rolled back. Events are kept a day."""

import asyncio
import datetime as dt
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import connections, transaction
from django.utils import timezone

from yixun.audit import services as audit
from yixun.live.hub import GAP_SECONDS, MAX_GAP, Hub
from yixun.live.models import Event
from yixun.live.retention import delete_old_events
from yixun.tips.models import Tip
from yixun.tips.services import triage
from yixun.tips.tests.conftest import send

pytestmark = pytest.mark.django_db


def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """asyncio.run in a thread of its own: a worker that ran browser tests first has
    Playwright's event loop in its main thread, where asyncio.run refuses to start another."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


@pytest.fixture
def hub_thread() -> Iterator[None]:
    """The hub reads on asgiref's one thread for sync code: its connection closes after the
    test, or PostgreSQL's test database could not be dropped."""
    yield
    run(sync_to_async(connections.close_all)())


def test_each_recorded_change_of_a_tip_is_an_event(moderator) -> None:
    tip = send()
    triage.take(tip=tip, actor=moderator)
    assert list(Event.objects.order_by("pk").values_list("topic", "ref")) == [
        ("tips", str(tip.pk)),
        ("tips", str(tip.pk)),
    ]


def test_a_look_is_no_change(moderator) -> None:
    tip = send()
    before = Event.objects.count()
    audit.record(actor=moderator, action="tips.tip.contact_viewed", target=tip, data={})
    assert Event.objects.count() == before


def test_a_change_rolled_back_is_never_told(moderator) -> None:
    tip = send()
    before = Event.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        triage.take(tip=tip, actor=moderator)
        raise RuntimeError("the request failed after the change")
    assert Event.objects.count() == before
    assert Tip.objects.get(pk=tip.pk).assigned_to is None


def test_events_are_kept_a_day() -> None:
    now = timezone.now()
    old = Event.objects.create(topic="tips", ref="1", created_at=now - dt.timedelta(hours=25))
    new = Event.objects.create(topic="tips", ref="2", created_at=now - dt.timedelta(hours=23))
    assert delete_old_events(now, dry_run=True) == 1
    assert delete_old_events(now, batch_size=1) == 1
    assert list(Event.objects.values_list("pk", flat=True)) == [new.pk]
    assert not Event.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_an_event_committed_after_a_newer_one_is_handed_out_all_the_same(hub_thread: None) -> None:
    """Two changes at once: the first takes its id first and commits last. The hub hands out
    the newer at once and the older when it appears; an id that never appears (rolled back)
    is given up after a few seconds."""
    hub = Hub()
    following = hub.follow(frozenset({"tips"}))
    first = Event.objects.create(topic="tips", ref="1")
    newer = Event.objects.create(topic="tips", ref="2", pk=first.pk + 2)  # first.pk + 1: in flight
    hub.last = first.pk
    run(hub.read_once(now=100.0))
    late = Event.objects.create(topic="tips", ref="3", pk=first.pk + 1)
    run(hub.read_once(now=101.0))
    run(hub.read_once(now=102.0))  # nothing new: nothing handed out twice
    handed = [following.queue.get_nowait().pk for _ in range(following.queue.qsize())]
    assert handed == [newer.pk, late.pk]
    Event.objects.create(topic="tips", ref="4", pk=first.pk + 4)  # first.pk + 3 never commits
    run(hub.read_once(now=103.0))
    assert first.pk + 3 in hub.gaps
    run(hub.read_once(now=103.0 + GAP_SECONDS))
    assert not hub.gaps and hub.last == first.pk + 4


@pytest.mark.django_db(transaction=True)
def test_a_far_jump_in_ids_is_no_great_gap(hub_thread: None) -> None:
    """After a quiet day whose events retention deleted, the next id is far above the last."""
    hub = Hub()
    far = Event.objects.create(topic="tips", ref="1", pk=1_000_000)
    run(hub.read_once(now=0.0))
    assert hub.last == far.pk and len(hub.gaps) <= MAX_GAP
