"""The duty tests' county: a town with two schools a kilometre apart and a route past both,
and shifts that are on now."""

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import timezone, translation

from yixun.accounts.models import User
from yixun.members.models import Member
from yixun.places.models import Area, Route, RouteStop, Site
from yixun.shifts.models import Claim, Shift


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """Services answer in the language of the moment; these tests read their English."""
    with translation.override("en"):
        yield


@pytest.fixture
def town(db: None) -> Area:
    county = Area.objects.create(name="示范县", level="county")
    return Area.objects.create(name="城关镇", level="town", parent=county)


@pytest.fixture
def school(town: Area) -> Site:
    return Site.objects.create(
        name="城关一中",
        kind="school",
        area=town,
        latitude=Decimal("31.000000"),
        longitude=Decimal("114.000000"),
    )


@pytest.fixture
def market(town: Area) -> Site:
    """About 1.1 km north of the school."""
    return Site.objects.create(
        name="城关农贸市场",
        kind="market",
        area=town,
        latitude=Decimal("31.010000"),
        longitude=Decimal("114.000000"),
    )


@pytest.fixture
def route(town: Area, school: Site, market: Site) -> Route:
    route = Route.objects.create(name="城关环线", area=town, length_m=1100)
    for position, site in enumerate([school, market]):
        RouteStop.objects.create(
            route=route,
            position=position,
            site=site,
            latitude=site.latitude,
            longitude=site.longitude,
        )
    return route


def make_shift(
    place: Site | Route | Area, *, started_minutes_ago: int = 5, hours: float = 3, **extra: object
) -> Shift:
    """A shift that began a few minutes ago (set straight into the table: claiming rules are
    the calendar's business, tested there)."""
    starts = timezone.now() - dt.timedelta(minutes=started_minutes_ago)
    where = {Site: "site", Route: "route", Area: "area"}[type(place)]
    return Shift.objects.create(
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=hours),
        min_people=1,
        capacity=4,
        **{where: place},
        **extra,
    )


def put_on(shift: Shift, user: User) -> Claim:
    Shift.objects.filter(pk=shift.pk).update(taken=F("taken") + 1)
    return Claim.objects.create(shift=shift, member=Member.objects.get(user=user), claimed_by=user)


@pytest.fixture
def shift(school: Site) -> Shift:
    return make_shift(school)


@pytest.fixture
def claim(shift: Shift, volunteer: User) -> Claim:
    return put_on(shift, volunteer)
