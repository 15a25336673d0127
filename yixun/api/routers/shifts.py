"""Places, shifts, claims and coverage: the patrol calendar, through the same services as the pages."""

import datetime as dt
from typing import Annotated, Any, Literal

from django.db.models import Count, Exists, F, OuterRef, Subquery
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, model_validator
from pydantic.json_schema import JsonDict

from yixun.accounts.roles import Role, has_role
from yixun.api.auth import MEMBERS, OFFICERS, caller, signed_in
from yixun.api.pagination import Pages
from yixun.api.schemas import (
    ERRORS,
    Answer,
    BodyIn,
    Day,
    Id,
    Lax,
    Moment,
    Whole,
    text,
)
from yixun.members.models import Member, Skill, Squad
from yixun.places.models import Area, AreaLevel, Route, RouteStop, Site, SiteKind
from yixun.shifts.models import Claim, Invitation, Shift, ShiftKind, ShiftStatus, WaitlistEntry
from yixun.shifts.services import claims, coverage, invites, planning
from yixun.shifts.services.errors import NotAllowed
from yixun.shifts.services.rules import q_place_within

router = Router(tags=["calendar"])
POSTER_ROLES = (Role.OFFICER, Role.SQUAD_LEADER)


class AreaOut(Schema):
    id: int
    name: str
    level: AreaLevel
    parent_id: int | None
    station: str | None

    @staticmethod
    def resolve_station(area: Area) -> str | None:
        return area.station.name if area.station else None


@router.get("/areas", response={200: list[AreaOut], **ERRORS})
def list_areas(request: HttpRequest) -> Any:
    """The area tree (county, towns, communities), parents first."""
    return Area.objects.select_related("station")


class SiteOut(Schema):
    id: int
    name: str
    kind: SiteKind
    area_id: int
    address: str
    latitude: float
    longitude: float
    opening_hours: str
    is_active: bool
    check_in_url: str | None = Field(
        None, description="What the site's QR poster holds; officers and leaders only"
    )

    @staticmethod
    def resolve_check_in_url(site: Site, context: dict[str, Any]) -> str | None:
        user = context["request"].user
        return site.check_in_url() if any(has_role(user, role) for role in POSTER_ROLES) else None


class SiteFilter(Schema):
    area: Id | None = None
    kind: SiteKind | None = None


@router.get("/sites", response={200: list[SiteOut], **ERRORS})
@paginate(Pages)
def list_sites(request: HttpRequest, filters: Query[SiteFilter]) -> Any:
    found = Site.objects.all()
    if filters.area:
        found = found.filter(area__path__startswith=get_object_or_404(Area, pk=filters.area).path)
    if filters.kind:
        found = found.filter(kind=filters.kind)
    return found


@router.get("/sites/{site_id}", response={200: SiteOut, **ERRORS})
def get_site(request: HttpRequest, site_id: Id) -> Site:
    return get_object_or_404(Site, pk=site_id)


class StopOut(Schema):
    position: int
    site_id: int | None
    name: str = Field(description="The stop's own name, or its site's")
    latitude: float
    longitude: float

    @staticmethod
    def resolve_name(stop: RouteStop) -> str:
        return str(stop)


class RouteOut(Schema):
    id: int
    name: str
    kind: str
    setting: str
    area_id: int
    length_m: int
    stops: list[StopOut]

    @staticmethod
    def resolve_stops(route: Route) -> list[Any]:
        return list(route.stops.all())


@router.get("/routes", response={200: list[RouteOut], **ERRORS})
def list_routes(request: HttpRequest) -> Any:
    return Route.objects.prefetch_related("stops__site")


@router.get("/routes/{route_id}", response={200: RouteOut, **ERRORS})
def get_route(request: HttpRequest, route_id: Id) -> Route:
    return get_object_or_404(Route.objects.prefetch_related("stops__site"), pk=route_id)


