"""Events (open days, talks, campaigns, trainings …), registrations, tickets, the door and the
attendance, over the events services and through the same doors as the pages.

Every event is found through `Event.objects.visible_to` (404 alike for one the caller may not
see and none); the door's and the report's rights are the services' (`staffed_by`, 403). A
ticket is found by its token, which is its secret. Every write carries an `Idempotency-Key`.

What the server refuses for the input alone is stated in the document: an event's length is
given in minutes (so that it cannot end before it starts), latitude and longitude come
together, an event for some squads names them, and only a training grants a skill or a
briefing. What then remains to refuse depends on the state of things (a full or closed event, a
used ticket, the places already taken) and is a 409; the services' refusals of that kind, which
they raise as 400s for the pages, are answered here as 409s with the same code and message.
"""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError as FormError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Body, Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, model_validator

from yixun.accounts.codes import CodeRefused, check_code, send_code
from yixun.accounts.models import PhoneCode, User
from yixun.api.auth import OFFICERS, caller
from yixun.api.pagination import Pages
from yixun.api.routers.bulletins import _reader
from yixun.api.routers.duty import KEY_HEADER, idempotency_key
from yixun.api.routers.tips import _reporter
from yixun.api.schemas import (
    ERRORS,
    BodyIn,
    ErrorOut,
    Id,
    Latitude,
    Lax,
    Longitude,
    Mobile,
    Moment,
    Name,
    Whole,
    absent,
    no_default,
    text,
)
from yixun.events.models import (
    Audience,
    Event,
    EventKind,
    EventPhoto,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from yixun.events.services import manage, reading
from yixun.events.services import registration as registrations
from yixun.events.services.door import check_in, find_ticket
from yixun.events.services.errors import EventRefused, NotAllowed, TicketRefused
from yixun.events.services.keyed import add_walk_in_once
from yixun.lib import phone as phones
from yixun.lib.errors import Conflict, DomainError
from yixun.lib.http import client_address
from yixun.lib.links import absolute
from yixun.members.models import PartnerOrganisation, Skill, Squad
from yixun.places.models import Area
from yixun.shifts.models import ShiftKind

router = Router(tags=["events"])

THROTTLED: dict[int, type[Schema]] = {**ERRORS, 429: ErrorOut}
# An event runs at most a fortnight (a campaign week, a training course).
MOST_MINUTES = 14 * 24 * 60
MOST_PLACES = 100_000
MOST_REACHED = 10_000_000
RELATED = ("area", "squad")
PREFETCHED = ("partners", "photos")


class Unknown(DomainError):
    """Something named in a body that does not exist: nothing to find (404)."""

    status = 404


class SignInFirst(DomainError):
    code = "unauthenticated"
    status = 401


class Throttled(DomainError):
    code = "throttled"
    status = 429


@contextmanager
def refusals() -> Iterator[None]:
    """The services' refusals as the API answers them: what depends on the state of things is
    409 (the pages show the same messages), an unknown ticket code 404, the code limits 429."""
    try:
        yield
    except FormError as error:
        messages = [
            str(message) for messages in error.message_dict.values() for message in messages
        ]
        raise Conflict(" ".join(messages), code="event_refused") from None
    except TicketRefused as refusal:
        if refusal.code == "unknown":
            raise Unknown(refusal.message, code="unknown_ticket") from None
        raise
    except EventRefused as refusal:
        raise Conflict(refusal.message, code=refusal.code) from None
    except CodeRefused as refusal:
        if refusal.code == "throttled":
            raise Throttled(refusal.message) from None
        raise Conflict(refusal.message, code=refusal.code) from None


def _events(user: Any) -> Any:
    return Event.objects.visible_to(user).select_related(*RELATED).prefetch_related(*PREFETCHED)


def _event(user: Any, event_id: int) -> Event:
    """The event through the caller's door: 404 alike for one they may not see and none."""
    return get_object_or_404(_events(user), pk=event_id)


# Answers


class EventPhotoOut(Schema):
    id: int
    url: str = Field(description="The photo, as JPEG, to whoever may read the event")
    caption: str
    is_report: bool = Field(description="Taken at the event (with the staff's summary)")

    @staticmethod
    def resolve_url(photo: EventPhoto) -> str:
        return absolute(photo.get_absolute_url())


class EventOut(Schema):
    id: int
    kind: EventKind
    kind_label: str
    title: str
    description: str = Field(description="Markdown")
    starts_at: dt.datetime
    ends_at: dt.datetime
    place_name: str
    address: str
    latitude: float | None = Field(description="WGS-84, with longitude; null: no map")
    longitude: float | None
    area_id: int | None
    squad_id: int | None = Field(description="The organising squad, if one")
    audience: Audience
    squad_ids: list[int] = Field(description="The squads invited, when the audience is squads")
    capacity: int
    places_left: int
    is_open: bool = Field(description="Taking registrations: published and not yet over")
    status: EventStatus
    cancel_reason: str
    partners: list[str] = Field(description="The partner organisations co-organising it")
    photos: list[EventPhotoOut]
    grants_skill: str = Field(description="A training's skill granted at check-in, or empty")
    grants_briefing: str = Field(
        description="The kind of shift whose safety briefing a training grants, or empty"
    )
    summary: str = Field(description="The staff's account afterwards (Markdown)")
    people_reached: int
    closed_at: dt.datetime | None = Field(description="When its report was first written")
    url: str = Field(description="The event's page")
    calendar_url: str = Field(description="The event as iCalendar")

    @staticmethod
    def resolve_kind_label(event: Event) -> str:
        return str(event.get_kind_display())

    @staticmethod
    def resolve_latitude(event: Event) -> float | None:
        return float(event.latitude) if event.latitude is not None else None

    @staticmethod
    def resolve_longitude(event: Event) -> float | None:
        return float(event.longitude) if event.longitude is not None else None

    @staticmethod
    def resolve_squad_ids(event: Event) -> list[int]:
        return sorted(squad.pk for squad in event.squads.all())

    @staticmethod
    def resolve_partners(event: Event) -> list[str]:
        return [partner.name for partner in event.partners.all()]

    @staticmethod
    def resolve_photos(event: Event) -> list[EventPhoto]:
        return list(event.photos.all())

    @staticmethod
    def resolve_url(event: Event) -> str:
        return absolute(event.get_absolute_url())

    @staticmethod
    def resolve_calendar_url(event: Event) -> str:
        return absolute(reverse("events:calendar", args=[event.pk]))


class TicketEventOut(Schema):
    id: int
    kind: EventKind
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place_name: str
    address: str
    status: EventStatus


class TicketOut(Schema):
    """A registration as its holder sees it: their ticket."""

    id: int
    event: TicketEventOut
    name: str
    status: RegistrationStatus = Field(
        description="confirmed: a place; waiting: on the waiting list, promoted in turn"
    )
    code: str = Field(description="The short code typed at the door")
    token: str = Field(description="The ticket's secret, in its QR code and link")
    ticket_url: str = Field(description="The ticket's page, with its QR code")
    is_walk_in: bool
    created_at: dt.datetime
    promoted_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    checked_in_at: dt.datetime | None

    @staticmethod
    def resolve_ticket_url(registration: Registration) -> str:
        return absolute(registration.get_absolute_url())


class AttendeeOut(Schema):
    """A registration as the door staff see it: the number masked, never the ticket's secret."""

    id: int
    name: str
    phone: str = Field(description="Masked: 138****0000; empty if none was given")
    member_id: int | None
    status: RegistrationStatus
    is_walk_in: bool
    code: str
    created_at: dt.datetime
    checked_in_at: dt.datetime | None

    @staticmethod
    def resolve_phone(registration: Registration) -> str:
        return phones.mask(registration.phone) if registration.phone else ""


class AttendanceOut(Schema):
    confirmed: int = Field(description="Places held (walk-ins aside)")
    attended: int = Field(description="Let in at the door, walk-ins included")
    walk_ins: int
    waiting: int
    cancelled: int
    no_shows: int = Field(description="Confirmed and not let in, once the event is over")
    rows: list[AttendeeOut] = Field(description="Everyone, in the order they came")


class CodeSentOut(Schema):
    sent: bool = Field(description="Always true: a code is on its way, if the number takes one")


# Reading


class EventFilter(Schema):
    when: Literal["upcoming", "past"] | None = Field(
        None,
        description="upcoming: published and not yet over, soonest first; past: over, latest "
        "first; without it: every event the caller sees, latest first",
    )
    kind: EventKind | None = None


@router.get("/events", auth=None, response={200: list[EventOut], **ERRORS})
@paginate(Pages)
def events(request: HttpRequest, filters: Query[EventFilter]) -> Any:
    """Events the caller may see: the public's to anyone, without an account; members also
    the members' and their squads'; officers every one, drafts included."""
    return (
        reading.listed(_reader(request), when=filters.when, kind=filters.kind)
        .select_related(*RELATED)
        .prefetch_related(*PREFETCHED, "squads")
    )


@router.get("/events/{event_id}", auth=None, response={200: EventOut, **ERRORS})
def event(request: HttpRequest, event_id: Id) -> Event:
    """One event, with its places left, partners and photos (never who registered)."""
    return _event(_reader(request), event_id)


# Planning (officers)


def _pair_rule() -> dict[str, Any]:
    return {
        "anyOf": [
            {"required": ["latitude", "longitude"]},
            {"properties": {"latitude": False, "longitude": False}},
        ]
    }


# Only a training grants a skill or a briefing.
TRAINING_RULE: dict[str, Any] = {
    "anyOf": [
        {"properties": {"kind": {"const": EventKind.TRAINING.value}}},
        {"properties": {"grants_skill": {"const": ""}, "grants_briefing": {"const": ""}}},
    ]
}


def _squads_rule(required: bool) -> dict[str, Any]:
    """An event for some squads names at least one (when it is made; a change may keep them)."""
    named: dict[str, Any] = {"properties": {"squad_ids": {"minItems": 1}}}
    if required:
        named["required"] = ["squad_ids"]
    return {
        "anyOf": [{"properties": {"audience": {"not": {"const": Audience.SQUADS.value}}}}, named]
    }


Minutes = Annotated[int, Field(ge=1, le=MOST_MINUTES), Whole]
Places = Annotated[int, Field(ge=1, le=MOST_PLACES), Whole]
Ids = Annotated[list[Id], Field(max_length=200)]
GrantedSkill = Annotated[Skill, Lax] | Literal[""]
GrantedBriefing = Annotated[ShiftKind, Lax] | Literal[""]
Publishing = Literal["draft", "published"]


class EventIn(BodyIn):
    """A new event. It ends `minutes` after it starts."""

    model_config = ConfigDict(
        json_schema_extra={"allOf": [_pair_rule(), TRAINING_RULE, _squads_rule(required=True)]}
    )

    kind: Annotated[EventKind, Lax]
    title: str = text(max_length=100, least=1)
    description: str = text("", max_length=20000, description="Markdown")
    starts_at: Moment
    minutes: Minutes = Field(description="How long it runs, in minutes (at most a fortnight)")
    place_name: str = text(max_length=100, least=1)
    address: str = text("", max_length=200)
    latitude: Latitude = absent()
    longitude: Longitude = absent()
    area_id: Id | None = None
    squad_id: Id | None = Field(None, description="The organising squad, if one")
    capacity: Places
    audience: Annotated[Audience, Lax] = Audience.PUBLIC
    squad_ids: Ids = Field(default_factory=list, description="The squads invited")
    partner_ids: Ids = Field(default_factory=list, description="Co-organising partners")
    staff_ids: Ids = Field(default_factory=list, description="Users who keep its door")
    grants_skill: GrantedSkill = Field("", description="Trainings only")
    grants_briefing: GrantedBriefing = Field("", description="Trainings only")
    status: Publishing = Field("published", description="draft: seen by officers only")

    @model_validator(mode="after")
    def _rules(self) -> "EventIn":
        _check_rules(self, squads_required=True)
        return self


class EventChangeIn(BodyIn):
    """A change to an event: only the fields sent change. Moving its start keeps its length
    unless `minutes` is sent too."""

    model_config = ConfigDict(
        json_schema_extra={"allOf": [_pair_rule(), TRAINING_RULE, _squads_rule(required=False)]}
    )

    kind: Annotated[EventKind, Lax] = absent()
    title: str = text(None, max_length=100, least=1, json_schema_extra=no_default)
    description: str = text(None, max_length=20000, json_schema_extra=no_default)
    starts_at: Moment = absent()
    minutes: Minutes = absent()
    place_name: str = text(None, max_length=100, least=1, json_schema_extra=no_default)
    address: str = text(None, max_length=200, json_schema_extra=no_default)
    latitude: Latitude = absent()
    longitude: Longitude = absent()
    area_id: Id | None = Field(None, json_schema_extra=no_default, description="null: none")
    squad_id: Id | None = Field(None, json_schema_extra=no_default, description="null: none")
    capacity: Places = absent(
        description="Not below the places taken (409 `event_refused`): cancel first"
    )
    audience: Annotated[Audience, Lax] = absent()
    squad_ids: Ids = absent()
    partner_ids: Ids = absent()
    staff_ids: Ids = absent()
    grants_skill: GrantedSkill = absent()
    grants_briefing: GrantedBriefing = absent()
    status: Publishing = absent()

    @model_validator(mode="after")
    def _rules(self) -> "EventChangeIn":
        _check_rules(self, squads_required=False)
        return self


def _check_rules(payload: EventIn | EventChangeIn, *, squads_required: bool) -> None:
    """What the schema's `allOf` states, said in the caller's language."""
    if (payload.latitude is None) != (payload.longitude is None):
        raise ValueError(_("Give both latitude and longitude, or neither."))
    sent = payload.model_fields_set
    if (
        "kind" in sent
        and payload.kind != EventKind.TRAINING
        and (payload.grants_skill or payload.grants_briefing)
    ):
        raise ValueError(_("Only a training grants a skill or a briefing."))
    if (
        payload.audience == Audience.SQUADS
        and not payload.squad_ids
        and (squads_required or "squad_ids" in sent)
    ):
        raise ValueError(_("Choose the squads the event is for."))


NAMES = {PartnerOrganisation: "partner"}


def _found(model: Any, ids: list[int], message: str, **lookup: Any) -> list[Any]:
    wanted = set(ids)
    found = list(model.objects.filter(pk__in=wanted, **lookup))
    missing = sorted(wanted - {row.pk for row in found})
    if missing:
        raise Unknown(
            message % {"ids": ", ".join(map(str, missing))},
            code=f"unknown_{NAMES.get(model, model._meta.model_name)}",
        )
    return found


def _one(model: Any, pk: int | None, message: str) -> Any:
    return None if pk is None else _found(model, [pk], message)[0]


def _degrees(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 6)))


