"""The coverage view: which key sites, on which hours of a week, nobody patrols."""

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yixun.places.models import Area, Route, RouteStop, Site
from yixun.places.services import save_route
from yixun.shifts.models import ClaimRules, PolicePatrol, Shift
from yixun.shifts.services import claims, planning
from yixun.shifts.services.coverage import Coverage, SiteWeek, week_coverage


@pytest.fixture
def county(db: None) -> Area:
    return Area.objects.create(name="示范县", level="county")


@pytest.fixture
def town(county: Area) -> Area:
    return Area.objects.create(name="城关镇", level="town", parent=county)


@pytest.fixture
def village(town: Area) -> Area:
    return Area.objects.create(name="东岳村", level="community", parent=town)


@pytest.fixture
def other_town(county: Area) -> Area:
    return Area.objects.create(name="河口镇", level="town", parent=county)


_sites = itertools.count()


def make_site(
    area: Area,
    name: str,
    watch: tuple[dt.time | None, dt.time | None] = (dt.time(7), dt.time(18)),
) -> Site:
    n = next(_sites) % 500
    return Site.objects.create(
        name=name,
        kind="school",
        area=area,
        latitude=Decimal("30.600000") + Decimal(n) / 1000,
        longitude=Decimal("114.300000"),
        watch_from=watch[0],
        watch_until=watch[1],
    )


@pytest.fixture
def school(town: Area) -> Site:
    return make_site(town, "城关一中")


@pytest.fixture
def monday() -> dt.date:
    """The Monday of next week: all its shifts can still be claimed."""
    today = timezone.localdate()
    return today + dt.timedelta(days=7 - today.weekday())


def at(day: dt.date, hour: int, minute: int = 0, days_later: int = 0) -> dt.datetime:
    return timezone.make_aware(
        dt.datetime.combine(day + dt.timedelta(days=days_later), dt.time(hour, minute))
    )


def week_of(coverage: Coverage, site: Site) -> SiteWeek:
    [week] = [week for week in coverage.sites if week.site == site]
    return week


