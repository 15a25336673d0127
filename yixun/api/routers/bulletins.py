"""Bulletins (police alerts, safety advice, association notices, urgent alerts) and each
member's inbox, over the bulletins services.

Every bulletin is read through `Bulletin.objects.visible_to`: the public and members see what
has gone out to them, the writers (moderators, police liaisons, officers) every bulletin, drafts
too. Every write is a service's; the routes parse, find, call it and answer what a read would.

What the server refuses for the input alone is stated in the document, so a caller who follows
it is refused only for who they are (403), what exists (404) or the state of the bulletin (409).
That shapes three fields: the expiry is a length (`expires_after_minutes`), so that it cannot
fall before the bulletin goes out; a polygon is closed by the server when its last point is not
its first; and a body must name an audience, which the schema says as `anyOf`.
"""

import datetime as dt
import uuid
from typing import Annotated, Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import AuthenticationError
from ninja.pagination import paginate
from pydantic import ConfigDict, Strict, model_validator

from yixun.accounts.roles import Role
from yixun.api.auth import BearerToken, caller, signed_in
from yixun.api.pagination import Pages
from yixun.api.routers.duty import KEY_HEADER, idempotency_key
from yixun.api.schemas import ERRORS, BodyIn, Id, Latitude, Lax, Longitude, Moment, Whole, text
from yixun.bulletins import services
from yixun.bulletins.models import (
    WRITERS,
    Bulletin,
    BulletinChange,
    BulletinPhoto,
    Certainty,
    InboxItem,
    Kind,
    Severity,
    Urgency,
)
from yixun.bulletins.models import (
    Status as BulletinStatus,
)
from yixun.lib.errors import DomainError
from yixun.lib.links import absolute
from yixun.members.models import Squad
from yixun.places.models import Area

router = Router(tags=["bulletins"])

# Whoever else is refused before their body is read.
WRITING = signed_in(*WRITERS)
RELATED = ("written_by", "approved_by")
PREFETCHED = ("squads", "areas", "photos")


class UnknownPlace(DomainError):
    """A squad or an area named in the audience that does not exist: nothing to find (404)."""

    status = 404


def _reader(request: HttpRequest) -> Any:
    """Who reads a public route: the holder of a valid token, the signed-in session, or the
    anonymous public. A token that is not valid is refused, not read as anonymous."""
    if "Authorization" in request.headers:
        user = BearerToken()(request)
        if user is None:
            raise AuthenticationError
        return user
    return request.user


def _bulletins(user: Any) -> Any:
    """The one door to bulletins, as the pages have it."""
    return Bulletin.objects.visible_to(user).select_related(*RELATED).prefetch_related(*PREFETCHED)


def _bulletin(request: HttpRequest, bulletin_id: int) -> Bulletin:
    """The bulletin through the caller's door: 404 alike for one they may not see and none."""
    return get_object_or_404(_bulletins(request.user), pk=bulletin_id)


# Answers


class CircleOut(Schema):
    latitude: float
    longitude: float
    radius_km: float


class CapOut(Schema):
    severity: Severity
    urgency: Urgency
    certainty: Certainty
    area_description: str
    circle: CircleOut | None
    polygon: list[list[float]] = Field(description="[[latitude, longitude], ...], closed")


class BulletinPhotoOut(Schema):
    id: int
    url: str = Field(
        description="The photo, as JPEG: to whoever may read the bulletin, while it shows them"
    )

    @staticmethod
    def resolve_url(photo: BulletinPhoto) -> str:
        return absolute(photo.get_absolute_url())