def _values(payload: EventIn | EventChangeIn, event: Event | None) -> dict[str, Any]:
    """What `save_event` takes, from the fields sent."""
    sent = payload.model_fields_set
    values: dict[str, Any] = {}
    for name in ("kind", "audience", "grants_skill", "grants_briefing", "status"):
        if name in sent or event is None:
            values[name] = str(getattr(payload, name))
    for name in ("title", "description", "place_name", "address"):
        if name in sent or event is None:
            values[name] = getattr(payload, name).strip()
    if "capacity" in sent or event is None:
        values["capacity"] = payload.capacity
    if "latitude" in sent or event is None:
        values["latitude"] = _degrees(payload.latitude)
        values["longitude"] = _degrees(payload.longitude)
    if "starts_at" in sent or "minutes" in sent or event is None:
        starts = payload.starts_at or (event.starts_at if event else None)
        length = (
            dt.timedelta(minutes=payload.minutes)
            if payload.minutes is not None
            else (event.ends_at - event.starts_at if event else dt.timedelta())
        )
        values["starts_at"], values["ends_at"] = starts, starts + length  # type: ignore[operator]
    if "area_id" in sent or event is None:
        values["area"] = _one(Area, payload.area_id, _("There is no area %(ids)s."))
    if "squad_id" in sent or event is None:
        values["squad"] = _one(Squad, payload.squad_id, _("There is no squad %(ids)s."))
    if "squad_ids" in sent or event is None:
        values["squads"] = _found(Squad, payload.squad_ids, _("There is no squad %(ids)s."))
    if "partner_ids" in sent or event is None:
        values["partners"] = _found(
            PartnerOrganisation, payload.partner_ids, _("There is no partner %(ids)s.")
        )
    if "staff_ids" in sent or event is None:
        values["staff"] = _found(
            User, payload.staff_ids, _("There is no user %(ids)s."), is_active=True
        )
    return values


