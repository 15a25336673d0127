"""On duty: check-in and out, who is on duty now, and service hours, over the patrols services.

Every write carries an `Idempotency-Key` (a UUID): a phone that lost its signal sends the same
change again with the same key, and finds what the first send made instead of a second record.
"""

import datetime as dt
import re
import uuid
from typing import Annotated, Any, Literal

from django.db import IntegrityError
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Body, Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, model_validator

from yixun.api.auth import MEMBERS, caller
from yixun.api.pagination import Pages
from yixun.api.schemas import (
    ERRORS,
    BodyIn,
    Id,
    Latitude,
    Longitude,
    Moment,
    Whole,
    absent,
    both_or_neither,
    text,
)
from yixun.lib.errors import Conflict, DomainError
from yixun.members.models import squads_led_by
from yixun.patrols.models import CorrectionStatus, Duty, DutyStatus, HoursCorrection
from yixun.patrols.services import duty as duties
from yixun.patrols.services import watch
from yixun.shifts.models import Claim

router = Router(tags=["duty"])


class KeyRefused(DomainError):
    code = "idempotency_key"
    status = 400


KEY_HEADER: dict[str, Any] = {
    "parameters": [
        {
            "in": "header",
            "name": "Idempotency-Key",
            "required": True,
            "schema": {"type": "string", "format": "uuid"},
            "description": "A UUID made once per change and sent again with each retry of it",
        }
    ]
}


# A UUID as the document's `format: uuid` spells it; uuid.UUID also reads braces, a urn: prefix
# or no dashes at all, which the document does not allow.
UUID_SPELLING = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def idempotency_key(request: HttpRequest) -> uuid.UUID:
    """The write's idempotency key; refused (400) when it is missing or not a UUID."""
    try:
        sent = request.headers.get("Idempotency-Key", "").strip()
        if not UUID_SPELLING.fullmatch(sent):
            raise ValueError(sent)
        return uuid.UUID(sent)
    except ValueError:
        raise KeyRefused(
            _(
                "Send an Idempotency-Key header holding a UUID, and the same one again "
                "when you retry this change."
            )
        ) from None


DUTY_RELATED = ("shift__site", "shift__route", "shift__area", "member__user")


class DutyOut(Schema):
    id: int
    shift_id: int
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    member: str
    status: DutyStatus
    checked_in_at: dt.datetime | None
    method: str = Field(description="qr, gps or leader; empty for a no-show")
    late_minutes: int
    distance_m: int | None = Field(description="Metres from the place at check-in, if known")
    checked_out_at: dt.datetime | None
    minutes: int = Field(description="Service minutes credited")
    is_flagged: bool = Field(description="Closed by the system, not by a person")

    @staticmethod
    def resolve_place(duty: Duty) -> str:
        return duty.shift.place_name

    @staticmethod
    def resolve_starts_at(duty: Duty) -> dt.datetime:
        return duty.shift.starts_at

    @staticmethod
    def resolve_ends_at(duty: Duty) -> dt.datetime:
        return duty.shift.ends_at

    @staticmethod
    def resolve_member(duty: Duty) -> str:
        return duty.member.user.name

    @staticmethod
    def resolve_method(duty: Duty) -> str:
        return duty.check_in_method


class PositionIn(BodyIn):
    """Where the phone was: latitude and longitude together, or neither."""

    model_config = ConfigDict(json_schema_extra=both_or_neither(("latitude", "longitude")))
    latitude: Latitude = absent()
    longitude: Longitude = absent()

    @model_validator(mode="after")
    def both_or_neither(self) -> "PositionIn":
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError(_("Give both latitude and longitude, or neither."))
        return self

    def point(self) -> tuple[float, float] | None:
        if self.latitude is None or self.longitude is None:
            return None
        return (self.latitude, self.longitude)


# No duty runs longer than a week: a bound for the minutes asked, whatever the shift.
MOST_MINUTES = 7 * 24 * 60


class CheckInIn(PositionIn):
    shift: Id
    method: Literal["qr", "gps"]
    token: str = Field("", max_length=32, description="What the site's QR code holds")
    at: Moment | None = Field(None, description="When; default now")


class ManualCheckInIn(BodyIn):
    claim: Id
    reason: str = text(max_length=200, least=1)
    at: Moment | None = None


class AtIn(BodyIn):
    at: Moment | None = Field(None, description="When; default now")


def _duty_answer(duty: Duty, key: uuid.UUID) -> Status[Duty]:
    """201 with the duty this key made (now, or on an earlier send); 200 with the duty another
    request had made already. Read back, so that a resend gets the same body to the byte."""
    fresh = Duty.objects.select_related(*DUTY_RELATED).get(pk=duty.pk)
    return Status(201 if fresh.check_in_key == key else 200, fresh)


CLAIM_RELATED = ("shift__site__area", "shift__route__area", "shift__area", "member__user")