def gaps_on(coverage: Coverage, site: Site, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    [site_day] = [d for d in week_of(coverage, site).days if d.day == day]
    return site_day.gaps


def whole_window(day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    return [(at(day, 7), at(day, 18))]


def shift(taken: int = 0, min_people: int = 2, **values: Any) -> Shift:
    return Shift.objects.create(
        kind=values.pop("kind", "patrol"),
        min_people=min_people,
        capacity=max(4, taken),
        taken=taken,
        **values,
    )


@pytest.fixture
def newcomers_may_claim(db: None) -> None:
    rules = ClaimRules.current()
    rules.newcomer_patrols = 0
    rules.save()


def test_a_site_nobody_patrols_is_a_gap_all_its_watched_hours(county, school, monday) -> None:
    unwatched = make_site(school.area, "城关菜市场", watch=(None, None))

    coverage = week_coverage(area=county, first=monday)

    assert coverage.days == [monday + dt.timedelta(days=n) for n in range(7)]
    for day in coverage.days:
        assert gaps_on(coverage, school, day) == whole_window(day)
        assert gaps_on(coverage, unwatched, day) == [(at(day, 7), at(day, 22))]  # the default
    assert week_of(coverage, school).gap_hours == 7 * 11
    assert {week.site for week in coverage.sites_with_gaps} == {school, unwatched}


def test_a_claimed_shift_at_the_site_covers_its_hours(
    officer, volunteer, county, school, monday, newcomers_may_claim
) -> None:
    tuesday = monday + dt.timedelta(days=1)
    patrol = planning.create_shift(
        actor=officer,
        kind="school_gate",
        starts_at=at(tuesday, 9),
        ends_at=at(tuesday, 12),
        site=school,
        min_people=1,
        capacity=2,
    )
    claims.claim_shift(shift=patrol, member=volunteer.membership, actor=volunteer)

    coverage = week_coverage(area=county, first=monday)

    assert gaps_on(coverage, school, tuesday) == [
        (at(tuesday, 7), at(tuesday, 9)),
        (at(tuesday, 12), at(tuesday, 18)),
    ]
    assert gaps_on(coverage, school, monday) == whole_window(monday)
    assert week_of(coverage, school).gap_hours == 7 * 11 - 3
    assert coverage.under_minimum == []


def test_an_unclaimed_shift_covers_nothing_and_is_under_its_minimum(county, school, monday) -> None:
    empty = shift(taken=0, site=school, starts_at=at(monday, 7), ends_at=at(monday, 18))

    coverage = week_coverage(area=county, first=monday)

    assert gaps_on(coverage, school, monday) == whole_window(monday)
    assert coverage.under_minimum == [empty]


def test_a_route_shift_covers_every_site_on_the_route(
    officer, county, town, village, school, monday
) -> None:
    clinic = make_site(village, "东岳村卫生室")
    market = make_site(town, "城关菜市场")  # not on the route
    route = save_route(
        actor=officer,
        name="东岳线",
        kind="road",
        setting="village",
        area=town,
        stops=[school, clinic],
    )
    wednesday = monday + dt.timedelta(days=2)
    shift(taken=2, route=route, starts_at=at(wednesday, 7), ends_at=at(wednesday, 18))

    coverage = week_coverage(area=county, first=monday)

    assert gaps_on(coverage, school, wednesday) == []
    assert gaps_on(coverage, clinic, wednesday) == []
    assert gaps_on(coverage, market, wednesday) == whole_window(wednesday)
    assert gaps_on(coverage, school, monday) == whole_window(monday)


def test_an_area_shift_covers_the_sites_of_the_area_and_below_it_but_not_a_sibling(
    county, town, village, other_town, school, monday
) -> None:
    clinic = make_site(village, "东岳村卫生室")
    elsewhere = make_site(other_town, "河口中学")
    thursday = monday + dt.timedelta(days=3)
    shift(taken=2, area=town, starts_at=at(thursday, 6), ends_at=at(thursday, 19))

    coverage = week_coverage(area=county, first=monday)

    assert gaps_on(coverage, school, thursday) == []
    assert gaps_on(coverage, clinic, thursday) == []
    assert gaps_on(coverage, elsewhere, thursday) == whole_window(thursday)


def test_a_patrol_of_the_whole_county_covers_a_towns_sites_in_the_towns_view(
    county, town, school, monday
) -> None:
    shift(taken=3, area=county, starts_at=at(monday, 7), ends_at=at(monday, 18))

    assert gaps_on(week_coverage(area=county, first=monday), school, monday) == []
    # The same week, looked at for the town only: the county-wide patrol still passes the school.
    assert gaps_on(week_coverage(area=town, first=monday), school, monday) == []


def test_police_patrols_cover_on_their_weekdays_while_valid(
    county, town, other_town, school, monday
) -> None:
    harbour = make_site(other_town, "河口码头")
    PolicePatrol.objects.create(
        force="armed",
        site=school,
        weekdays=[0, 2, 4],
        starts=dt.time(7),
        ends=dt.time(18),
        valid_from=monday,
        valid_until=monday + dt.timedelta(days=2),  # so not on Friday
    )
    PolicePatrol.objects.create(
        force="community",
        area=other_town,
        weekdays=list(range(7)),
        starts=dt.time(12),
        ends=dt.time(18),
        valid_from=monday + dt.timedelta(days=5),
    )
    PolicePatrol.objects.create(  # over before the week
        force="full_time",
        site=school,
        weekdays=list(range(7)),
        starts=dt.time(7),
        ends=dt.time(18),
        valid_from=monday - dt.timedelta(days=30),
        valid_until=monday - dt.timedelta(days=1),
    )

    coverage = week_coverage(area=county, first=monday)

    covered = [day for day in coverage.days if not gaps_on(coverage, school, day)]
    assert covered == [monday, monday + dt.timedelta(days=2)]
    saturday = monday + dt.timedelta(days=5)
    assert gaps_on(coverage, harbour, saturday) == [(at(saturday, 7), at(saturday, 12))]
    assert gaps_on(coverage, harbour, monday) == whole_window(monday)
    assert coverage.police_patrols == 2


def test_a_police_night_patrol_from_sunday_covers_monday_before_dawn(county, town, monday) -> None:
    crossing = make_site(town, "城东道口", watch=(dt.time(0), dt.time(6)))
    PolicePatrol.objects.create(
        force="armed",
        site=crossing,
        weekdays=list(range(7)),
        starts=dt.time(22),
        ends=dt.time(6),
        valid_from=monday - dt.timedelta(days=30),
    )

    coverage = week_coverage(area=county, first=monday)

    # Every night of the week is covered by the patrol that started the evening before,
    # the first one too (it started on the Sunday before the week).
    assert [gaps_on(coverage, crossing, day) for day in coverage.days] == [[]] * 7


def test_the_last_night_of_the_week_counts_the_shift_after_midnight(county, town, monday) -> None:
    bars = make_site(town, "夜市街", watch=(dt.time(20), dt.time(6)))
    sunday = monday + dt.timedelta(days=6)
    shift(taken=2, site=bars, starts_at=at(sunday, 20), ends_at=at(sunday, 0, days_later=1))
    shift(taken=2, site=bars, starts_at=at(sunday, 0, days_later=1), ends_at=at(sunday, 6, 0, 1))

    coverage = week_coverage(area=county, first=monday)

    assert gaps_on(coverage, bars, sunday) == []


def test_gaps_under_a_quarter_of_an_hour_are_ignored(county, town, monday) -> None:
    a = make_site(town, "一小")
    b = make_site(town, "二小")
    shift(taken=2, site=a, starts_at=at(monday, 7, 10), ends_at=at(monday, 17, 55))
    shift(taken=2, site=b, starts_at=at(monday, 7, 20), ends_at=at(monday, 18))

    coverage = week_coverage(area=county, first=monday)

    assert gaps_on(coverage, a, monday) == []
    assert gaps_on(coverage, b, monday) == [(at(monday, 7), at(monday, 7, 20))]


def test_the_shifts_under_their_minimum_are_listed(
    county, town, other_town, school, monday
) -> None:
    short = shift(
        taken=1, min_people=2, site=school, starts_at=at(monday, 7), ends_at=at(monday, 9)
    )
    shift(taken=2, min_people=2, site=school, starts_at=at(monday, 9), ends_at=at(monday, 11))
    cancelled = shift(taken=0, site=school, starts_at=at(monday, 11), ends_at=at(monday, 12))
    cancelled.status = Shift.Status.CANCELLED
    cancelled.save()
    shift(
        taken=0,
        site=school,
        starts_at=at(monday, 7, days_later=7),
        ends_at=at(monday, 9, days_later=7),
    )  # next week
    elsewhere = make_site(other_town, "河口中学")
    shift(taken=0, site=elsewhere, starts_at=at(monday, 7), ends_at=at(monday, 9))

    assert week_coverage(area=town, first=monday).under_minimum == [short]


# The page


def test_the_coverage_page_is_for_officers_and_the_police(
    login, public, officer, police, leader, volunteer, county, school, monday
) -> None:
    url = f"/coverage/?area={county.pk}&week={monday.isoformat()}"
    for person in (officer, police):
        response = login(person).get(url)
        assert response.status_code == 200
        assert f'data-site="{school.pk}"' in response.content.decode()
    for person in (leader, volunteer):
        assert login(person).get(url).status_code == 403
    response = public.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_page_lists_sites_with_gaps_and_shifts_under_their_minimum(
    login, officer, county, town, school, monday
) -> None:
    covered = make_site(town, "城关二中")
    for day in range(7):
        day_ = monday + dt.timedelta(days=day)
        shift(taken=2, site=covered, starts_at=at(day_, 7), ends_at=at(day_, 18))
    short = shift(taken=1, site=school, starts_at=at(monday, 9), ends_at=at(monday, 10))

    # Any day of the week shows that week.
    response = login(officer).get(
        f"/coverage/?area={county.pk}&week={(monday + dt.timedelta(days=3)).isoformat()}"
    )

    html = response.content.decode()
    assert response.context["first"] == monday
    assert f'data-site="{school.pk}"' in html
    assert f'data-site="{covered.pk}"' not in html
    under = html.split('data-testid="under-minimum"')[1].split("</ul>")[0]
    assert f"/shifts/{short.pk}/" in under


# Speed


def build_county(county: Area, first: dt.date, shifts_per_site: int) -> None:
    towns = [Area.objects.create(name=f"镇{n}", level="town", parent=county) for n in range(3)]
    villages = [
        Area.objects.create(name=f"村{n}", level="community", parent=town)
        for town in towns
        for n in range(2)
    ]
    areas = [*towns, *villages]
    sites = [make_site(areas[n % len(areas)], f"部位{n}") for n in range(30)]
    routes = []
    for n, town in enumerate(towns):
        route = Route.objects.create(name=f"线路{n}", area=town, length_m=3000)
        RouteStop.objects.bulk_create(
            RouteStop(route=route, position=p, site=s, latitude=s.latitude, longitude=s.longitude)
            for p, s in enumerate(sites[n * 5 : n * 5 + 5])
        )
        routes.append(route)
    for n, town in enumerate(towns):
        PolicePatrol.objects.create(
            force="community",
            area=town,
            weekdays=[n, n + 3],
            starts=dt.time(9),
            ends=dt.time(11),
            valid_from=first,
        )
    add_shifts(sites, routes, areas, first, shifts_per_site)


def add_shifts(
    sites: list[Site], routes: list[Route], areas: list[Area], first: dt.date, per_site: int
) -> None:
    rows = []
    for n in range(per_site * len(sites)):
        day = first + dt.timedelta(days=n % 7)
        hour = 6 + n % 14
        place: dict[str, Any] = (
            {"site": sites[n % len(sites)]}
            if n % 3 == 0
            else {"route": routes[n % len(routes)]}
            if n % 3 == 1
            else {"area": areas[n % len(areas)]}
        )
        rows.append(
            Shift(
                kind="patrol",
                starts_at=at(day, hour),
                ends_at=at(day, hour + 1),
                min_people=2,
                capacity=4,
                taken=n % 4,
                **place,
            )
        )
    Shift.objects.bulk_create(rows)


def test_a_countys_week_costs_the_same_queries_whatever_its_size(
    county, monday, django_assert_num_queries
) -> None:
    build_county(county, monday, shifts_per_site=10)
    assert Shift.objects.count() == 300
    with CaptureQueriesContext(connection) as measured:
        small = week_coverage(area=county, first=monday)
    assert small.shifts == 300

    sites = list(Site.objects.all())
    add_shifts(sites, list(Route.objects.all()), list(Area.objects.all()), monday, 10)
    with django_assert_num_queries(len(measured.captured_queries)):
        large = week_coverage(area=county, first=monday)
    assert large.shifts == 600


def test_the_coverage_page_costs_the_same_queries_whatever_its_size(
    login, officer, county, monday, django_assert_num_queries
) -> None:
    build_county(county, monday, shifts_per_site=10)
    client = login(officer)
    url = f"/coverage/?area={county.pk}&week={monday.isoformat()}"
    client.get(url)  # the session and the roles, once
    with CaptureQueriesContext(connection) as measured:
        assert client.get(url).status_code == 200

    add_shifts(
        list(Site.objects.all()), list(Route.objects.all()), list(Area.objects.all()), monday, 10
    )
    with django_assert_num_queries(len(measured.captured_queries)):
        assert client.get(url).status_code == 200