@router.post("/events", auth=OFFICERS, response={201: EventOut, **ERRORS}, openapi_extra=KEY_HEADER)
def create_event(request: HttpRequest, payload: EventIn) -> Status[Event]:
    """Plan an event (officers). Squads, partners, staff or an area that do not exist are 404."""
    key = idempotency_key(request)
    with refusals():
        made = manage.save_event(actor=caller(request), key=key, **_values(payload, None))
    return Status(201, _event(request.user, made.pk))


@router.patch(
    "/events/{event_id}",
    auth=OFFICERS,
    response={200: EventOut, **ERRORS},
    openapi_extra=KEY_HEADER,
)
def change_event(request: HttpRequest, event_id: Id, payload: EventChangeIn) -> Event:
    """Change an event (officers): the people registered are told when it moves; more places
    go to the waiting list in turn."""
    idempotency_key(request)
    found = _event(request.user, event_id)
    with refusals():
        manage.save_event(actor=caller(request), event=found, **_values(payload, found))
    return _event(request.user, event_id)


class CancelIn(BodyIn):
    reason: str = text(max_length=200, least=1, description="Told to everyone registered")


@router.post(
    "/events/{event_id}/cancel",
    auth=OFFICERS,
    response={200: EventOut, **ERRORS},
    openapi_extra=KEY_HEADER,
)
def cancel_event(request: HttpRequest, event_id: Id, payload: CancelIn) -> Event:
    """Call an event off (officers); everyone registered or waiting is told why. Cancelling it
    again changes nothing."""
    idempotency_key(request)
    found = _event(request.user, event_id)
    with refusals():
        manage.cancel_event(event=found, actor=caller(request), reason=payload.reason)
    return _event(request.user, event_id)