def mine(request: HttpRequest) -> tuple[dict[int, int], set[int]]:
    """The caller's claims (shift → claim) and waiting places, read once per request."""
    if not hasattr(request, "_yixun_mine"):
        member = Member.objects.filter(user=caller(request)).first()
        claimed: dict[int, int] = {}
        waiting: set[int] = set()
        if member is not None:
            claimed = dict(
                Claim.objects.active().filter(member=member).values_list("shift_id", "pk")
            )
            waiting = set(
                WaitlistEntry.objects.filter(
                    member=member, status=WaitlistEntry.Status.WAITING
                ).values_list("shift_id", flat=True)
            )
        request._yixun_mine = (claimed, waiting)  # type: ignore[attr-defined]
    return request._yixun_mine  # type: ignore[attr-defined]


class PlaceOut(Answer):
    type: str = Field(description="site, route, area, or online")
    id: int | None
    name: str


class ShiftOut(Answer):
    id: int
    kind: ShiftKind
    status: ShiftStatus
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: PlaceOut
    min_people: int
    capacity: int
    taken: int
    required_skills: dict[str, int]
    squad_id: int | None
    notes: str
    my_claim_id: int | None = Field(None, description="The caller's claim on it, if any")
    waiting: bool = Field(False, description="Whether the caller is on its waiting list")

    @staticmethod
    def resolve_place(shift: Shift) -> PlaceOut:
        for kind in ("site", "route", "area"):
            place = getattr(shift, kind)
            if place is not None:
                return PlaceOut(type=kind, id=place.pk, name=place.name)
        return PlaceOut(type="online", id=None, name=shift.place_name)

    @staticmethod
    def resolve_required_skills(shift: Shift) -> dict[str, int]:
        return shift.skill_needs()

    @staticmethod
    def resolve_my_claim_id(shift: Shift, context: dict[str, Any]) -> int | None:
        return mine(context["request"])[0].get(shift.pk)

    @staticmethod
    def resolve_waiting(shift: Shift, context: dict[str, Any]) -> bool:
        return shift.pk in mine(context["request"])[1]


class ShiftFilter(Schema):
    start: Day | None = Field(None, description="First day (default today), Asia/Shanghai")
    days: int = Field(7, ge=1, le=62)
    area: Id | None = None
    kind: ShiftKind | None = None
    open: bool = Field(False, description="Only shifts with free places")


# What a row of the shift list reads: the shift's own columns and its place's name, no more.
OWN = (
    "id",
    "kind",
    "status",
    "starts_at",
    "ends_at",
    "min_people",
    "capacity",
    "taken",
    "squad_id",
    "notes",
)
PLACE_COLUMNS = ("site_id", "site__name", "route_id", "route__name", "area_id", "area__name")
SKILLS = frozenset(Skill.values)


def _row(row: dict[str, Any], online: str) -> dict[str, Any]:
    """A row of the shift list shaped as ShiftOut's resolvers shape a shift."""
    place = {"type": "online", "id": None, "name": online}
    for kind in ("site", "route", "area"):  # the order of Shift.place
        if row[f"{kind}_id"] is not None:
            place = {"type": kind, "id": row[f"{kind}_id"], "name": row[f"{kind}__name"]}
            break
    return {
        **{name: row[name] for name in OWN},
        "place": place,
        # As Shift.skill_needs: the skills Yixun knows, as whole numbers.
        "required_skills": {
            skill: int(count)
            for skill, count in (row["required_skills"] or {}).items()
            if skill in SKILLS
        },
        "my_claim_id": row["my_claim_id"],
        "waiting": row["waiting"],
    }


class ShiftPages(Pages):
    """The shift list's pages: one query for the rows, the caller's claim and waiting place
    among them, and Ninja handed plain rows (see Answer) rather than shifts to read."""

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        user = caller(request)
        mine_ = Claim.objects.active().filter(shift=OuterRef("pk"), member__user=user)
        waiting = WaitlistEntry.objects.filter(
            shift=OuterRef("pk"), member__user=user, status=WaitlistEntry.Status.WAITING
        )
        rows = (
            page["items"]
            .annotate(my_claim_id=Subquery(mine_.values("pk")[:1]), waiting=Exists(waiting))
            .values(*OWN, *PLACE_COLUMNS, "required_skills", "my_claim_id", "waiting")
        )
        online = _("online")
        page["items"] = [_row(row, online) for row in rows]
        return page


