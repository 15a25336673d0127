"""What the events tests share: an open day tomorrow, a training for members, times counted
from today, and people of the public with their own mobile numbers."""

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from yixun.accounts.models import User
from yixun.audit.models import AuditEntry
from yixun.events.models import Event, Registration
from yixun.events.services import manage, registration
from yixun.members.models import Member
from yixun.places.models import Area


def at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    """Local time on a day counted from today."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def phone(i: int) -> str:
    """The i-th person of the public's mobile number, in E.164."""
    return f"+86137{i:08d}"


def member_of(user: User) -> Member:
    return Member.objects.select_related("user", "squad").get(user=user)


def fresh(event: Event) -> Event:
    return Event.objects.get(pk=event.pk)


def register_public(event: Event, i: int, **extra: object) -> Registration:
    """The i-th person of the public registers, with a number they confirmed."""
    return registration.register(event=fresh(event), name=f"市民{i}", phone=phone(i), **extra)


def audited(action: str, target: object) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            action=action,
            target_type=target._meta.label_lower,
            target_id=str(target.pk),
        ).order_by("pk")
    )


def messages_to(outbox: list, number: str) -> list:
    return [message for message in outbox if message.to == number]


@contextmanager
def clock_at(moment: dt.datetime) -> Iterator[None]:
    with time_machine.travel(moment, tick=True):
        yield


def new_event(officer: User, **values: object) -> Event:
    starts_at = values.pop("starts_at", at(1, 10))
    hours = values.pop("hours", 3)
    defaults: dict[str, object] = {
        "kind": Event.Kind.OPEN_DAY,
        "title": "城关派出所警营开放日",
        "starts_at": starts_at,
        "ends_at": starts_at + dt.timedelta(hours=hours),
        "place_name": "城关派出所",
        "address": "解放路 12 号",
        "capacity": 3,
        "audience": Event.Audience.PUBLIC,
    }
    return manage.save_event(actor=officer, **{**defaults, **values})


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` around a service call runs what it left for after its commit (the
    messages it sends, the reminders it queues), as a real commit would; the test's own
    transaction is never committed."""

    def run() -> object:
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def area(db: None) -> Area:
    return Area.objects.create(name="城关镇", level="town")


@pytest.fixture
def open_day(officer: User) -> Event:
    """A police open day for the public, tomorrow 10:00–13:00, with three places."""
    return new_event(officer)


@pytest.fixture
def training(officer: User) -> Event:
    """A first-aid training for all members, tomorrow 14:00–17:00, with ten places."""
    return new_event(
        officer,
        kind=Event.Kind.TRAINING,
        title="应急救护培训",
        starts_at=at(1, 14),
        place_name="城关镇社区中心",
        capacity=10,
        audience=Event.Audience.MEMBERS,
    )


@pytest.fixture
def login() -> Callable[[User], Client]:
    """As the root `login`, with the person reading English: signed-in pages speak the person's
    own language, and these tests read the messages in English."""

    def signed_in(user: User) -> Client:
        User.objects.filter(pk=user.pk).update(language="en")
        user.language = "en"
        client = Client()
        client.force_login(user)
        return client

    return signed_in