# Registering


Holder = Annotated[
    str,
    Field(
        min_length=16,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]{16,64}$",
        description="A random string the client makes once and keeps: only it may use the code",
    ),
]


class CodeIn(BodyIn):
    phone: Mobile
    holder: Holder


def _public_event(request: HttpRequest, event_id: int) -> Event:
    """An event the public may register for, through the caller's door."""
    found = _event(_reporter(request), event_id)
    if not registrations.may_register(found, None):
        raise NotAllowed(_("Members register for this event in one tap, signed in."))
    if not found.is_open:
        raise Conflict(_("Registration for this event has closed."), code="closed")
    return found


@router.post("/events/{event_id}/codes", auth=None, response={202: CodeSentOut, **THROTTLED})
def send_registration_code(
    request: HttpRequest, event_id: Id, payload: CodeIn
) -> Status[CodeSentOut]:
    """Send a code to confirm a mobile number for registering, usable only with the same
    `holder`. Asking again sends a new code that replaces the last, within limits for each
    number and network address (429 `throttled`); so it takes no Idempotency-Key."""
    _public_event(request, event_id)
    with refusals():
        send_code(
            purpose=PhoneCode.Purpose.EVENT,
            phone=payload.phone,
            holder=payload.holder,
            address=client_address(request),
        )
    return Status(202, CodeSentOut(sent=True))