@router.get("/shifts", response={200: list[ShiftOut], **ERRORS})
@paginate(ShiftPages)
def list_shifts(request: HttpRequest, filters: Query[ShiftFilter]) -> Any:
    """Scheduled shifts from a day, for up to 62 days, earliest first."""
    first = filters.start or timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    found = Shift.objects.scheduled().between(start, start + dt.timedelta(days=filters.days))
    if filters.area:
        found = found.filter(q_place_within(get_object_or_404(Area, pk=filters.area).path))
    if filters.kind:
        found = found.filter(kind=filters.kind)
    if filters.open:
        found = found.filter(taken__lt=F("capacity"))
    return found


def _shift(shift_id: int) -> Shift:
    return get_object_or_404(Shift.objects.with_places(), pk=shift_id)


@router.get("/shifts/{shift_id}", response={200: ShiftOut, **ERRORS})
def get_shift(request: HttpRequest, shift_id: Id) -> Shift:
    return _shift(shift_id)


# At least one place: the fewest people, or a spare place (JSON Schema compares no field with
# another, so the places are given as the fewest plus the spare, each at most 100).
SOME_PLACES: JsonDict = {
    "anyOf": [
        {"properties": {"min_people": {"minimum": 1}}},
        {"required": ["spare_places"], "properties": {"spare_places": {"minimum": 1}}},
    ]
}
PLACES: dict[str, type[Area] | type[Route] | type[Site]] = {
    "area": Area,
    "route": Route,
    "site": Site,
}


class ShiftIn(BodyIn):
    """A shift runs from `starts_at` for `minutes` (at most a day): given as a length, it cannot
    end before it starts. It has one place (`place_type` and `place_id`, as `place` answers it);
    an online moderation shift names the area whose forum it watches. A place that is not there
    is 404. It holds `min_people` + `spare_places` people (its `capacity`), at least one."""

    model_config = ConfigDict(json_schema_extra=SOME_PLACES)
    kind: Annotated[ShiftKind, Lax] = ShiftKind.PATROL
    starts_at: Moment
    minutes: Annotated[int, Field(ge=1, le=24 * 60), Whole]
    place_type: Literal["area", "route", "site"]
    place_id: Id
    min_people: Annotated[int, Field(ge=0, le=100), Whole] = Field(
        description="The fewest people the shift needs"
    )
    spare_places: Annotated[int, Field(ge=0, le=100), Whole] = Field(
        0, description="Places beyond the fewest: capacity is min_people + spare_places"
    )
    required_skills: dict[Annotated[Skill, Lax], Annotated[int, Field(ge=1, le=200), Whole]] = (
        Field(
            default_factory=dict,
            description="How many of those on it need each skill; more than the places means all",
        )
    )
    notes: str = Field("", max_length=2000)

    @model_validator(mode="after")
    def some_places(self) -> "ShiftIn":
        if self.min_people + self.spare_places < 1:
            raise ValueError(_("Give the shift at least one place: min_people or spare_places."))
        return self


def _values(payload: ShiftIn) -> dict[str, Any]:
    place = get_object_or_404(PLACES[payload.place_type], pk=payload.place_id)
    capacity = payload.min_people + payload.spare_places
    return {
        "kind": payload.kind,
        "starts_at": payload.starts_at,
        "ends_at": payload.starts_at + dt.timedelta(minutes=payload.minutes),
        **{kind: place if kind == payload.place_type else None for kind in PLACES},
        "min_people": payload.min_people,
        "capacity": capacity,
        # A need above the places is a need of every place: the nearest plan that can be met.
        "required_skills": {
            str(skill): min(count, capacity) for skill, count in payload.required_skills.items()
        },
        "notes": payload.notes,
    }