@router.post(
    "/duties/check-in",
    auth=MEMBERS,
    response={200: DutyOut, 201: DutyOut, **ERRORS},
    openapi_extra=KEY_HEADER,
)
def check_in(request: HttpRequest, payload: CheckInIn) -> Status[Duty]:
    """Begin the caller's duty on a shift they hold a place on: by the site's code or by position."""
    key = idempotency_key(request)
    claim = get_object_or_404(
        Claim.objects.active().select_related(*CLAIM_RELATED, "member__squad"),
        shift_id=payload.shift,
        member__user=caller(request),
    )
    duty, _created = duties.check_in(
        claim=claim,
        actor=request.user,
        method=payload.method,
        at=payload.at,
        token=payload.token,
        point=payload.point(),
        key=key,
    )
    return _duty_answer(duty, key)


@router.post(
    "/duties/manual-check-in",
    auth=MEMBERS,
    response={200: DutyOut, 201: DutyOut, **ERRORS},
    openapi_extra=KEY_HEADER,
)
def manual_check_in(request: HttpRequest, payload: ManualCheckInIn) -> Status[Duty]:
    """The leader checks a member in by hand, saying why."""
    key = idempotency_key(request)
    claim = get_object_or_404(
        Claim.objects.visible_to(request.user).active().select_related(*CLAIM_RELATED),
        pk=payload.claim,
    )
    duty, _created = duties.check_in(
        claim=claim,
        actor=request.user,
        method=Duty.CheckIn.LEADER,
        at=payload.at,
        reason=payload.reason,
        key=key,
    )
    return _duty_answer(duty, key)


def _duty(request: HttpRequest, duty_id: int) -> Duty:
    return get_object_or_404(
        Duty.objects.visible_to(request.user).select_related(*DUTY_RELATED), pk=duty_id
    )


@router.post(
    "/duties/{duty_id}/check-out",
    auth=MEMBERS,
    response={200: DutyOut, **ERRORS},
    openapi_extra=KEY_HEADER,
)
def check_out(request: HttpRequest, duty_id: Id, payload: Body[AtIn | None] = None) -> Duty:
    """End a duty (the volunteer or their leader); checking out again changes nothing."""
    key = idempotency_key(request)
    duty = _duty(request, duty_id)
    try:
        duties.check_out(duty=duty, actor=request.user, at=payload.at if payload else None, key=key)
    except IntegrityError:  # the key ended another duty already
        raise Conflict(
            _("This idempotency key was used for something else."), code="key_reused"
        ) from None
    return _duty(request, duty_id)


@router.get("/me/duties", response={200: list[DutyOut], **ERRORS})
@paginate(Pages)
def my_duties(request: HttpRequest) -> Any:
    """The caller's duties, the latest shift first."""
    return (
        Duty.objects.filter(member__user=caller(request))
        .select_related(*DUTY_RELATED)
        .order_by("-shift__starts_at", "-pk")
    )


def _sees_leaders(context: dict[str, Any]) -> bool:
    return watch.sees_leaders(context["request"].user)


class OnDutyOut(Schema):
    duty_id: int
    member: str
    squad: str | None
    shift_id: int
    place: str
    since: dt.datetime
    ends_at: dt.datetime
    leader: str | None = Field(None, description="The squad's leader")
    leader_phone: str | None = Field(None, description="Officers and police only")

    @staticmethod
    def resolve_duty_id(duty: Duty) -> int:
        return duty.pk

    @staticmethod
    def resolve_member(duty: Duty) -> str:
        return duty.member.user.name

    @staticmethod
    def resolve_squad(duty: Duty) -> str | None:
        return duty.squad.name if duty.squad else None

    @staticmethod
    def resolve_place(duty: Duty) -> str:
        return duty.shift.place_name

    @staticmethod
    def resolve_since(duty: Duty) -> dt.datetime | None:
        return duty.checked_in_at

    @staticmethod
    def resolve_ends_at(duty: Duty) -> dt.datetime:
        return duty.shift.ends_at

    @staticmethod
    def resolve_leader(duty: Duty, context: dict[str, Any]) -> str | None:
        leader = duty.squad.leader if duty.squad else None
        return leader.name if leader else None

    @staticmethod
    def resolve_leader_phone(duty: Duty, context: dict[str, Any]) -> str | None:
        leader = duty.squad.leader if duty.squad else None
        return leader.phone if leader and _sees_leaders(context) else None


# No roles as its auth: leading a squad goes with the squad, not with a role (a deputy may be a
# moderator), so the service's rule alone decides, as it does for the page.
@router.get("/duties/now", response={200: list[OnDutyOut], **ERRORS})
@paginate(Pages)
def on_duty_now(request: HttpRequest) -> Any:
    """Who is on duty now, by squad: officers and police liaisons everyone, with each squad
    leader's name and phone; a squad's leader or deputy their squad's duties and those on their
    squad's shifts; anyone else 403. The same rule, and the same audit entry, as the page
    (`watch_on_duty`)."""
    return watch.watch_on_duty(user=request.user).duties


