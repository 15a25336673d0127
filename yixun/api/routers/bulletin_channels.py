"""How bulletins travel besides the site: a bulletin's delivery log and the officers' resend,
each member's bulletin settings, the public's e-mail subscriptions, and the sightings an urgent
alert brings in, over the same services as the pages.

Every bulletin is found through `Bulletin.objects.visible_to`, and every write is one service's.
What the server refuses for the input alone is stated in the document (as in `bulletins.py`):
the settings' "an address when e-mail is chosen" and "both ends of the quiet hours or neither"
are the schema's `allOf`, and the settings page's own form then decides, so that the page and
the API cannot differ; an e-mail address is stated by a pattern narrower than what Django's
validator takes, so that nothing the document allows is refused.
"""

import datetime as dt
import re
from typing import Annotated, Any, Literal

from django.db import models
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError
from ninja.pagination import paginate
from pydantic import AfterValidator, ConfigDict, StringConstraints, WithJsonSchema

from yixun.accounts.roles import Role
from yixun.api.auth import caller, signed_in
from yixun.api.pagination import Pages
from yixun.api.routers.duty import KEY_HEADER, PositionIn, idempotency_key
from yixun.api.routers.tips import TIP_ERRORS, CaptchaNeeded, SentOut, _reporter, tracking_url
from yixun.api.schemas import ERRORS, BodyIn, ErrorOut, Id, Lax, Mobile, Moment
from yixun.api.schemas import text as text_field
from yixun.bulletins import channels, followers, preferences
from yixun.bulletins import sightings as sightings_of
from yixun.bulletins.channels import email as mail
from yixun.bulletins.forms import PreferenceForm
from yixun.bulletins.models import WRITERS, Bulletin, Kind, Preference, Sighting
from yixun.bulletins.sightings import WATCHERS, report_sighting
from yixun.lib.errors import DomainError
from yixun.lib.http import client_address
from yixun.places.models import Area
from yixun.tips.models import Tip
from yixun.tips.services import intake
from yixun.worker.models import Delivery

router = Router(tags=["bulletins"])

# The same sets as `services.may_write` and `sightings.may_watch`: whoever else is refused
# before anything is read. Resending is the officers' alone, as on the delivery log's page.
WRITING = signed_in(*WRITERS)
WATCHING = signed_in(*WATCHERS)
RESENDING = signed_in(Role.OFFICER)
THROTTLED: dict[int, type[Schema]] = {**ERRORS, 429: ErrorOut}


def _choices(choices: type[models.TextChoices], description: str) -> dict[str, Any]:
    """An enum stated where it is used: the document's components are named after the enum's
    class, and the delivery log's `Channel` and `Status` would take the place of the
    preferences' `Channel` and the bulletins' `Status`."""
    return {"type": "string", "enum": list(choices.values), "description": description}


DeliveryChannel = Annotated[
    Delivery.Channel,
    WithJsonSchema(_choices(Delivery.Channel, "message (a text message), robot, email, push")),
]
DeliveryStatus = Annotated[
    Delivery.Status, WithJsonSchema(_choices(Delivery.Status, "failed: for good"))
]
PreferenceChannel = Annotated[
    Preference.Channel,
    WithJsonSchema(_choices(Preference.Channel, "sms (a text message), email, push")),
]


def _bulletin(request: HttpRequest, bulletin_id: int, **lookup: Any) -> Bulletin:
    """The bulletin through the caller's door: 404 alike for one they may not see and none."""
    return get_object_or_404(Bulletin.objects.visible_to(request.user), pk=bulletin_id, **lookup)


# The delivery log


class DeliveryOut(Schema):
    id: int
    channel: DeliveryChannel
    recipient: str = Field(
        description="Masked: z***@example.com, 138****0000, a robot's name and host, a "
        "browser's push service and number"
    )
    status: DeliveryStatus
    attempts: int
    last_answer: str = Field(description="What the other end answered last, or why it failed")
    created_at: dt.datetime
    sent_at: dt.datetime | None


class ChannelCountOut(Schema):
    channel: DeliveryChannel
    queued: int
    sent: int
    failed: int


class DeliveryLogOut(Schema):
    items: list[DeliveryOut]
    count: int = Field(description="Rows that match the filters")
    summary: list[ChannelCountOut] = Field(
        description="Every delivery of the bulletin by channel and status, whatever the filters"
    )


