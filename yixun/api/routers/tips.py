"""Tips (线索): sent by anyone, followed by their tracking code, triaged by the moderators and
answered by the police, over the same services as the pages.

The reporter's contact details never appear in a list or a tip's answer: only
`POST /tips/{id}/contact`, for the moderator handling it or its police, says why and is audited.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import AuthenticationError
from ninja.pagination import paginate
from ninja.security import SessionAuth
from pydantic import StringConstraints

from yixun.accounts.models import User
from yixun.accounts.roles import Role
from yixun.api.auth import BearerToken, signed_in
from yixun.api.pagination import Pages
from yixun.api.routers.duty import KEY_HEADER, PositionIn, idempotency_key
from yixun.api.schemas import (
    ERRORS,
    BodyIn,
    Day,
    ErrorOut,
    Id,
    Lax,
    Mobile,
    Moment,
)
from yixun.api.schemas import text as text_field
from yixun.lib.errors import DomainError
from yixun.lib.http import client_address
from yixun.places.models import Area
from yixun.tips.models import (
    MessageKind,
    Outcome,
    Tip,
    TipCategory,
    TipMessage,
    TipStatus,
)
from yixun.tips.services import intake, triage
from yixun.tips.services.tracking import reporter_view, tip_for_code
from yixun.tips.services.triage import is_moderator

router = Router(tags=["tips"])

# Intake answers 429 past the rate limits (`too_many`) and when a captcha is due.
TIP_ERRORS: dict[int, type[Schema]] = {**ERRORS, 429: ErrorOut}


class CaptchaNeeded(DomainError):
    code = "captcha_needed"
    status = 429


class TipIn(PositionIn):
    category: Annotated[TipCategory, Lax]
    text: str = text_field(
        max_length=4000, least=5, description="What happened, in at least a few words"
    )
    place: str = Field("", max_length=200, description="Where, as an address or a description")
    occurred_at: Moment | None = Field(
        None, description="When it happened, with its offset; a time ahead of now is 409 `future`"
    )
    is_happening_now: bool = False
    contact_name: str = Field(
        "", max_length=60, description="Only if the reporter chooses to give it"
    )
    contact_phone: Mobile | Literal[""] = Field(
        "", description="A mainland mobile number, only if the reporter chooses"
    )


class SentOut(Schema):
    code: str = Field(description="The tracking code: the reporter's only way back to the tip")
    tracking_url: str = Field(description="The page where the reporter follows the tip")


def _reporter(request: HttpRequest) -> User | None:
    """Who sends a public tip: the holder of a valid token, or of a signed-in session (whose
    writes need the CSRF token, as everywhere); anyone else is the anonymous public. A token that
    is not valid is refused rather than quietly treated as anonymous."""
    if "Authorization" in request.headers:
        user = BearerToken()(request)
        if user is None:
            raise AuthenticationError
        return user
    if request.user.is_authenticated:
        return SessionAuth()(request)
    return None


@router.post("/tips", auth=None, response={201: SentOut, **TIP_ERRORS}, openapi_extra=KEY_HEADER)
def send_tip(request: HttpRequest, payload: TipIn) -> Status[SentOut]:
    """Send a tip, anonymously unless signed in (a member's tip is linked to them for credit).
    Contact details only if given: they are seen by the moderator handling the tip and the police
    it is forwarded to. A resend with the same Idempotency-Key answers the same tip."""
    key = idempotency_key(request)
    reporter = _reporter(request)
    address = client_address(request)
    # After a few tips from one address the public must prove they are a person, which an API
    # client cannot do here.
    if intake.captcha_due(address=address, reporter=reporter, key=key):
        raise CaptchaNeeded(
            _(
                "Several tips came from this address in the last hour. Send this one from the "
                "tip page, which asks you to type the digits of a picture, or try again later. "
                "In an emergency call 110."
            )
        )
    tip = intake.submit_tip(
        report=intake.Report(
            category=payload.category,
            text=payload.text,
            place=payload.place,
            point=payload.point(),
            occurred_at=payload.occurred_at,
            is_happening_now=payload.is_happening_now,
            contact_name=payload.contact_name,
            contact_phone=payload.contact_phone,
        ),
        address=address,
        reporter=reporter,
        source=Tip.Source.API,
        key=key,
    )
    return Status(201, SentOut(code=tip.code, tracking_url=tracking_url(request, tip)))


def tracking_url(request: HttpRequest, tip: Tip) -> str:
    return request.build_absolute_uri(reverse("tips:track", kwargs={"code": tip.code}))


# The tracking code as the reporter may type it: letters and digits, in either case.
# Something besides spaces: the schema says so, since spaces alone are stripped to nothing.
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=r"\S")
]


def _tip_by_code(code: str) -> Tip:
    tip = tip_for_code(code)
    if tip is None:
        raise Http404
    return tip


class PublicMessageOut(Schema):
    kind: MessageKind = Field(description="question, answer (the reporter's) or public")
    text: str
    created_at: dt.datetime


class TrackOut(Schema):
    code: str
    category: TipCategory
    category_label: str
    status: TipStatus
    status_label: str
    created_at: dt.datetime
    messages: list[PublicMessageOut]
    public_answer: str
    outcome: Outcome | None = Field(description="Only once the police have closed it with one")
    outcome_label: str | None
    can_answer: bool = Field(description="A moderator asked a question and the tip is open")


def _track(tip: Tip) -> TrackOut:
    view = reporter_view(tip)
    return TrackOut(
        code=tip.code,
        category=TipCategory(tip.category),
        category_label=tip.get_category_display(),
        status=view.status,
        status_label=view.status_label,
        created_at=tip.created_at,
        messages=[
            PublicMessageOut(
                kind=MessageKind(message.kind), text=message.text, created_at=message.created_at
            )
            for message in view.messages
        ],
        public_answer=view.public_answer,
        outcome=Outcome(view.outcome) if view.outcome else None,
        outcome_label=view.outcome_label or None,
        can_answer=view.can_answer,
    )


@router.get("/tips/track/{code}", auth=None, response={200: TrackOut, **ERRORS})
def track(request: HttpRequest, code: Code) -> TrackOut:
    """The reporter follows their tip by its code: status, questions and public answers, the
    outcome. Nothing internal, no contact details, nothing about anyone else who reported."""
    return _track(_tip_by_code(code))


class AnswerIn(BodyIn):
    text: str = text_field(max_length=4000, least=1)


@router.post("/tips/track/{code}/answers", auth=None, response={201: PublicMessageOut, **ERRORS})
def answer(request: HttpRequest, code: Code, payload: AnswerIn) -> Status[TipMessage]:
    """The reporter answers the moderators' question."""
    message = triage.answer_question(tip=_tip_by_code(code), text=payload.text)
    return Status(201, message)


# The moderators' and the police's side.

WORKERS = (Role.MODERATOR, Role.OFFICER, Role.POLICE)
# Whoever else is refused before their body is read.
WORKING = signed_in(*WORKERS)


def _tip(request: HttpRequest, tip_id: int) -> Tip:
    """The tip by id through the caller's door (404 for one they may not see). Each action reads
    it again afterwards, so that it answers what `GET /tips/{id}` would."""
    return get_object_or_404(
        Tip.objects.worked_on_by(request.user).select_related("assigned_to", "station", "area"),
        pk=tip_id,
    )


class TipOut(Schema):
    """A tip as the moderators' queue shows it. Never the contact details: `has_contact` only."""

    id: int
    category: TipCategory
    status: TipStatus
    is_urgent: bool
    text: str
    place: str
    area_id: int | None
    area: str | None
    created_at: dt.datetime
    source: str
    spam_score: int
    assigned_to_id: int | None
    assigned_to: str | None = Field(description="The moderator working on it")
    ack_due_at: dt.datetime
    resolve_due_at: dt.datetime
    is_overdue: bool
    escalated_at: dt.datetime | None
    station_id: int | None
    station: str | None = Field(description="The police station it was forwarded to")
    outcome: Outcome | None
    merged_into_id: int | None
    has_contact: bool = Field(description="Whether the reporter left contact details")
    is_from_member: bool = Field(description="Sent by a signed-in member (credited to them)")

    @staticmethod
    def resolve_area(tip: Tip) -> str | None:
        return tip.area.name if tip.area else None

    @staticmethod
    def resolve_assigned_to(tip: Tip) -> str | None:
        return tip.assigned_to.name if tip.assigned_to else None

    @staticmethod
    def resolve_station(tip: Tip) -> str | None:
        return tip.station.name if tip.station else None

    @staticmethod
    def resolve_outcome(tip: Tip) -> str | None:
        return tip.outcome or None

    @staticmethod
    def resolve_has_contact(tip: Tip) -> bool:
        return tip.has_contact and tip.contact_erased_at is None

    @staticmethod
    def resolve_is_from_member(tip: Tip) -> bool:
        return tip.reporter_id is not None


class MessageOut(Schema):
    id: int
    kind: MessageKind
    text: str
    author: str | None = Field(description="Empty for the reporter's answers")
    created_at: dt.datetime

    @staticmethod
    def resolve_author(message: TipMessage) -> str | None:
        return message.author.name if message.author else None


class TipDetailOut(TipOut):
    latitude: float | None
    longitude: float | None
    occurred_at: dt.datetime | None
    is_happening_now: bool
    spam_reasons: list[str]
    assigned_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    forwarded_at: dt.datetime | None
    forward_summary: str
    accepted_at: dt.datetime | None
    outcome_at: dt.datetime | None
    public_answer: str
    closed_at: dt.datetime | None
    close_reason: str
    merged: list[int] = Field(description="The tips merged into this one")
    photos: int = Field(description="How many photos came with it")
    messages: list[MessageOut]
    may_see_contact: bool = Field(
        description="Whether the caller may ask for the contact details (POST …/contact)"
    )

    @staticmethod
    def resolve_merged(tip: Tip) -> list[int]:
        return list(tip.merged.order_by("pk").values_list("pk", flat=True))

    @staticmethod
    def resolve_photos(tip: Tip) -> int:
        return tip.photos.count()

    @staticmethod
    def resolve_messages(tip: Tip) -> list[TipMessage]:
        return list(tip.messages.select_related("author"))

    @staticmethod
    def resolve_may_see_contact(tip: Tip, context: dict[str, Any]) -> bool:
        return triage.may_see_contact(context["request"].user, tip)


class TipFilter(Schema):
    status: TipStatus | None = None
    category: TipCategory | None = None
    q: str = Field(
        "", max_length=100, description="Words in the text or place; traditional or simplified"
    )
    place: str = Field("", max_length=100, description="Part of the place given")
    since: Day | None = Field(None, alias="from", description="First day, in Asia/Shanghai")
    until: Day | None = Field(None, alias="to", description="Last day, in Asia/Shanghai")


@router.get("/tips", auth=WORKING, response={200: list[TipOut], **ERRORS})
@paginate(Pages)
def tips(request: HttpRequest, filters: Query[TipFilter]) -> Any:
    """Tips, newest first: moderators and officers all of them, a police liaison those forwarded
    to their station. Text search matches traditional and simplified characters alike."""
    found = (
        Tip.objects.worked_on_by(request.user)
        .select_related("assigned_to", "station", "area")
        .matching(
            q=filters.q,
            category=filters.category or "",
            status=filters.status or "",
            place=filters.place,
            first=filters.since,
            last=filters.until,
        )
    )
    return found.order_by("-created_at", "-pk")


class SpamIn(BodyIn):
    ids: list[Id] = Field(min_length=1, max_length=200)


class SpamOut(Schema):
    marked: int = Field(description="How many moved to the spam folder (open tips only)")


@router.post("/tips/spam", auth=WORKING, response={200: SpamOut, **ERRORS})
def mark_spam(request: HttpRequest, payload: SpamIn) -> SpamOut:
    """Move tips to the spam folder at once; they can be restored. An id the caller may not see
    refuses the whole request (404)."""
    ids = set(payload.ids)
    found = list(Tip.objects.worked_on_by(request.user).filter(pk__in=ids))
    if len(found) != len(ids):
        raise Http404
    return SpamOut(marked=triage.mark_spam(tips=found, actor=request.user))


# After the fixed paths above: `{tip_id}` would match "spam" too.
@router.get("/tips/{tip_id}", auth=WORKING, response={200: TipDetailOut, **ERRORS})
def tip(request: HttpRequest, tip_id: Id) -> Tip:
    """One tip with its messages, for the moderators and the police it was forwarded to."""
    return _tip(request, tip_id)


@router.post("/tips/{tip_id}/take", auth=WORKING, response={200: TipDetailOut, **ERRORS})
def take(request: HttpRequest, tip_id: Id) -> Tip:
    """Take the tip to work on it: the other moderators see who has it at once (409 `taken`
    when another has it)."""
    triage.take(tip=_tip(request, tip_id), actor=request.user)
    return _tip(request, tip_id)


class AssignIn(BodyIn):
    to: Id = Field(description="The moderator to hand it to")
    reason: str = Field(
        "", max_length=200, description="Why it changes hands: needed when an officer moves it"
    )


@router.post("/tips/{tip_id}/assign", auth=WORKING, response={200: TipDetailOut, **ERRORS})
def assign(request: HttpRequest, tip_id: Id, payload: AssignIn) -> Tip:
    """Hand the tip to another moderator: its holder, or an officer who says why."""
    tip = _tip(request, tip_id)
    to = get_object_or_404(User.objects.filter(is_active=True), pk=payload.to)
    if not is_moderator(to):  # tips go to moderators: there is no such moderator
        raise Http404
    triage.assign(tip=tip, actor=request.user, to=to, reason=payload.reason)
    return _tip(request, tip_id)


@router.post("/tips/{tip_id}/acknowledge", auth=WORKING, response={200: TipDetailOut, **ERRORS})
def acknowledge(request: HttpRequest, tip_id: Id) -> Tip:
    triage.acknowledge(tip=_tip(request, tip_id), actor=request.user)
    return _tip(request, tip_id)


class UrgencyIn(BodyIn):
    urgent: bool


@router.post("/tips/{tip_id}/urgency", auth=WORKING, response={200: TipDetailOut, **ERRORS})
def urgency(request: HttpRequest, tip_id: Id, payload: UrgencyIn) -> Tip:
    """Mark the tip urgent or not; a tip not yet acknowledged gets the matching clock."""
    triage.set_urgency(tip=_tip(request, tip_id), actor=request.user, urgent=payload.urgent)
    return _tip(request, tip_id)


class MessageIn(BodyIn):
    kind: Literal["question", "note", "progress"] = Field(
        description="question (to the reporter), note (internal) or progress (the police)"
    )
    text: str = text_field(max_length=4000, least=1)


@router.post("/tips/{tip_id}/messages", auth=WORKING, response={201: MessageOut, **ERRORS})
def write(request: HttpRequest, tip_id: Id, payload: MessageIn) -> Status[TipMessage]:
    """Ask the reporter a question, add an internal note, or (the police) record progress."""
    message = triage.write(
        tip=_tip(request, tip_id), actor=request.user, kind=payload.kind, text=payload.text
    )
    return Status(201, message)


class ForwardIn(BodyIn):
    area: Id = Field(
        description="The area whose police station receives it (409 `no_station` if none)"
    )
    summary: str = text_field(max_length=4000, least=1)


@router.post("/tips/{tip_id}/forward", auth=WORKING, response={200: TipDetailOut, **ERRORS})
def forward(request: HttpRequest, tip_id: Id, payload: ForwardIn) -> Tip:
    """Forward to the police station of the area, with a summary for the police."""
    tip = _tip(request, tip_id)
    area = get_object_or_404(Area, pk=payload.area)
    triage.forward(tip=tip, actor=request.user, area=area, summary=payload.summary)
    return _tip(request, tip_id)


class CloseIn(BodyIn):
    reason: str = text_field(max_length=300, least=1)
    public_answer: str = Field("", max_length=2000, description="Shown to the reporter")


@router.post("/tips/{tip_id}/close", auth=WORKING, response={200: TipDetailOut, **ERRORS})
def close(request: HttpRequest, tip_id: Id, payload: CloseIn) -> Tip:
    triage.close(
        tip=_tip(request, tip_id),
        actor=request.user,
        reason=payload.reason,
        public_answer=payload.public_answer,
    )
    return _tip(request, tip_id)


@router.post("/tips/{tip_id}/restore", auth=WORKING, response={200: TipDetailOut, **ERRORS})
def restore(request: HttpRequest, tip_id: Id) -> Tip:
    """Out of the spam folder, back into the queue."""
    triage.restore(tip=_tip(request, tip_id), actor=request.user)
    return _tip(request, tip_id)


class MergeIn(BodyIn):
    into: Id = Field(description="The tip this one duplicates")


@router.post("/tips/{tip_id}/merge", auth=WORKING, response={200: TipDetailOut, **ERRORS})
def merge(request: HttpRequest, tip_id: Id, payload: MergeIn) -> Tip:
    """Merge a duplicate into another tip: its reporter follows that tip's outcome."""
    tip = _tip(request, tip_id)
    # Another tip the caller works on; the tip itself is no other tip.
    into = get_object_or_404(
        Tip.objects.worked_on_by(request.user).exclude(pk=tip.pk), pk=payload.into
    )
    triage.merge(tip=tip, into=into, actor=request.user)
    return _tip(request, tip_id)


@router.post("/tips/{tip_id}/accept", auth=WORKING, response={200: TipDetailOut, **ERRORS})
def accept(request: HttpRequest, tip_id: Id) -> Tip:
    """The police of the station it was forwarded to take it on."""
    triage.accept(tip=_tip(request, tip_id), actor=request.user)
    return _tip(request, tip_id)


class OutcomeIn(BodyIn):
    outcome: Annotated[Outcome, Lax]
    public_answer: str = text_field(
        max_length=2000, least=1, description="In words fit for the reporter"
    )
    note: str = Field("", max_length=4000, description="For the moderators only")


@router.post("/tips/{tip_id}/outcome", auth=WORKING, response={200: TipDetailOut, **ERRORS})
def outcome(request: HttpRequest, tip_id: Id, payload: OutcomeIn) -> Tip:
    """The police's outcome; it closes the tip and reaches the reporter's tracking page."""
    triage.record_outcome(
        tip=_tip(request, tip_id),
        actor=request.user,
        outcome=payload.outcome,
        public_answer=payload.public_answer,
        note=payload.note,
    )
    return _tip(request, tip_id)


class ReasonIn(BodyIn):
    reason: str = text_field(max_length=200, least=1)


class ContactOut(Schema):
    name: str
    phone: str


@router.post("/tips/{tip_id}/contact", auth=WORKING, response={200: ContactOut, **ERRORS})
def contact(request: HttpRequest, tip_id: Id, payload: ReasonIn) -> ContactOut:
    """The reporter's contact details, for the moderator handling the tip and the police it was
    forwarded to, saying why. The look is audited (who, when, why); what was seen is not."""
    name, phone = triage.reveal_contact(
        tip=_tip(request, tip_id), actor=request.user, reason=payload.reason
    )
    return ContactOut(name=name, phone=phone)