class BulletinOut(Schema):
    id: int
    kind: Kind
    kind_label: str
    title: str
    body: str = Field(
        description="Markdown; empty once an urgent alert is withdrawn (the person found)"
    )
    status: BulletinStatus
    to_public: bool
    to_members: bool
    squad_ids: list[int]
    area_ids: list[int]
    roles: list[Role]
    publish_at: dt.datetime | None = Field(description="Null: it goes out once approved")
    expires_at: dt.datetime | None
    published_at: dt.datetime | None = Field(description="When it went out, or goes out")
    is_current: bool = Field(description="Out, not withdrawn and not expired")
    revision: int = Field(description="Raised by each correction and by the withdrawal")
    withdrawn_at: dt.datetime | None
    sent_unreviewed: bool = Field(description="An urgent alert sent before review, not yet seen")
    returned_note: str = Field(description="Why the reviewer sent it back, while a draft")
    written_at: dt.datetime
    written_by: str | None = Field(description="To the writers and reviewers only")
    approved_by: str | None = Field(description="To the writers and reviewers only")
    cap: CapOut | None = Field(description="CAP's terms and area, when given")
    photos: list[BulletinPhotoOut] = Field(
        description="In their order; none once an urgent alert is withdrawn"
    )
    last_seen_at: dt.datetime | None = Field(
        description="Urgent alerts: when the missing person was last seen; null once withdrawn"
    )
    last_seen_place: str = Field(
        description="Urgent alerts: where the missing person was last seen; empty once withdrawn"
    )

    @staticmethod
    def resolve_kind_label(bulletin: Bulletin) -> str:
        return str(bulletin.get_kind_display())

    @staticmethod
    def resolve_body(bulletin: Bulletin) -> str:
        return bulletin.body if bulletin.shows_details else ""

    @staticmethod
    def resolve_photos(bulletin: Bulletin) -> list[BulletinPhoto]:
        return list(bulletin.photos.all()) if bulletin.shows_details else []

    @staticmethod
    def resolve_last_seen_at(bulletin: Bulletin) -> dt.datetime | None:
        return bulletin.last_seen_at if bulletin.shows_details else None

    @staticmethod
    def resolve_last_seen_place(bulletin: Bulletin) -> str:
        return bulletin.last_seen_place if bulletin.shows_details else ""

    @staticmethod
    def resolve_squad_ids(bulletin: Bulletin) -> list[int]:
        return sorted(squad.pk for squad in bulletin.squads.all())

    @staticmethod
    def resolve_area_ids(bulletin: Bulletin) -> list[int]:
        return sorted(area.pk for area in bulletin.areas.all())

    @staticmethod
    def resolve_is_current(bulletin: Bulletin) -> bool:
        return (
            bulletin.status == BulletinStatus.PUBLISHED
            and bulletin.is_out
            and not bulletin.is_expired
        )

    @staticmethod
    def resolve_written_by(bulletin: Bulletin, context: dict[str, Any]) -> str | None:
        return bulletin.written_by.name if services.may_write(context["request"].user) else None

    @staticmethod
    def resolve_approved_by(bulletin: Bulletin, context: dict[str, Any]) -> str | None:
        if bulletin.approved_by is None or not services.may_write(context["request"].user):
            return None
        return bulletin.approved_by.name

    @staticmethod
    def resolve_cap(bulletin: Bulletin) -> CapOut | None:
        if not bulletin.severity:
            return None
        return CapOut(
            severity=Severity(bulletin.severity),
            urgency=Urgency(bulletin.urgency),
            certainty=Certainty(bulletin.certainty),
            area_description=bulletin.area_description,
            circle=_circle(bulletin),
            polygon=bulletin.polygon,
        )


def _circle(bulletin: Bulletin) -> CircleOut | None:
    latitude, longitude = bulletin.circle_latitude, bulletin.circle_longitude
    radius_km = bulletin.circle_radius_km
    if latitude is None or longitude is None or radius_km is None:
        return None
    return CircleOut(latitude=latitude, longitude=longitude, radius_km=radius_km)


class ChangeOut(Schema):
    kind: BulletinChange.Kind = Field(description="update (a correction) or cancel (withdrawn)")
    revision: int
    note: str
    at: dt.datetime


class BulletinDetailOut(BulletinOut):
    changes: list[ChangeOut] = Field(description="Its corrections and withdrawal, oldest first")

    @staticmethod
    def resolve_changes(bulletin: Bulletin) -> list[BulletinChange]:
        return list(bulletin.changes.all())


# Reading


class BulletinFilter(Schema):
    kind: Kind | None = None
    status: BulletinStatus | None = Field(
        None,
        description="Without it: what has gone out to the public. With it: every bulletin of "
        "that status the caller may see (the writers and reviewers see drafts too).",
    )


@router.get("/bulletins", auth=None, response={200: list[BulletinOut], **ERRORS})
@paginate(Pages)
def bulletins(request: HttpRequest, filters: Query[BulletinFilter]) -> Any:
    """Bulletins, the latest out first; for the public, those that went out to the public."""
    found = _bulletins(_reader(request))
    found = found.filter(status=filters.status) if filters.status else found.public()
    return found.filter(kind=filters.kind) if filters.kind else found


