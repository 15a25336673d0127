"""The tips tests' world: a town whose police station has the police liaison, another station,
and tips sent as the public sends them."""

from collections.abc import Iterator

import pytest
from django.utils import translation

from yixun.accounts import services as accounts
from yixun.accounts.models import User
from yixun.accounts.roles import Role
from yixun.places.models import Area, PoliceStation
from yixun.tips.models import Tip
from yixun.tips.services import intake


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def station(police: User) -> PoliceStation:
    station = PoliceStation.objects.create(name="城关派出所")
    station.liaisons.add(police)
    return station


@pytest.fixture
def town(station: PoliceStation) -> Area:
    return Area.objects.create(name="城关镇", level="town", station=station)


@pytest.fixture
def other_police(db: None) -> User:
    """A liaison of another station."""
    user = accounts.create_user(
        phone="13900000008", name="吴警官", password="x-Yixun-2026", actor=None, roles=[Role.POLICE]
    )
    PoliceStation.objects.create(name="河口派出所").liaisons.add(user)
    return user


@pytest.fixture
def moderator2(db: None) -> User:
    return accounts.create_user(
        phone="13900000009",
        name="钱版主",
        password="x-Yixun-2026",
        actor=None,
        roles=[Role.VOLUNTEER, Role.MODERATOR],
    )


def send(
    text: str = "城关镇菜市场门口有人打架，已经有人受伤",
    category: str = "public_order",
    *,
    address: str = "10.0.0.1",
    **extra: object,
) -> Tip:
    return intake.submit_tip(
        report=intake.Report(category=category, text=text, **extra), address=address
    )  # type: ignore[arg-type]


@pytest.fixture
def tip(db: None) -> Tip:
    return send(contact_name="李先生", contact_phone="13912345678")
