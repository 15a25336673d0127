"""The police's own patrols, as times: what the week view shows beside ours."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import AuthorizationError

from yixun.api.routers.shifts import PlaceOut
from yixun.api.schemas import ERRORS, Day, Id
from yixun.places.models import Area
from yixun.shifts.models import PoliceForce, PolicePatrol
from yixun.shifts.services.rules import may_see_police_patrols, q_place_within

router = Router(tags=["Police patrols"])


class PolicePatrolOut(Schema):
    patrol_id: int
    force: PoliceForce
    place: PlaceOut
    starts_at: dt.datetime
    ends_at: dt.datetime
    notes: str


class PoliceFilter(Schema):
    start: Day | None = Field(None, description="First day (default today), Asia/Shanghai")
    days: int = Field(7, ge=1, le=31)
    area: Id | None = None


def _place(patrol: PolicePatrol) -> PlaceOut:
    for kind in ("site", "route", "area"):
        place = getattr(patrol, kind)
        if place is not None:
            return PlaceOut(type=kind, id=place.pk, name=place.name)
    raise AssertionError("a police patrol has a place")  # the model's constraint


@router.get("/police-patrols", response={200: list[PolicePatrolOut], **ERRORS})
def list_police_patrols(request: HttpRequest, filters: Query[PoliceFilter]) -> Any:
    """Each time the police patrol from a day, for up to 31 days, earliest first. For officers,
    the police and squad leaders and deputies, as the calendar shows them
    (`may_see_police_patrols`)."""
    if not may_see_police_patrols(request.user):
        raise AuthorizationError
    first = filters.start or timezone.localdate()
    last = first + dt.timedelta(days=filters.days - 1)
    found = PolicePatrol.objects.filter(valid_from__lte=last).exclude(valid_until__lt=first)
    if filters.area:
        found = found.filter(q_place_within(get_object_or_404(Area, pk=filters.area).path))
    times = [
        PolicePatrolOut(
            patrol_id=patrol.pk,
            force=PoliceForce(patrol.force),
            place=_place(patrol),
            starts_at=start,
            ends_at=end,
            notes=patrol.notes,
        )
        for patrol in found.select_related("area", "site", "route")
        for start, end in patrol.occurrences(first, last)
    ]
    return sorted(times, key=lambda row: (row.starts_at, row.patrol_id))