@router.get("/bulletins/{bulletin_id}", auth=None, response={200: BulletinDetailOut, **ERRORS})
def bulletin(request: HttpRequest, bulletin_id: Id) -> Bulletin:
    """One bulletin with its corrections; 404 for one the caller may not see (a draft, for
    anyone but the writers and reviewers)."""
    return get_object_or_404(_bulletins(_reader(request)), pk=bulletin_id)


# Writing


class CircleIn(BodyIn):
    latitude: Latitude
    longitude: Longitude
    radius_km: float = Field(gt=0, le=1000)


# A point as CAP has it: [latitude, longitude] (WGS-84).
Point = Annotated[tuple[Latitude, Longitude], Strict(False)]


class CapIn(BodyIn):
    """CAP 1.2's terms for an alert, and the area it concerns: a circle, a polygon, or both."""

    severity: Annotated[Severity, Lax]
    urgency: Annotated[Urgency, Lax]
    certainty: Annotated[Certainty, Lax]
    area_description: str = Field("", max_length=200)
    circle: CircleIn | None = None
    polygon: Annotated[list[Point], Field(min_length=4, max_length=1000)] | None = Field(
        None,
        description="[[latitude, longitude], ...], at least 4 points. Closed by the server (its "
        "first point repeated last) when the last is not the first.",
    )

    def fields(self) -> dict[str, Any]:
        """What `save_bulletin` takes as `cap`."""
        ring = [[latitude, longitude] for latitude, longitude in self.polygon or ()]
        if ring and ring[0] != ring[-1]:
            ring.append(ring[0])
        circle = self.circle
        return {
            "severity": self.severity,
            "urgency": self.urgency,
            "certainty": self.certainty,
            "area_description": self.area_description,
            "circle_latitude": circle.latitude if circle else None,
            "circle_longitude": circle.longitude if circle else None,
            "circle_radius_km": circle.radius_km if circle else None,
            "polygon": ring,
        }


# The audience as the schema states it: at least one of these.
AUDIENCE: dict[str, Any] = {
    "anyOf": [
        {"required": ["to_public"], "properties": {"to_public": {"const": True}}},
        {"required": ["to_members"], "properties": {"to_members": {"const": True}}},
        {"required": ["squad_ids"], "properties": {"squad_ids": {"minItems": 1}}},
        {"required": ["area_ids"], "properties": {"area_ids": {"minItems": 1}}},
        {"required": ["roles"], "properties": {"roles": {"minItems": 1}}},
    ]
}
YEAR_OF_MINUTES = 366 * 24 * 60


class BulletinIn(BodyIn):
    """A bulletin's draft. It is for the public (and so every member), all members, or members
    of some squads or areas and holders of some roles: at least one of them."""

    model_config = ConfigDict(json_schema_extra=AUDIENCE)

    kind: Annotated[Kind, Lax]
    title: str = text(max_length=120, least=1)
    body: str = text(max_length=20000, least=1, description="Markdown")
    to_public: bool = False
    to_members: bool = False
    squad_ids: list[Id] = Field(default_factory=list, max_length=200)
    area_ids: list[Id] = Field(default_factory=list, max_length=200)
    roles: list[Annotated[Role, Lax]] = Field(default_factory=list, max_length=5)
    publish_at: Moment | None = Field(
        None, description="When it goes out once approved; null: as soon as it is approved"
    )
    expires_after_minutes: Annotated[int, Field(ge=1, le=YEAR_OF_MINUTES), Whole] | None = Field(
        None,
        description="How long it stays in force, counted from publish_at, or from now when it "
        "goes out on approval (at most a year); null: until withdrawn",
    )
    cap: CapIn | None = Field(None, description="For alerts: CAP's terms and the area")
    last_seen_at: Moment | None = Field(
        None, description="Urgent alerts: when the missing person was last seen (other kinds: "
        "not kept)"
    )  # fmt: skip
    last_seen_place: str = Field(
        "", max_length=200,
        description="Urgent alerts: where the missing person was last seen (other kinds: not "
        "kept)",
    )  # fmt: skip

    @model_validator(mode="after")
    def _audience(self) -> "BulletinIn":
        if not (self.to_public or self.to_members or self.squad_ids or self.area_ids or self.roles):
            raise ValueError(_("Choose who the bulletin is for."))
        return self

    def expires_at(self) -> dt.datetime | None:
        if self.expires_after_minutes is None:
            return None
        # A bulletin due in the past goes out when approved: its time runs from now.
        start = max(self.publish_at or timezone.now(), timezone.now())
        return start + dt.timedelta(minutes=self.expires_after_minutes)