@router.post("/shifts", auth=OFFICERS, response={201: ShiftOut, **ERRORS})
def create_shift(request: HttpRequest, payload: ShiftIn) -> Status[Any]:
    """Plan a shift (officers)."""
    return Status(201, planning.create_shift(actor=request.user, **_values(payload)))


@router.put("/shifts/{shift_id}", auth=OFFICERS, response={200: ShiftOut, **ERRORS})
def update_shift(request: HttpRequest, shift_id: Id, payload: ShiftIn) -> Shift:
    """Change a shift; the people on it are told and their calendars follow."""
    return planning.update_shift(shift=_shift(shift_id), actor=request.user, **_values(payload))


class ReasonIn(BodyIn):
    reason: str = text(max_length=200, least=1)


@router.post("/shifts/{shift_id}/cancel", auth=OFFICERS, response={200: ShiftOut, **ERRORS})
def cancel_shift(request: HttpRequest, shift_id: Id, payload: ReasonIn) -> Shift:
    return planning.cancel_shift(shift=_shift(shift_id), actor=request.user, reason=payload.reason)


class ClaimResultOut(Schema):
    result: str = Field(description="claimed, or waiting when the shift was full")
    claim_id: int | None = None
    shift: ShiftOut


def _member(request: HttpRequest) -> Member:
    """The caller's membership: claiming and waiting are for members (403 for anyone else)."""
    member = Member.objects.filter(user=caller(request)).select_related("user", "squad").first()
    if member is None:
        raise NotAllowed(_("Only members of the association claim patrols."))
    return member


# Every route answers with model objects and plain data, never with a schema it built itself:
# Ninja builds the answer once, with the request in the resolvers' context. A finished ShiftOut
# put inside another schema has its resolvers run again, on the ShiftOut instead of the shift
# and with no request, which answered 500 after the claim was committed.


# What a claim may have changed on the shift; its place, read before, stays as it was read.
CHANGED_BY_CLAIMING = [
    field.name
    for field in Shift._meta.concrete_fields
    if field.name not in ("id", "area", "route", "site")
]


def _claim_result(shift: Shift, result: Claim | WaitlistEntry) -> Status[dict[str, Any]]:
    """The answer to a claim or a fill: the place taken (201) or the waiting list (202), and the
    shift as it is now."""
    shift.refresh_from_db(fields=CHANGED_BY_CLAIMING)
    if isinstance(result, WaitlistEntry):
        return Status(202, {"result": "waiting", "claim_id": None, "shift": shift})
    return Status(201, {"result": "claimed", "claim_id": result.pk, "shift": shift})


@router.post(
    "/shifts/{shift_id}/claim",
    auth=MEMBERS,
    response={201: ClaimResultOut, 202: ClaimResultOut, **ERRORS},
)
def claim(request: HttpRequest, shift_id: Id) -> Status[Any]:
    """Take a place (201), or join the waiting list when the shift is full (202)."""
    shift = _shift(shift_id)
    result = claims.claim_shift(shift=shift, member=_member(request), actor=request.user)
    # The caller's own claim or waiting place on this shift is the one just made: the answer
    # need not read the caller's claims again (see mine).
    if isinstance(result, WaitlistEntry):
        request._yixun_mine = ({}, {shift.pk})  # type: ignore[attr-defined]
    else:
        request._yixun_mine = ({shift.pk: result.pk}, set())  # type: ignore[attr-defined]
    return _claim_result(shift, result)


class FillIn(BodyIn):
    member_id: Id


@router.post(
    "/shifts/{shift_id}/fill",
    auth=MEMBERS,
    response={201: ClaimResultOut, 202: ClaimResultOut, **ERRORS},
)
def fill(request: HttpRequest, shift_id: Id, payload: FillIn) -> Status[Any]:
    """A leader puts a member of their squad on the shift (the waiting list, 202, when it is full)."""
    shift = _filled_by_caller(request, shift_id)
    member = _fellow(request, payload.member_id)
    result = claims.claim_shift(
        shift=shift, member=member, actor=request.user, source=Claim.Source.LEADER
    )
    return _claim_result(shift, result)


