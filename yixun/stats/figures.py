"""The association's counters, computed from the records for any period, squad and area.

Five aggregate queries, one per table, whatever the size of the county: each number is a
COUNT or SUM over the rows that `records(name, scope)` lists for its drill-down.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from yixun.events.models import Event
from yixun.members.models import Squad
from yixun.patrols.models import Duty, Finding, Incident, IncidentKind, Inspection
from yixun.places.models import Area
from yixun.tips.models import Outcome, Tip


@dataclass(frozen=True)
class Scope:
    first: dt.date | None = None
    last: dt.date | None = None
    squad: Squad | None = None
    area: Area | None = None

    def bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        start = (
            timezone.make_aware(dt.datetime.combine(self.first, dt.time.min))
            if self.first
            else None
        )
        end = (
            timezone.make_aware(dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time.min))
            if self.last
            else None
        )
        return start, end

    def narrow(self, rows: QuerySet[Any], time_field: str) -> QuerySet[Any]:
        start, end = self.bounds()
        if start:
            rows = rows.filter(**{f"{time_field}__gte": start})
        if end:
            rows = rows.filter(**{f"{time_field}__lt": end})
        if self.squad:
            rows = rows.filter(squad=self.squad)
        if self.area:
            rows = rows.filter(area__in=Area.objects.within(self.area).values("pk"))
        return rows


@dataclass(frozen=True)
class Figure:
    name: str
    label: str | Promise
    source: str  # duties | inspections | incidents | tips | events: the records it drills down to


FIGURES = [
    Figure("duties", _("Duties done"), "duties"),
    Figure("volunteers", _("Volunteers who took part"), "duties"),
    Figure("hours", _("Service hours"), "duties"),
    Figure("inspections", _("Site inspections"), "inspections"),
    Figure("hazards", _("Hazards found on inspections"), "inspections"),
    Figure("hazards_reported", _("Hazards reported"), "incidents"),
    Figure("accidents", _("Traffic accidents settled"), "incidents"),
    Figure("people_helped", _("People helped or rescued"), "incidents"),
    Figure("disputes", _("Disputes mediated"), "incidents"),
    Figure("police_assisted", _("Police assisted"), "incidents"),
    Figure("events", _("Events held"), "events"),
    # On patrol (a publicity incident) and at events (their report): both are publicity.
    Figure("people_reached", _("People reached by publicity"), "publicity"),
    Figure("tips_solved", _("Cases solved from tips"), "tips"),
]
BY_NAME = {figure.name: figure for figure in FIGURES}


def duties(scope: Scope) -> QuerySet[Duty]:
    return scope.narrow(Duty.objects.counted(), "checked_in_at")


def inspections(scope: Scope) -> QuerySet[Inspection]:
    return scope.narrow(Inspection.objects.all(), "occurred_at")


def incidents(scope: Scope) -> QuerySet[Incident]:
    return scope.narrow(Incident.objects.all(), "occurred_at")


def events(scope: Scope) -> QuerySet[Event]:
    """Events that took place: reported on, or with someone let in at the door (each person let
    in counts among those reached at once; the report may add more)."""
    held = Event.objects.filter(Q(closed_at__isnull=False) | Q(people_reached__gt=0)).exclude(
        status__in=[Event.Status.CANCELLED, Event.Status.DRAFT]
    )
    return scope.narrow(held, "starts_at")


def solved_tips(scope: Scope) -> QuerySet[Tip]:
    """Tips that led to a solved case, counted when the police said so. A squad's are those
    its members reported (the credit is theirs); an area's, those forwarded for it."""
    rows = Tip.objects.filter(outcome=Outcome.CASE_SOLVED)
    start, end = scope.bounds()
    if start:
        rows = rows.filter(outcome_at__gte=start)
    if end:
        rows = rows.filter(outcome_at__lt=end)
    if scope.squad:
        rows = rows.filter(reporter__membership__squad=scope.squad)
    if scope.area:
        rows = rows.filter(area__in=Area.objects.within(scope.area).values("pk"))
    return rows


def compute(scope: Scope) -> dict[str, int | float]:
    """Every figure for the scope, in five queries."""
    d = duties(scope).aggregate(
        duties=Count("pk"), volunteers=Count("member", distinct=True), minutes=Sum("minutes")
    )
    i = inspections(scope).aggregate(
        inspections=Count("pk"), hazards=Count("pk", filter=Q(finding=Finding.HAZARD))
    )
    n = incidents(scope).aggregate(
        hazards_reported=Count("pk", filter=Q(kind=IncidentKind.HAZARD)),
        accidents=Count("pk", filter=Q(kind=IncidentKind.ACCIDENT_SETTLED)),
        disputes=Count("pk", filter=Q(kind=IncidentKind.DISPUTE_MEDIATED)),
        police_assisted=Count("pk", filter=Q(kind=IncidentKind.POLICE_ASSISTED)),
        people_helped=Sum("people_helped"),
        people_reached=Sum("people_reached"),
    )
    e = events(scope).aggregate(events=Count("pk"), people_reached=Sum("people_reached"))
    return {
        "duties": d["duties"],
        "volunteers": d["volunteers"],
        "hours": round((d["minutes"] or 0) / 60, 1),
        "inspections": i["inspections"],
        "hazards": i["hazards"],
        "hazards_reported": n["hazards_reported"],
        "accidents": n["accidents"],
        "people_helped": n["people_helped"] or 0,
        "disputes": n["disputes"],
        "police_assisted": n["police_assisted"],
        "events": e["events"],
        "people_reached": (n["people_reached"] or 0) + (e["people_reached"] or 0),
        "tips_solved": solved_tips(scope).count(),
    }


def records(name: str, scope: Scope) -> QuerySet[Any] | list[Any]:
    """The rows a figure counts or adds up, for its drill-down."""
    if name == "events":
        return events(scope).select_related("squad", "area").order_by("-starts_at")
    if name == "people_reached":
        # Two tables add up to this one: the rows of both, newest first (a few hundred a year).
        held = list(events(scope).filter(people_reached__gt=0).order_by("-starts_at"))
        spoken = list(
            incidents(scope)
            .filter(people_reached__gt=0)
            .select_related("squad", "log")
            .order_by("-occurred_at")
        )
        return sorted(
            [*held, *spoken],
            key=lambda row: row.starts_at if isinstance(row, Event) else row.occurred_at,
            reverse=True,
        )
    if name == "tips_solved":
        # Who reported them is not shown: informants stay protected, even in the figures.
        return solved_tips(scope).select_related("station").order_by("-outcome_at")
    if name in ("duties", "volunteers", "hours"):
        return (
            duties(scope)
            .select_related("member__user", "shift__site", "shift__route", "shift__area", "squad")
            .order_by("-checked_in_at")
        )
    if name == "inspections":
        return inspections(scope).select_related("site", "squad", "log").order_by("-occurred_at")
    if name == "hazards":
        return (
            inspections(scope)
            .filter(finding=Finding.HAZARD)
            .select_related("site", "squad", "log")
            .order_by("-occurred_at")
        )
    kinds = {
        "accidents": Q(kind=IncidentKind.ACCIDENT_SETTLED),
        "disputes": Q(kind=IncidentKind.DISPUTE_MEDIATED),
        "police_assisted": Q(kind=IncidentKind.POLICE_ASSISTED),
        "people_helped": Q(people_helped__gt=0),
        "hazards_reported": Q(kind=IncidentKind.HAZARD),
    }
    return (
        incidents(scope).filter(kinds[name]).select_related("squad", "log").order_by("-occurred_at")
    )