class RegistrationIn(BodyIn):
    name: Name
    phone: Mobile
    holder: Holder
    # Six digits, but not stated as a pattern: a code mistyped is a wrong code (409
    # `code_wrong`, one of its tries spent), as on the page.
    code: str = Field(
        min_length=1, max_length=32, description="The code sent to the number: six digits"
    )


@router.post(
    "/events/{event_id}/registrations",
    auth=None,
    response={200: TicketOut, 201: TicketOut, **THROTTLED},
    openapi_extra=KEY_HEADER,
)
def register(
    request: HttpRequest, event_id: Id, payload: Body[RegistrationIn | None] = None
) -> Status[Registration]:
    """Register: a signed-in member in one tap, with no body; anyone with a name and a mobile
    number confirmed by a code (`POST /events/{id}/codes`). A place if one is left, else the
    waiting list (`status`). 201 with a new registration; 200 with the one this number, this
    member or this Idempotency-Key has already (a resend needs no new code)."""
    key = idempotency_key(request)
    person = _reporter(request)
    made: Registration | None
    if payload is None:
        if person is None:
            raise SignInFirst(
                _("Sign in to register in one tap, or send a name, a number and its code.")
            )
        found = _event(person, event_id)
        with refusals():
            made = registrations.register_member(event=found, user=person, key=key)
    else:
        # Refused before the code is spent: an event the public may not register for, or one
        # that takes no registrations.
        found = _public_event(request, event_id)
        made = reading.resent(event=found, key=key, phone=payload.phone)
        if made is None:
            with refusals():
                check_code(
                    purpose=PhoneCode.Purpose.EVENT,
                    phone=payload.phone,
                    holder=payload.holder,
                    code=payload.code,
                )
                made = registrations.register(
                    event=found, name=payload.name, phone=payload.phone, key=key, actor=person
                )
            if made.phone != payload.phone:  # the key of someone else's registration
                raise Conflict(
                    _("This idempotency key was used for something else."), code="key_reused"
                )
    return Status(201 if made.key == key else 200, _ticket(made.token))