class PeriodOut(Schema):
    minutes: int
    hours: float
    duties: int


class MonthOut(PeriodOut):
    year: int
    month: int


class YearOut(PeriodOut):
    year: int


class HoursOut(PeriodOut):
    years: list[YearOut]
    months: list[MonthOut]


def _hours(minutes: int) -> float:
    return round(minutes / 60, 2)


@router.get("/me/hours", response={200: HoursOut, **ERRORS})
def my_hours(request: HttpRequest) -> HoursOut:
    """The caller's service hours from duties done, by month and by year (Asia/Shanghai),
    the latest first."""
    rows = (
        Duty.objects.counted()
        .filter(member__user=caller(request))
        .annotate(month=TruncMonth("checked_in_at"))
        .values("month")
        .annotate(minutes=Sum("minutes"), duties=Count("pk"))
        .order_by("-month")
    )
    months = [
        MonthOut(
            year=row["month"].year,
            month=row["month"].month,
            minutes=row["minutes"],
            hours=_hours(row["minutes"]),
            duties=row["duties"],
        )
        for row in rows
    ]
    years: dict[int, tuple[int, int]] = {}
    for month in months:
        minutes, count = years.get(month.year, (0, 0))
        years[month.year] = (minutes + month.minutes, count + month.duties)
    total = sum(month.minutes for month in months)
    return HoursOut(
        minutes=total,
        hours=_hours(total),
        duties=sum(month.duties for month in months),
        years=[
            YearOut(year=year, minutes=minutes, hours=_hours(minutes), duties=count)
            for year, (minutes, count) in years.items()
        ],
        months=months,
    )


class HoursCorrectionOut(Schema):
    id: int
    duty_id: int
    minutes_before: int
    minutes_asked: int
    reason: str
    status: CorrectionStatus
    asked_at: dt.datetime
    decided_at: dt.datetime | None
    answer: str


class HoursCorrectionIn(BodyIn):
    minutes: Annotated[int, Field(ge=0, le=MOST_MINUTES), Whole] = Field(
        description="The minutes the duty should count: at most the shift's length and the "
        "grace period (409 `out_of_range` past that)"
    )
    reason: str = text(max_length=300, least=1)


@router.post(
    "/duties/{duty_id}/hours-corrections",
    auth=MEMBERS,
    response={201: HoursCorrectionOut, **ERRORS},
    openapi_extra=KEY_HEADER,
)
def ask_correction(
    request: HttpRequest, duty_id: Id, payload: HoursCorrectionIn
) -> Status[HoursCorrection]:
    """The volunteer asks for their hours on a duty to be changed; their leader decides."""
    key = idempotency_key(request)
    correction = duties.ask_correction(
        duty=_duty(request, duty_id),
        actor=request.user,
        minutes=payload.minutes,
        reason=payload.reason,
        key=key,
    )
    return Status(201, HoursCorrection.objects.get(pk=correction.pk))


@router.get("/hours-corrections", response={200: list[HoursCorrectionOut], **ERRORS})
@paginate(Pages)
def hours_corrections(request: HttpRequest, waiting: bool = False) -> Any:
    """Requests to correct hours: the caller's own, and those of the members of squads they
    lead, which they decide. `waiting=true`: only those still waiting for a decision."""
    user = caller(request)
    found = HoursCorrection.objects.filter(
        Q(duty__member__user=user) | Q(duty__squad__in=squads_led_by(user).values("pk"))
    )
    if waiting:
        found = found.filter(status=CorrectionStatus.PENDING)
    return found.order_by("-asked_at", "-pk")


class DecisionIn(BodyIn):
    approve: bool
    answer: str = Field("", max_length=300)


@router.post(
    "/hours-corrections/{correction_id}/decision",
    auth=MEMBERS,
    response={200: HoursCorrectionOut, **ERRORS},
    openapi_extra=KEY_HEADER,
)
def decide_correction(
    request: HttpRequest, correction_id: Id, payload: DecisionIn
) -> HoursCorrection:
    """The member's leader approves (the duty's minutes change) or refuses."""
    idempotency_key(request)
    correction = get_object_or_404(
        HoursCorrection.objects.filter(
            duty__in=Duty.objects.visible_to(request.user).values("pk")
        ).select_related("duty__shift", "duty__member"),
        pk=correction_id,
    )
    try:
        return duties.decide_correction(
            correction=correction,
            actor=request.user,
            approve=payload.approve,
            answer=payload.answer,
        )
    except Conflict:
        # A resend of the decision this caller made gets it back; any other is refused.
        decided = CorrectionStatus.APPROVED if payload.approve else CorrectionStatus.REFUSED
        correction.refresh_from_db()
        if correction.status == decided and correction.decided_by_id == request.user.pk:
            return correction
        raise