def _filled_by_caller(request: HttpRequest, shift_id: int) -> Shift:
    """The shift, if the caller fills it (the same rule as the shift page's leaders' box)."""
    shift = _shift(shift_id)
    if not invites.may_fill(request.user, shift):
        raise NotAllowed(
            _(
                "Only officers and squad leaders fill shifts, and a squad's own shifts only its leaders."
            )
        )
    return shift


def _fellow(request: HttpRequest, member_id: int) -> Member:
    return get_object_or_404(
        Member.objects.visible_to(request.user).select_related("user", "squad"), pk=member_id
    )


class InvitationOut(Schema):
    id: int
    shift_id: int
    member_id: int
    created_at: dt.datetime
    used_at: dt.datetime | None = Field(description="When the member said yes with its link")


@router.post("/shifts/{shift_id}/invite", auth=MEMBERS, response={200: InvitationOut, **ERRORS})
def invite(request: HttpRequest, shift_id: Id, payload: FillIn) -> Invitation:
    """Ask a member of the caller's squad to take a place: they get a message with a one-tap
    link. Asking again sends the same link and answers the same invitation."""
    shift = _filled_by_caller(request, shift_id)
    return invites.invite(
        shift=shift, member=_fellow(request, payload.member_id), actor=request.user
    )


class CandidateOut(Schema):
    member_id: int
    name: str
    squad: str | None
    hours_this_month: float = Field(description="Hours on shifts this month, done or planned")


@router.get("/shifts/{shift_id}/candidates", response={200: list[CandidateOut], **ERRORS})
def candidates(request: HttpRequest, shift_id: Id) -> list[dict[str, Any]]:
    """Who could come, as the shift page shows it: free then, with a skill the shift still needs,
    own squad first, fewest hours this month first; each may claim it. Up to 10."""
    shift = _filled_by_caller(request, shift_id)
    return [
        {
            "member_id": member.pk,
            "name": member.name,
            "squad": member.squad.name if member.squad else None,
            "hours_this_month": round(hours, 2),
        }
        for member, hours in invites.candidates(shift=shift, viewer=request.user)
    ]


@router.delete("/shifts/{shift_id}/waitlist", response={204: None, **ERRORS})
def leave_waitlist(request: HttpRequest, shift_id: Id) -> Status[None]:
    """Leave the waiting list. Leaving it again changes nothing and answers the same."""
    entry = (
        WaitlistEntry.objects.filter(
            shift_id=shift_id,
            member=_member(request),
            status__in=[WaitlistEntry.Status.WAITING, WaitlistEntry.Status.LEFT],
        )
        .order_by("-joined_at", "-pk")
        .first()
    )
    if entry is None:
        raise Http404
    claims.leave_waitlist(entry=entry, actor=request.user)
    return Status(204, None)


class ClaimOut(Schema):
    id: int
    shift: ShiftOut
    source: str
    claimed_at: dt.datetime


@router.get("/me/claims", response={200: list[ClaimOut], **ERRORS})
def my_claims(request: HttpRequest) -> Any:
    """The caller's patrols that have not ended, earliest first."""
    return (
        Claim.objects.active()
        .filter(
            member__user=caller(request),
            shift__ends_at__gt=timezone.now(),
            shift__status=Shift.Status.SCHEDULED,
        )
        .select_related("shift__area", "shift__route", "shift__site")
        .order_by("shift__starts_at")
    )


class WaitingOut(Schema):
    shift: ShiftOut
    position: int = Field(description="1 is next in line")
    joined_at: dt.datetime


@router.get("/me/waitlist", response={200: list[WaitingOut], **ERRORS})
def my_waitlist(request: HttpRequest) -> Any:
    """The waiting lists the caller is on, for shifts that have not started, earliest first."""
    return (
        WaitlistEntry.objects.filter(
            member__user=caller(request),
            status=WaitlistEntry.Status.WAITING,
            shift__starts_at__gt=timezone.now(),
            shift__status=Shift.Status.SCHEDULED,
        )
        .annotate(
            position=Subquery(
                WaitlistEntry.objects.filter(
                    shift=OuterRef("shift"),
                    status=WaitlistEntry.Status.WAITING,
                    joined_at__lte=OuterRef("joined_at"),
                )
                .values("shift")
                .annotate(n=Count("pk"))
                .values("n")
            )
        )
        .select_related("shift__area", "shift__route", "shift__site")
        .order_by("shift__starts_at")
    )