class DeliveryFilter(Schema):
    status: DeliveryStatus | None = None
    channel: DeliveryChannel | None = None


def _summary(rows: Any) -> list[ChannelCountOut]:
    return [
        ChannelCountOut(
            channel=Delivery.Channel(channel),
            queued=by_status.get(Delivery.Status.QUEUED, 0),
            sent=by_status.get(Delivery.Status.SENT, 0),
            failed=by_status.get(Delivery.Status.FAILED, 0),
        )
        for channel, by_status in channels.counts(rows).items()
    ]


@router.get(
    "/bulletins/{bulletin_id}/deliveries",
    auth=WRITING,
    response={200: DeliveryLogOut, **ERRORS},
)
def deliveries(
    request: HttpRequest,
    bulletin_id: Id,
    filters: Query[DeliveryFilter],
    pages: Query[Pages.Input],
) -> DeliveryLogOut:
    """The bulletin's delivery log, the latest first, 50 a page: every text message, e-mail,
    browser notification and robot post, with its answer (moderators, police liaisons and
    officers, as the page `/bulletins/<id>/deliveries/`)."""
    bulletin = _bulletin(request, bulletin_id)
    rows = channels.log_of(bulletin)
    shown = rows.filter(status=filters.status) if filters.status else rows
    shown = shown.filter(channel=filters.channel) if filters.channel else shown
    size = pages.page_size or 50
    start = (pages.page - 1) * size
    return DeliveryLogOut(
        items=[DeliveryOut.from_orm(row) for row in shown[start : start + size]],
        count=shown.count(),
        summary=_summary(rows),
    )


class ResentOut(Schema):
    resent: int = Field(description="Robot posts queued again; 0 when none had failed for good")


@router.post(
    "/bulletins/{bulletin_id}/deliveries/resend",
    auth=RESENDING,
    response={200: ResentOut, **ERRORS},
)
def resend(request: HttpRequest, bulletin_id: Id) -> ResentOut:
    """The officers' "send again what failed": the group robots' posts that failed for good go
    out again under their own keys. Sending it again queues nothing twice (a post queued again
    is no longer failed), so it takes no Idempotency-Key."""
    bulletin = _bulletin(request, bulletin_id)
    return ResentOut(
        resent=sum(channels.resend_failed(actor=caller(request), bulletin=bulletin).values())
    )


# Each member's settings