def _ticket(token: str) -> Registration:
    found = reading.ticket(token)
    if found is None:
        raise Unknown(_("There is nothing here, or you may not see it."), code="not_found")
    return found


@router.get("/registrations/mine", response={200: list[TicketOut], **ERRORS})
@paginate(Pages)
def my_registrations(request: HttpRequest) -> Any:
    """The caller's own registrations as a member, the latest event first."""
    return reading.registrations_of(caller(request))


Token = Annotated[
    str,
    Field(
        min_length=1,
        max_length=32,
        pattern=r"^[A-Za-z0-9_-]{1,32}$",
        description="The ticket's secret, from its link",
    ),
]


@router.get("/tickets/{token}", auth=None, response={200: TicketOut, **ERRORS})
def ticket(request: HttpRequest, token: Token) -> Registration:
    """A ticket, to whoever holds its token (the secret in its QR code and link)."""
    return _ticket(token)


@router.post(
    "/tickets/{token}/cancel",
    auth=None,
    response={200: TicketOut, **ERRORS},
    openapi_extra=KEY_HEADER,
)
def cancel_ticket(request: HttpRequest, token: Token) -> Registration:
    """Give the place up; the first person waiting gets it. A ticket used at the door is 409
    `attended`; cancelling again changes nothing."""
    idempotency_key(request)
    found = _ticket(token)
    with refusals():
        registrations.cancel(registration=found, actor=_reporter(request))
    return _ticket(token)


# The door (the event's staff: officers, its named staff, its maker, members on its duty)


TicketCode = Annotated[
    str,
    Field(
        max_length=32,
        description="The ticket's short code, as typed at the door (spaces and case do not "
        "matter); one no ticket has is 404 `unknown_ticket`",
    ),
]