def _found(model: type[Squad] | type[Area], ids: list[int], message: str) -> list[Any]:
    wanted = set(ids)
    found = list(model.objects.filter(pk__in=wanted))
    missing = sorted(wanted - {row.pk for row in found})
    if missing:
        raise UnknownPlace(
            message % {"ids": ", ".join(map(str, missing))},
            code=f"unknown_{model._meta.model_name}",
        )
    return found


def _save(
    request: HttpRequest,
    payload: BulletinIn,
    bulletin: Bulletin | None = None,
    key: uuid.UUID | None = None,
) -> int:
    saved = services.save_bulletin(
        key=key,
        actor=caller(request),
        bulletin=bulletin,
        kind=payload.kind,
        title=payload.title,
        body=payload.body,
        to_public=payload.to_public,
        to_members=payload.to_members,
        squads=_found(Squad, payload.squad_ids, _("There is no squad %(ids)s.")),
        areas=_found(Area, payload.area_ids, _("There is no area %(ids)s.")),
        roles=payload.roles,
        publish_at=payload.publish_at,
        expires_at=payload.expires_at(),
        cap=payload.cap.fields() if payload.cap else None,
        last_seen_at=payload.last_seen_at,
        last_seen_place=payload.last_seen_place.strip(),
    )
    return saved.pk


@router.post(
    "/bulletins",
    response={201: BulletinDetailOut, **ERRORS},
    auth=WRITING,
    openapi_extra=KEY_HEADER,
)
def write(request: HttpRequest, payload: BulletinIn) -> Status[Bulletin]:
    """Write a draft (moderators, police liaisons and officers)."""
    saved = _save(request, payload, key=idempotency_key(request))
    return Status(201, _bulletin(request, saved))


@router.put(
    "/bulletins/{bulletin_id}",
    response={200: BulletinDetailOut, **ERRORS},
    auth=WRITING,
    openapi_extra=KEY_HEADER,
)
def edit(request: HttpRequest, bulletin_id: Id, payload: BulletinIn) -> Bulletin:
    """Change a draft, or one waiting for review (it becomes a draft again: what the reviewer
    approves is what they read). One that has gone out is corrected instead (409)."""
    idempotency_key(request)  # the same draft saved twice is the same draft
    _save(request, payload, _bulletin(request, bulletin_id))
    return _bulletin(request, bulletin_id)


@router.post(
    "/bulletins/{bulletin_id}/submit",
    response={200: BulletinDetailOut, **ERRORS},
    auth=WRITING,
    openapi_extra=KEY_HEADER,
)
def submit(request: HttpRequest, bulletin_id: Id) -> Bulletin:
    """Send a draft for review; a resend finds it waiting (409 `not_draft`)."""
    idempotency_key(request)
    services.submit_bulletin(actor=caller(request), bulletin=_bulletin(request, bulletin_id))
    return _bulletin(request, bulletin_id)


@router.post(
    "/bulletins/{bulletin_id}/approve",
    response={200: BulletinDetailOut, **ERRORS},
    auth=WRITING,
    openapi_extra=KEY_HEADER,
)
def approve(request: HttpRequest, bulletin_id: Id) -> Bulletin:
    """Approve and publish: the police their alerts, officers the association's notices,
    either safety advice; never the writer (403). A resend finds it out (409)."""
    idempotency_key(request)
    services.approve_bulletin(actor=caller(request), bulletin=_bulletin(request, bulletin_id))
    return _bulletin(request, bulletin_id)


class NoteIn(BodyIn):
    note: str = text(max_length=500, least=1)


@router.post(
    "/bulletins/{bulletin_id}/return",
    response={200: BulletinDetailOut, **ERRORS},
    auth=WRITING,
    openapi_extra=KEY_HEADER,
)
def send_back(request: HttpRequest, bulletin_id: Id, payload: NoteIn) -> Bulletin:
    """Send a bulletin waiting for review back to its writer, saying why."""
    idempotency_key(request)
    services.return_bulletin(
        actor=caller(request), bulletin=_bulletin(request, bulletin_id), note=payload.note
    )
    return _bulletin(request, bulletin_id)