# An e-mail address as the document promises it: a dot-atom and a domain name, ASCII, which
# Django's validator (the pages' and the server's) always takes. It takes more besides, as the
# settings page does, but the document promises only this.
EMAIL_PATTERN = (
    r"^[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_EMAIL = re.compile(EMAIL_PATTERN)


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError(_("Give an e-mail address such as name@example.com."))
    return value


Email = Annotated[
    str,
    StringConstraints(max_length=254),
    AfterValidator(_email),
    WithJsonSchema(
        {
            "type": "string",
            "maxLength": 254,
            "pattern": EMAIL_PATTERN,
            "description": "An e-mail address, such as name@example.com",
        }
    ),
]
# A time of day on the clock, in Asia/Shanghai.
CLOCK_PATTERN = r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$"
Clock = Annotated[str, StringConstraints(pattern=CLOCK_PATTERN)]


def _clock(time: dt.time | None) -> str | None:
    return None if time is None else f"{time:%H:%M}"


class PreferenceOut(Schema):
    channels: list[PreferenceChannel] = Field(description="Besides the inbox")
    kinds: list[Kind] = Field(description="Empty: every kind. Urgent alerts come by every channel")
    email: str
    quiet_from: str | None = Field(description="HH:MM, Asia/Shanghai; null: no quiet hours")
    quiet_until: str | None

    @staticmethod
    def resolve_quiet_from(preference: Preference) -> str | None:
        return _clock(preference.quiet_from)

    @staticmethod
    def resolve_quiet_until(preference: Preference) -> str | None:
        return _clock(preference.quiet_until)


# The settings form's two rules, as the schema states them: an address when e-mail is chosen
# (an empty one when no channel is "email"), and both ends of the quiet hours or neither.
PREFERENCE_RULES: dict[str, Any] = {
    "allOf": [
        {
            "anyOf": [
                {"required": ["email"], "properties": {"email": {"minLength": 1}}},
                {"properties": {"channels": {"items": {"not": {"const": "email"}}}}},
            ]
        },
        {
            "anyOf": [
                {
                    "required": ["quiet_from", "quiet_until"],
                    "properties": {
                        "quiet_from": {"type": "string"},
                        "quiet_until": {"type": "string"},
                    },
                },
                {
                    "properties": {
                        "quiet_from": {"type": "null"},
                        "quiet_until": {"type": "null"},
                    }
                },
            ]
        },
    ]
}


class PreferenceIn(BodyIn):
    """All of the caller's choices at once: what is left out is reset (none, no quiet hours)."""

    model_config = ConfigDict(json_schema_extra=PREFERENCE_RULES)

    channels: list[Annotated[PreferenceChannel, Lax]] = Field(
        max_length=3, description="Besides the inbox; empty: the inbox alone"
    )
    kinds: list[Annotated[Kind, Lax]] = Field(
        max_length=4, description="Empty: every kind. Urgent alerts come by every channel chosen"
    )
    email: Email | Literal[""] = Field("", description="Needed when channels has email")
    quiet_from: Clock | None = Field(
        None, description="HH:MM, Asia/Shanghai: from then until quiet_until only urgent alerts"
    )
    quiet_until: Clock | None = Field(None, description="HH:MM; with quiet_from, or neither")

    def form(self) -> PreferenceForm:
        return PreferenceForm(
            {
                "channels": list(self.channels),
                "kinds": list(self.kinds),
                "email": self.email,
                "quiet_from": self.quiet_from or "",
                "quiet_until": self.quiet_until or "",
            }
        )


def _refused(form: PreferenceForm) -> ValidationError:
    """The form's refusals as the API's 422, each where the body has it."""
    return ValidationError(
        [
            {
                "loc": ("body", "payload", *(() if field == "__all__" else (field,))),
                "msg": message,
                "type": "form",
            }
            for field, messages in form.errors.items()
            for message in messages
        ]
    )


@router.get("/me/bulletin-preferences", response={200: PreferenceOut, **ERRORS})
def my_preferences(request: HttpRequest) -> Preference:
    """How bulletins reach the caller besides the inbox. Before they choose: a text message for
    urgent alerts."""
    return preferences.of(caller(request))


@router.put("/me/bulletin-preferences", response={200: PreferenceOut, **ERRORS})
def save_preferences(request: HttpRequest, payload: PreferenceIn) -> Preference:
    """Save the caller's choices; the settings page's form decides, as on the page. Saving the
    same again changes nothing, so it takes no Idempotency-Key."""
    form = payload.form()
    if not form.is_valid():  # nothing the document allows gets here
        raise _refused(form)
    return preferences.save_preference(user=caller(request), **form.cleaned_data)


# The public's e-mail subscriptions


class SubscriptionIn(BodyIn):
    email: Email
    area_ids: list[Id] = Field(
        default_factory=list,
        max_length=200,
        description="Towns and streets (not communities); empty: every area",
    )
    kinds: list[Annotated[Kind, Lax]] = Field(
        default_factory=list, max_length=4, description="Empty: every kind"
    )


class SubscribeSentOut(Schema):
    sent: bool = Field(description="Always true: a confirmation link is on its way")


class UnknownArea(DomainError):
    code = "unknown_area"
    status = 404


def _followed(ids: list[int]) -> list[Area]:
    # The areas a subscription may follow, as the subscribe form offers them and the confirmation
    # reads them back (email.read_confirmation): a community would be dropped there, silently.
    found = list(followers.followable_areas().filter(pk__in=set(ids)))
    missing = sorted(set(ids) - {area.pk for area in found})
    if missing:
        raise UnknownArea(
            _("There is no town or street %(ids)s to follow.")
            % {"ids": ", ".join(map(str, missing))}
        )
    return found


@router.post("/bulletins/subscriptions", auth=None, response={202: SubscribeSentOut, **THROTTLED})
def subscribe(request: HttpRequest, payload: SubscriptionIn) -> Status[SubscribeSentOut]:
    """Follow public bulletins by e-mail, without an account: a confirmation link is mailed, in
    the language of `Accept-Language`, and nothing else is sent before it is followed. The same
    answer whether the address was subscribed or not. Limited per address and per network
    address, as the page is (429 `throttled`)."""
    mail.subscribe(
        email=payload.email,
        areas=_followed(payload.area_ids),
        kinds=payload.kinds,
        address=client_address(request),
        language=translation.get_language() or "",
    )
    return Status(202, SubscribeSentOut(sent=True))


# Sightings of an urgent alert


class SightingIn(PositionIn):
    text: str = text_field(
        max_length=4000,
        least=5,
        description="What you saw: what they wore, who was with them, which way they went",
    )
    place: str = Field("", max_length=200, description="Where you saw them")
    occurred_at: Moment | None = Field(
        None, description="When, with its offset; a time ahead of now is 409 `future`"
    )
    is_happening_now: bool = Field(False, description="They are there now")
    contact_name: str = Field("", max_length=60, description="Only if the reporter chooses")
    contact_phone: Mobile | Literal[""] = Field("", description="Only if the reporter chooses")

    def report(self) -> intake.Report:
        return intake.Report(
            category=Tip.Category.MISSING_PERSON,
            text=self.text,
            place=self.place,
            point=self.point(),
            occurred_at=self.occurred_at,
            is_happening_now=self.is_happening_now,
            contact_name=self.contact_name,
            contact_phone=self.contact_phone,
        )


@router.post(
    "/bulletins/{bulletin_id}/sightings",
    auth=None,
    response={201: SentOut, **TIP_ERRORS},
    openapi_extra=KEY_HEADER,
)
def report(request: HttpRequest, bulletin_id: Id, payload: SightingIn) -> Status[SentOut]:
    """ "I saw them": a missing-person tip linked to the alert, told at once to its liaison and
    the moderators on duty. Anonymous unless sent with a token or a signed-in session, screened
    and limited as `POST /tips` is; a resend with the same Idempotency-Key answers the same
    code, even once the alert has closed. A closed alert takes no new one (409
    `not_taking_sightings`)."""
    key = idempotency_key(request)
    reporter = _reporter(request)
    bulletin = sightings_of.alert_for(request.user, bulletin_id)
    address = client_address(request)
    if intake.captcha_due(address=address, reporter=reporter, key=key):
        raise CaptchaNeeded(
            _(
                "Several tips came from this address in the last hour. Send this one from the "
                "alert's page, which asks you to type the digits of a picture, or try again "
                "later. In an emergency call 110."
            )
        )
    seen = report_sighting(
        bulletin=bulletin, report=payload.report(), address=address, reporter=reporter, key=key
    )
    return Status(201, SentOut(code=seen.tip.code, tracking_url=tracking_url(request, seen.tip)))


class SightingOut(Schema):
    id: int
    tip_id: int = Field(description="GET /tips/{id} for those who may open it")
    seen_at: dt.datetime = Field(description="When they were seen, or else when it was sent")
    reported_at: dt.datetime
    text: str
    place: str
    latitude: float | None = Field(description="WGS-84")
    longitude: float | None
    is_happening_now: bool

    @staticmethod
    def resolve_seen_at(sighting: Sighting) -> dt.datetime:
        return timezone.localtime(sighting.tip.occurred_at or sighting.created_at)

    @staticmethod
    def resolve_reported_at(sighting: Sighting) -> dt.datetime:
        return sighting.created_at

    @staticmethod
    def resolve_text(sighting: Sighting) -> str:
        return sighting.tip.text

    @staticmethod
    def resolve_place(sighting: Sighting) -> str:
        return sighting.tip.place

    @staticmethod
    def resolve_latitude(sighting: Sighting) -> float | None:
        tip = sighting.tip
        return None if tip.latitude is None else float(tip.latitude)

    @staticmethod
    def resolve_longitude(sighting: Sighting) -> float | None:
        tip = sighting.tip
        return None if tip.longitude is None else float(tip.longitude)

    @staticmethod
    def resolve_is_happening_now(sighting: Sighting) -> bool:
        return sighting.tip.is_happening_now


@router.get(
    "/bulletins/{bulletin_id}/sightings",
    auth=WATCHING,
    response={200: list[SightingOut], **ERRORS},
)
@paginate(Pages)
def sightings(request: HttpRequest, bulletin_id: Id) -> Any:
    """An urgent alert's sightings, the latest first, as its map shows them (police liaisons,
    moderators, officers). Spam stays in the tips' spam folder."""
    return sightings_of.shown(_bulletin(request, bulletin_id, kind=Kind.URGENT))