class TicketCheckInIn(BodyIn):
    """A ticket by its short code or by its token (its QR code): one of them."""

    model_config = ConfigDict(
        json_schema_extra={"oneOf": [{"required": ["code"]}, {"required": ["token"]}]}
    )

    code: TicketCode = absent()
    token: Token = absent()

    @model_validator(mode="after")
    def _one(self) -> "TicketCheckInIn":
        if (self.code is None) == (self.token is None):
            raise ValueError(_("Send the ticket's code or its token, one of them."))
        return self


@router.post(
    "/events/{event_id}/check-ins",
    response={200: AttendeeOut, **ERRORS},
    openapi_extra=KEY_HEADER,
)
def check_in_ticket(request: HttpRequest, event_id: Id, payload: TicketCheckInIn) -> Registration:
    """Let a ticket's holder in, once (this event's staff). Refused with 409 and the reason's
    code: `other_event` (the message names it), `used`, `cancelled`, `waiting`; a code no
    ticket has is 404 `unknown_ticket`. Sending the same check-in again answers it again."""
    key = idempotency_key(request)
    found = _event(request.user, event_id)
    with refusals():
        if payload.token is not None:
            held = _ticket(payload.token)
        else:
            held = find_ticket(event=found, code=payload.code or "", actor=caller(request))
        check_in(event=found, registration=held, actor=caller(request), key=key)
    return Registration.objects.select_related("member").get(pk=held.pk)


class WalkInIn(BodyIn):
    name: Name
    phone: Mobile | Literal[""] = Field("", description="If they give one")


@router.post(
    "/events/{event_id}/walk-ins",
    response={200: AttendeeOut, 201: AttendeeOut, **ERRORS},
    openapi_extra=KEY_HEADER,
)
def walk_in(request: HttpRequest, event_id: Id, payload: WalkInIn) -> Status[Registration]:
    """Add someone who came without registering, let in at once (this event's staff). Someone
    registered already is 409 `registered`, naming their ticket's code. 201 when added; 200
    when this Idempotency-Key added them before."""
    key = idempotency_key(request)
    found = _event(request.user, event_id)
    with refusals():
        added, made = add_walk_in_once(
            event=found, name=payload.name, phone=payload.phone, actor=caller(request), key=key
        )
    return Status(201 if made else 200, added)


@router.get("/events/{event_id}/attendance", response={200: AttendanceOut, **ERRORS})
def attendance(request: HttpRequest, event_id: Id) -> dict[str, Any]:
    """Who registered, waits, cancelled and was let in, with the counts (this event's staff
    and officers; phone numbers masked)."""
    found = _event(request.user, event_id)
    if not manage.may_report(request.user, found):
        raise NotAllowed(_("Only this event's staff and officers see its attendance."))
    counts = manage.attendance(found)
    # Ninja reads the rows through AttendeeOut, resolvers and all (never built by hand here).
    return {**counts, "rows": list(reading.attendance_rows(found))}


class ReportIn(BodyIn):
    summary: str = text(max_length=20000, description="What happened (Markdown)")
    people_reached: Annotated[int, Field(ge=0, le=MOST_REACHED), Whole] | None = Field(
        None,
        description="Everyone the event reached; at least those let in (409 `reached_too_few`). "
        "Null: those let in",
    )


@router.post(
    "/events/{event_id}/report",
    response={200: EventOut, **ERRORS},
    openapi_extra=KEY_HEADER,
)
def report(request: HttpRequest, event_id: Id, payload: ReportIn) -> Event:
    """Record what happened, once the event has begun (its staff and officers): the summary
    and the people reached, which the figures count. Sending it again replaces it."""
    idempotency_key(request)
    found = _event(request.user, event_id)
    with refusals():
        manage.close_event(
            event=found,
            actor=caller(request),
            summary=payload.summary,
            people_reached=payload.people_reached,
        )
    return _event(request.user, event_id)