@router.post(
    "/bulletins/{bulletin_id}/send-now",
    response={200: BulletinDetailOut, **ERRORS},
    auth=WRITING,
    openapi_extra=KEY_HEADER,
)
def send_now(request: HttpRequest, bulletin_id: Id) -> Bulletin:
    """A police liaison sends an urgent alert without waiting for review; it is reviewed after."""
    idempotency_key(request)
    services.send_at_once(actor=caller(request), bulletin=_bulletin(request, bulletin_id))
    return _bulletin(request, bulletin_id)


@router.post(
    "/bulletins/{bulletin_id}/review",
    response={200: BulletinDetailOut, **ERRORS},
    auth=WRITING,
    openapi_extra=KEY_HEADER,
)
def review(request: HttpRequest, bulletin_id: Id) -> Bulletin:
    """The second look at an urgent alert sent before review (409 `reviewed` once done)."""
    idempotency_key(request)
    services.review_sent(actor=caller(request), bulletin=_bulletin(request, bulletin_id))
    return _bulletin(request, bulletin_id)


class CorrectionIn(NoteIn):
    title: str = text(max_length=120, least=1)
    body: str = text(max_length=20000, least=1, description="Markdown")


@router.post(
    "/bulletins/{bulletin_id}/correct",
    response={200: BulletinDetailOut, **ERRORS},
    auth=WRITING,
    openapi_extra=KEY_HEADER,
)
def correct(request: HttpRequest, bulletin_id: Id, payload: CorrectionIn) -> Bulletin:
    """Correct a published bulletin: a new revision, which goes out again with the note."""
    idempotency_key(request)
    services.correct_bulletin(
        actor=caller(request),
        bulletin=_bulletin(request, bulletin_id),
        title=payload.title,
        body=payload.body,
        note=payload.note,
    )
    return _bulletin(request, bulletin_id)


@router.post(
    "/bulletins/{bulletin_id}/withdraw",
    response={200: BulletinDetailOut, **ERRORS},
    auth=WRITING,
    openapi_extra=KEY_HEADER,
)
def withdraw(request: HttpRequest, bulletin_id: Id, payload: NoteIn) -> Bulletin:
    """Withdraw a published bulletin: a new revision, which goes out as a cancellation."""
    idempotency_key(request)
    services.withdraw_bulletin(
        actor=caller(request), bulletin=_bulletin(request, bulletin_id), note=payload.note
    )
    return _bulletin(request, bulletin_id)


# The inbox: each signed-in person's own copies.


class InboxItemOut(Schema):
    bulletin_id: int
    kind: Kind
    title: str
    status: BulletinStatus
    revision: int
    published_at: dt.datetime | None
    delivered_at: dt.datetime = Field(description="Again at each correction or withdrawal")
    is_read: bool
    read_at: dt.datetime | None

    @staticmethod
    def resolve_kind(item: InboxItem) -> str:
        return item.bulletin.kind

    @staticmethod
    def resolve_title(item: InboxItem) -> str:
        return item.bulletin.title

    @staticmethod
    def resolve_status(item: InboxItem) -> str:
        return item.bulletin.status

    @staticmethod
    def resolve_published_at(item: InboxItem) -> dt.datetime | None:
        return item.bulletin.published_at

    @staticmethod
    def resolve_is_read(item: InboxItem) -> bool:
        return item.read_at is not None


def _inbox(request: HttpRequest) -> Any:
    return InboxItem.objects.filter(user=caller(request)).select_related("bulletin")


@router.get("/inbox", response={200: list[InboxItemOut], **ERRORS})
@paginate(Pages)
def inbox(request: HttpRequest) -> Any:
    """The bulletins that reached the caller, the latest first (a correction brings one back
    to the top, unread)."""
    return _inbox(request).order_by("-delivered_at", "-pk")


class UnreadOut(Schema):
    unread: int


@router.get("/inbox/unread", response={200: UnreadOut, **ERRORS})
def unread(request: HttpRequest) -> UnreadOut:
    return UnreadOut(unread=_inbox(request).unread().count())


@router.post("/inbox/{bulletin_id}/read", response={200: InboxItemOut, **ERRORS})
def mark_read(request: HttpRequest, bulletin_id: Id) -> InboxItem:
    """Mark a bulletin in the caller's inbox read (404 if it is not in it). Marking it again
    changes nothing, so it takes no Idempotency-Key."""
    item = get_object_or_404(_inbox(request), bulletin_id=bulletin_id)
    services.mark_read(user=caller(request), bulletin=item.bulletin)
    return get_object_or_404(_inbox(request), bulletin_id=bulletin_id)
