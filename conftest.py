"""The cast, the same in every test (STYLE.md), and the harness around it."""

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from yixun.accounts import services as accounts
from yixun.accounts.messaging import MemorySender, Message
from yixun.accounts.models import User
from yixun.accounts.roles import Role
from yixun.lib import generations
from yixun.members.models import Member, Squad
from yixun.testing import InstantTaskBackend

PASSWORD = "Patrol-2011-night"

# Phone numbers of the cast, in national form.
PHONES = {
    "leader": "13900000001",
    "volunteer": "13900000002",
    "volunteer2": "13900000003",
    "other_volunteer": "13900000004",
    "moderator": "13900000005",
    "police": "13900000006",
    "officer": "13900000007",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Browser tests run last: Playwright's event loop breaks async tests that follow it.
    for item in items:
        if "/browser/" in str(item.path):
            item.add_marker(pytest.mark.browser)
            # With pytest-xdist the browser tests share one worker, where they run last.
            item.add_marker(pytest.mark.xdist_group("browser"))
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(autouse=True)
def outbox() -> Iterator[list[Message]]:
    """Messages sent through the test sender, emptied before each test."""
    MemorySender.outbox.clear()
    yield MemorySender.outbox
    MemorySender.outbox.clear()


@pytest.fixture(autouse=True)
def deferred_tasks() -> Iterator[type[InstantTaskBackend]]:
    """Tasks queued to run later; `deferred_tasks.run_deferred(until=...)` runs the due ones."""
    InstantTaskBackend.deferred.clear()
    yield InstantTaskBackend
    InstantTaskBackend.deferred.clear()


def make_person(key: str, name: str, roles: list[str], squad: Squad | None = None) -> User:
    user = accounts.create_user(
        phone=PHONES[key], name=name, password=PASSWORD, actor=None, roles=roles
    )
    if squad is not None:
        Member.objects.create(user=user, squad=squad)
    return user


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Each test starts with nothing cached: a rolled-back test's ids are reused by the next
    (SQLite), and a person cached under one must not sign in as the other."""
    yield
    generations.forget_everything()


@pytest.fixture
def midday() -> Iterator[None]:
    """Run at noon of today, Shanghai time, with the clock ticking.

    A record made "two hours ago" or "in an hour" then falls on today's date whenever the
    suite runs; run near midnight, it would fall on another day and out of "today".
    """
    noon = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(12)))
    with time_machine.travel(noon, tick=True):
        yield


@pytest.fixture
def squad(db: None) -> Squad:
    return Squad.objects.create(name="城关一分队")


@pytest.fixture
def other_squad(db: None) -> Squad:
    return Squad.objects.create(name="河口二分队")


@pytest.fixture
def leader(squad: Squad) -> User:
    user = make_person("leader", "王队长", [Role.VOLUNTEER, Role.SQUAD_LEADER], squad)
    squad.leader = user
    squad.save(update_fields=["leader"])
    return user


@pytest.fixture
def volunteer(squad: Squad) -> User:
    return make_person("volunteer", "张志愿", [Role.VOLUNTEER], squad)


@pytest.fixture
def volunteer2(squad: Squad) -> User:
    return make_person("volunteer2", "刘晓燕", [Role.VOLUNTEER], squad)


@pytest.fixture
def other_volunteer(other_squad: Squad) -> User:
    return make_person("other_volunteer", "赵海波", [Role.VOLUNTEER], other_squad)


@pytest.fixture
def moderator(db: None) -> User:
    return make_person("moderator", "李版主", [Role.VOLUNTEER, Role.MODERATOR])


@pytest.fixture
def police(db: None) -> User:
    return make_person("police", "陈警官", [Role.POLICE])


@pytest.fixture
def officer(db: None) -> User:
    return make_person("officer", "周建国", [Role.VOLUNTEER, Role.OFFICER])


@pytest.fixture
def public() -> Client:
    """A member of the public: no account, no session."""
    return Client()


@pytest.fixture
def login() -> Callable[[User], Client]:
    """A browser session signed in as this user: `login(officer).get(...)`."""

    def signed_in(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return signed_in