@router.delete("/claims/{claim_id}", response={204: None, **ERRORS})
def release(request: HttpRequest, claim_id: Id, reason: str = "") -> Status[None]:
    """Give a place back (the member; close to the start, their leader)."""
    # Released places too, so that a second release hears "released already", not "not found".
    claim_ = get_object_or_404(
        Claim.objects.visible_to(request.user).select_related(
            "shift", "member__user", "member__squad"
        ),
        pk=claim_id,
    )
    claims.release_claim(claim=claim_, actor=request.user, reason=reason[:200])
    return Status(204, None)


class ReserveIn(BodyIn):
    shift_ids: list[Id] = Field(default_factory=list, max_length=200)
    day: Day | None = Field(None, description="Instead of ids: every open shift of this day…")
    area_id: Id | None = Field(None, description="…in this area")


class ReservedOut(Schema):
    reserved: int


@router.post("/squads/{squad_id}/reserve", auth=MEMBERS, response={200: ReservedOut, **ERRORS})
def reserve(request: HttpRequest, squad_id: Id, payload: ReserveIn) -> ReservedOut:
    """A squad claims shifts, or a whole day (义巡日认领), to fill with its members."""
    squad = get_object_or_404(Squad, pk=squad_id)
    if payload.shift_ids:
        shifts = list(Shift.objects.filter(pk__in=payload.shift_ids))
    elif payload.day:
        found = Shift.objects.scheduled().filter(squad__isnull=True).starting_on(payload.day)
        if payload.area_id:
            found = found.filter(q_place_within(get_object_or_404(Area, pk=payload.area_id).path))
        shifts = list(found.exclude(kind=ShiftKind.MODERATION))
    else:
        shifts = []
    return ReservedOut(
        reserved=claims.reserve_for_squad(shifts=shifts, squad=squad, actor=request.user)
    )


class GapOut(Schema):
    start: dt.datetime
    end: dt.datetime


class SiteDayOut(Schema):
    day: dt.date
    gaps: list[GapOut]


class SiteWeekOut(Schema):
    site_id: int
    site: str
    gap_hours: float
    days: list[SiteDayOut]


class CoverageOut(Schema):
    area_id: int
    first: dt.date
    shifts: int
    police_patrols: int
    sites: list[SiteWeekOut]
    under_minimum: list[ShiftOut]


class CoverageFilter(Schema):
    area: Id | None = Field(None, description="Default: the whole county")
    week: Day | None = Field(None, description="A day of the week wanted (default: this week)")


@router.get(
    "/coverage", auth=signed_in(Role.OFFICER, Role.POLICE), response={200: CoverageOut, **ERRORS}
)
def week_coverage(request: HttpRequest, filters: Query[CoverageFilter]) -> dict[str, Any]:
    """Key sites and hours nobody patrols in a week, and shifts under their minimum (officers, police)."""
    area = (
        get_object_or_404(Area, pk=filters.area)
        if filters.area
        else Area.objects.filter(parent__isnull=True).first()
    )
    if area is None:
        raise Http404
    day = filters.week or timezone.localdate()
    result = coverage.week_coverage(area=area, first=day - dt.timedelta(days=day.weekday()))
    return {
        "area_id": area.pk,
        "first": result.first,
        "shifts": result.shifts,
        "police_patrols": result.police_patrols,
        "sites": [
            {
                "site_id": week.site.pk,
                "site": week.site.name,
                "gap_hours": round(week.gap_hours, 2),
                "days": [
                    {"day": d.day, "gaps": [{"start": a, "end": b} for a, b in d.gaps]}
                    for d in week.days
                ],
            }
            for week in result.sites_with_gaps
        ],
        "under_minimum": result.under_minimum,
    }
