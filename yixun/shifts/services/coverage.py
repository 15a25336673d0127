"""Where and when nobody patrols: key sites' watched hours against every patrol, ours and the police's."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F, Q
from django.utils import timezone

from yixun.places.models import Area, RouteStop, Site
from yixun.shifts.models import PolicePatrol, Shift
from yixun.shifts.services.rules import q_place_within

DEFAULT_WATCH = (dt.time(7, 0), dt.time(22, 0))
Interval = tuple[dt.datetime, dt.datetime]


@dataclass
class SiteDay:
    day: dt.date
    gaps: list[Interval] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        return not self.gaps


@dataclass
class SiteWeek:
    site: Site
    days: list[SiteDay]

    @property
    def gap_hours(self) -> float:
        return (
            sum((end - start).total_seconds() for day in self.days for start, end in day.gaps)
            / 3600
        )


@dataclass
class Coverage:
    area: Area
    first: dt.date
    days: list[dt.date]
    sites: list[SiteWeek]
    under_minimum: list[Shift]
    shifts: int
    police_patrols: int

    @property
    def sites_with_gaps(self) -> list[SiteWeek]:
        return [week for week in self.sites if week.gap_hours > 0]


def subtract(window: Interval, covered: list[Interval]) -> list[Interval]:
    """What is left of the window once the covered intervals are taken out."""
    gaps = [window]
    for start, end in sorted(covered):
        next_gaps = []
        for gap_start, gap_end in gaps:
            if end <= gap_start or start >= gap_end:
                next_gaps.append((gap_start, gap_end))
                continue
            if start > gap_start:
                next_gaps.append((gap_start, start))
            if end < gap_end:
                next_gaps.append((end, gap_end))
        gaps = next_gaps
    return [(start, end) for start, end in gaps if end - start >= dt.timedelta(minutes=15)]


def week_coverage(*, area: Area, first: dt.date, days: int = 7) -> Coverage:
    """The coverage of an area (and everything in it) for a week, in a fixed number of queries.

    A site counts as patrolled while someone is on a shift at it, on a route through it, or in
    an area around it, or while a police patrol covers it the same ways. Only shifts somebody
    has claimed patrol anything.
    """
    last = first + dt.timedelta(days=days - 1)
    window_start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    window_end = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))
    sites = list(
        Site.objects.filter(area__path__startswith=area.path, is_active=True).select_related("area")
    )
    in_week = (
        Shift.objects.scheduled()
        .between(window_start, window_end)
        .filter(q_place_within(area.path))
    )
    # What can patrol this area's sites: shifts in it, patrols of an area around it, and routes
    # that stop in it; through to the morning after the week, for sites watched overnight.
    reaching = (
        Shift.objects.scheduled()
        .between(window_start, window_end + dt.timedelta(days=1))
        .filter(
            q_place_within(area.path)
            | Q(area_id__in=area.ancestor_ids())
            | Q(route__stops__site__area__path__startswith=area.path)
        )
        .distinct()
    )
    # Plain rows, not model objects: a county's week is a thousand or more shifts.
    shifts = list(
        reaching.values_list("site_id", "route_id", "area_id", "starts_at", "ends_at", "taken")
    )
    police = list(
        PolicePatrol.objects.filter(valid_from__lte=last)
        .exclude(valid_until__lt=first)
        .select_related("area")
    )
    stops = defaultdict(set)
    for route_id, site_id in RouteStop.objects.filter(site__isnull=False).values_list(
        "route_id", "site_id"
    ):
        stops[route_id].add(site_id)

    by_site: dict[int, list[Interval]] = defaultdict(list)
    by_area: dict[int, list[Interval]] = defaultdict(
        list
    )  # a patrol of an area covers every site in it

    def cover(
        site_id: int | None, route_id: int | None, area_id: int | None, interval: Interval
    ) -> None:
        if site_id:
            by_site[site_id].append(interval)
        if route_id:
            for stop in stops.get(route_id, ()):
                by_site[stop].append(interval)
        if area_id:
            by_area[area_id].append(interval)

    for site_id, route_id, area_id, starts_at, ends_at, taken in shifts:
        if taken > 0:
            cover(site_id, route_id, area_id, (starts_at, ends_at))
    for patrol in police:
        # From the day before: a night patrol that started then covers the first morning.
        for interval in patrol.occurrences(
            first - dt.timedelta(days=1), last + dt.timedelta(days=1)
        ):
            cover(patrol.site_id, patrol.route_id, patrol.area_id, interval)

    calendar = [first + dt.timedelta(days=offset) for offset in range(days)]
    weeks = []
    for site in sites:
        intervals = by_site[site.pk] + [
            iv for area_id in site.area.ancestor_ids() for iv in by_area.get(area_id, ())
        ]
        watch_from, watch_until = (
            site.watch_from or DEFAULT_WATCH[0],
            site.watch_until or DEFAULT_WATCH[1],
        )
        site_days = []
        for day in calendar:
            start = timezone.make_aware(dt.datetime.combine(day, watch_from))
            end_day = day if watch_until > watch_from else day + dt.timedelta(days=1)
            end = timezone.make_aware(dt.datetime.combine(end_day, watch_until))
            site_days.append(SiteDay(day=day, gaps=subtract((start, end), intervals)))
        weeks.append(SiteWeek(site=site, days=site_days))
    under = list(
        in_week.filter(taken__lt=F("min_people")).select_related("area", "route", "site", "squad")
    )
    return Coverage(
        area=area,
        first=first,
        days=calendar,
        sites=weeks,
        under_minimum=under,
        shifts=in_week.count(),
        police_patrols=len(police),
    )
