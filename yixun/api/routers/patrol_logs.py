"""The patrol log: inspections, incidents and photos as they happen, the leader's summary and
approval, and corrections that keep what was there; over the patrols services."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.core import exceptions
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile
from pydantic import BaseModel

from yixun.api.auth import MEMBERS
from yixun.api.routers.duty import KEY_HEADER, PositionIn, idempotency_key
from yixun.api.schemas import (
    ERRORS,
    BodyIn,
    Id,
    Lax,
    Moment,
    Whole,
    absent,
    no_default,
    text,
)
from yixun.lib.errors import DomainError
from yixun.members.views.files import private_file
from yixun.patrols.models import (
    Finding,
    Incident,
    IncidentKind,
    Inspection,
    LogCorrection,
    LogStatus,
    PatrolLog,
    Photo,
)
from yixun.patrols.services import duty as duties
from yixun.patrols.services import logs
from yixun.places.models import Site
from yixun.shifts.models import Shift

router = Router(tags=["patrol log"])
# A count of people or leaflets: more than a county patrol meets in a day is a typing slip.
Count = Annotated[int, Field(ge=0, le=logs.LARGEST_COUNT), Whole]
# What a photo may be: a real image in one of these formats (and at most 10 MB).
PHOTO_TYPES = "image/jpeg, image/png, image/webp, image/gif"


class PhotoRefused(DomainError):
    status = 400


class PhotoTooLarge(PhotoRefused):
    status = 413


class InspectionOut(Schema):
    id: int
    site_id: int
    site: str
    finding: Finding
    note: str
    occurred_at: dt.datetime
    recorded_by: str | None
    recorded_at: dt.datetime

    @staticmethod
    def resolve_site(inspection: Inspection) -> str:
        return inspection.site.name

    @staticmethod
    def resolve_recorded_by(inspection: Inspection) -> str | None:
        return inspection.recorded_by.user.name if inspection.recorded_by else None


class IncidentOut(Schema):
    id: int
    kind: IncidentKind
    account: str
    place: str
    latitude: Decimal | None
    longitude: Decimal | None
    people_helped: int
    leaflets: int
    people_reached: int
    occurred_at: dt.datetime
    recorded_by: str | None
    recorded_at: dt.datetime

    @staticmethod
    def resolve_recorded_by(incident: Incident) -> str | None:
        return incident.recorded_by.user.name if incident.recorded_by else None


class PhotoOut(Schema):
    id: int
    url: str = Field(description="Where the signed-in caller fetches it: never a public address")
    width: int
    height: int
    caption: str
    inspection_id: int | None
    incident_id: int | None
    uploaded_at: dt.datetime

    @staticmethod
    def resolve_url(photo: Photo) -> str:
        return reverse("api:patrol_photo", kwargs={"photo_id": photo.pk})


class LogCorrectionOut(Schema):
    id: int
    inspection_id: int | None
    incident_id: int | None
    before: dict[str, Any]
    after: dict[str, Any]
    reason: str
    corrected_by: str | None
    corrected_at: dt.datetime

    @staticmethod
    def resolve_corrected_by(correction: LogCorrection) -> str | None:
        return correction.corrected_by.name if correction.corrected_by else None


class LogOut(Schema):
    id: int
    shift_id: int
    status: LogStatus
    summary: str
    approved_by: str | None
    approved_at: dt.datetime | None
    inspections: list[InspectionOut]
    incidents: list[IncidentOut]
    photos: list[PhotoOut]
    corrections: list[LogCorrectionOut]

    @staticmethod
    def resolve_approved_by(log: PatrolLog) -> str | None:
        return log.approved_by.name if log.approved_by else None

    @staticmethod
    def resolve_inspections(log: PatrolLog) -> list[Inspection]:
        return list(log.inspections.all())

    @staticmethod
    def resolve_incidents(log: PatrolLog) -> list[Incident]:
        return list(log.incidents.all())

    @staticmethod
    def resolve_photos(log: PatrolLog) -> list[Photo]:
        return list(log.photos.all())

    @staticmethod
    def resolve_corrections(log: PatrolLog) -> list[LogCorrection]:
        return list(log.corrections.all())


def _log(request: HttpRequest, shift_id: int) -> PatrolLog:
    """The shift's log with everything in it, if the caller may read it."""
    return get_object_or_404(
        PatrolLog.objects.visible_to(request.user)
        .select_related("approved_by")
        .prefetch_related(
            Prefetch(
                "inspections",
                Inspection.objects.select_related("site", "recorded_by__user"),
            ),
            Prefetch("incidents", Incident.objects.select_related("recorded_by__user")),
            "photos",
            Prefetch("corrections", LogCorrection.objects.select_related("corrected_by")),
        ),
        shift_id=shift_id,
    )


def _writable_log(request: HttpRequest, shift_id: int) -> PatrolLog:
    """The log to summarise or approve; a shift's leader may begin it before anything is in it.
    Whoever may not read it is told there is nothing here."""
    found = PatrolLog.objects.visible_to(request.user).filter(shift_id=shift_id).first()
    if found is not None:
        return found
    shift = get_object_or_404(Shift.objects.with_places(), pk=shift_id)
    if not duties.may_lead(request.user, shift):
        raise Http404
    return logs.log_of(shift)


@router.get("/shifts/{shift_id}/log", response={200: LogOut, **ERRORS})
def get_log(request: HttpRequest, shift_id: Id) -> PatrolLog:
    """What the shift's patrol did. 404 until something is recorded, or if the caller may not
    read it (officers and police liaisons read every log; leaders their squads'; volunteers
    those of shifts they were on)."""
    return _log(request, shift_id)


class SummaryIn(BodyIn):
    summary: str = Field(max_length=5000)


@router.put(
    "/shifts/{shift_id}/log",
    auth=MEMBERS,
    response={200: LogOut, **ERRORS},
    openapi_extra=KEY_HEADER,
)
def write_summary(request: HttpRequest, shift_id: Id, payload: SummaryIn) -> PatrolLog:
    """The leader's summary of the shift."""
    idempotency_key(request)  # the same summary written twice is the same log
    logs.write_summary(
        log=_writable_log(request, shift_id), actor=request.user, summary=payload.summary
    )
    return _log(request, shift_id)


@router.post(
    "/shifts/{shift_id}/log/approve",
    auth=MEMBERS,
    response={200: LogOut, **ERRORS},
    openapi_extra=KEY_HEADER,
)
def approve_log(request: HttpRequest, shift_id: Id) -> PatrolLog:
    """The leader approves the log; from then on it changes only through corrections."""
    idempotency_key(request)  # approving an approved log changes nothing
    logs.approve_log(log=_writable_log(request, shift_id), actor=request.user)
    return _log(request, shift_id)


def _shift(shift_id: int) -> Shift:
    return get_object_or_404(Shift.objects.with_places(), pk=shift_id)


class InspectionIn(BodyIn):
    site: Id
    finding: Annotated[Finding, Lax] = Finding.NORMAL
    note: str = Field("", max_length=2000)
    occurred_at: Moment | None = Field(None, description="When; default now")


@router.post(
    "/shifts/{shift_id}/inspections",
    auth=MEMBERS,
    response={201: InspectionOut, **ERRORS},
    openapi_extra=KEY_HEADER,
)
def record_inspection(
    request: HttpRequest, shift_id: Id, payload: InspectionIn
) -> Status[Inspection]:
    """Record a site inspection (the people on the shift and its leader)."""
    key = idempotency_key(request)
    inspection, _created = logs.record_inspection(
        shift=_shift(shift_id),
        actor=request.user,
        site=get_object_or_404(Site.objects.select_related("area"), pk=payload.site),
        finding=payload.finding,
        note=payload.note,
        occurred_at=payload.occurred_at,
        key=key,
    )
    return Status(201, _inspection(request, inspection.pk))


class IncidentIn(PositionIn):
    kind: Annotated[IncidentKind, Lax]
    account: str = text(max_length=2000, least=1, description="What happened")
    place: str = Field("", max_length=200)
    people_helped: Count = 0
    leaflets: Count = 0
    people_reached: Count = 0
    occurred_at: Moment | None = Field(None, description="When; default now")


@router.post(
    "/shifts/{shift_id}/incidents",
    auth=MEMBERS,
    response={201: IncidentOut, **ERRORS},
    openapi_extra=KEY_HEADER,
)
def record_incident(request: HttpRequest, shift_id: Id, payload: IncidentIn) -> Status[Incident]:
    """Record an incident the patrol dealt with (the people on the shift and its leader)."""
    key = idempotency_key(request)
    incident, _created = logs.record_incident(
        shift=_shift(shift_id),
        actor=request.user,
        kind=payload.kind,
        account=payload.account,
        place=payload.place,
        point=payload.point(),
        people_helped=payload.people_helped,
        leaflets=payload.leaflets,
        people_reached=payload.people_reached,
        occurred_at=payload.occurred_at,
        key=key,
    )
    return Status(201, _incident(request, incident.pk))


class PhotoIn(BaseModel):
    """The form fields beside the file: text, as forms send them, read as their types."""

    caption: str = Field("", max_length=200)
    inspection: Id = absent(description="An inspection on the same log")
    incident: Id = absent(description="An incident on the same log")


@router.post(
    "/shifts/{shift_id}/photos",
    auth=MEMBERS,
    response={201: PhotoOut, **ERRORS},
    openapi_extra={
        **KEY_HEADER,
        "requestBody": {
            "content": {"multipart/form-data": {"encoding": {"file": {"contentType": PHOTO_TYPES}}}}
        },
    },
)
def add_photo(
    request: HttpRequest,
    shift_id: Id,
    file: File[UploadedFile],
    details: Form[PhotoIn],
) -> Status[Photo]:
    """Attach a photo to the log, or to one of its inspections or incidents. It is stored
    re-encoded, without EXIF: no GPS position or camera details leave the phone's photo. A file
    that is no JPEG, PNG, WebP or GIF image is 400 `not_image`; over 10 MB, 413 `too_large`."""
    key = idempotency_key(request)
    shift = _shift(shift_id)
    try:
        photo, _created = logs.add_photo(
            shift=shift,
            actor=request.user,
            upload=file,
            inspection=_inspection(request, details.inspection) if details.inspection else None,
            incident=_incident(request, details.incident) if details.incident else None,
            caption=details.caption,
            key=key,
        )
    except exceptions.ValidationError as refusal:
        refused = PhotoTooLarge if refusal.code == "too_large" else PhotoRefused
        raise refused(refusal.messages[0], code=refusal.code or "invalid_photo") from None
    return Status(201, photo)


@router.get(
    "/photos/{photo_id}",
    response={200: None, **ERRORS},
    url_name="patrol_photo",
    openapi_extra={
        "responses": {
            200: {
                "description": "The photo, as JPEG",
                "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def get_photo(request: HttpRequest, photo_id: Id) -> FileResponse:
    """A patrol photo, to whoever may read its log."""
    photo = get_object_or_404(
        Photo.objects.filter(log__in=PatrolLog.objects.visible_to(request.user).values("pk")),
        pk=photo_id,
    )
    return private_file(photo.image)


def _inspection(request: HttpRequest, inspection_id: int) -> Inspection:
    return get_object_or_404(
        Inspection.objects.visible_to(request.user).select_related(
            "site", "recorded_by__user", "log__shift"
        ),
        pk=inspection_id,
    )


def _incident(request: HttpRequest, incident_id: int) -> Incident:
    return get_object_or_404(
        Incident.objects.visible_to(request.user).select_related("recorded_by__user", "log__shift"),
        pk=incident_id,
    )


class InspectionChangesIn(BodyIn):
    """Only the fields to change; another field, or a null, is refused."""

    site: Id = absent()
    finding: Annotated[Finding, Lax] = absent()
    note: str = absent(max_length=2000)
    occurred_at: Moment = absent()


class InspectionCorrectionIn(BodyIn):
    changes: InspectionChangesIn
    reason: str = Field(
        "", max_length=300, description="Needed once the log is approved (409 `reason_needed`)"
    )


@router.post(
    "/inspections/{inspection_id}/corrections",
    auth=MEMBERS,
    response={200: InspectionOut, **ERRORS},
    openapi_extra=KEY_HEADER,
)
def correct_inspection(
    request: HttpRequest, inspection_id: Id, payload: InspectionCorrectionIn
) -> Inspection:
    """Change an inspection: before approval who recorded it or the leader; after, the leader
    with a reason, and the log keeps what was there."""
    idempotency_key(request)  # the same change made twice leaves the same record
    changes = payload.changes.model_dump(exclude_unset=True)
    if "site" in changes:
        changes["site"] = get_object_or_404(Site.objects.select_related("area"), pk=changes["site"])
    logs.correct_entry(
        record=_inspection(request, inspection_id),
        actor=request.user,
        changes=changes,
        reason=payload.reason,
    )
    return _inspection(request, inspection_id)


class IncidentChangesIn(BodyIn):
    """Only the fields to change; another field, or a null, is refused."""

    kind: Annotated[IncidentKind, Lax] = absent()
    account: str = text(None, max_length=2000, least=1, json_schema_extra=no_default)
    place: str = absent(max_length=200)
    people_helped: Count = absent()
    leaflets: Count = absent()
    people_reached: Count = absent()
    occurred_at: Moment = absent()


class IncidentCorrectionIn(BodyIn):
    changes: IncidentChangesIn
    reason: str = Field(
        "", max_length=300, description="Needed once the log is approved (409 `reason_needed`)"
    )


@router.post(
    "/incidents/{incident_id}/corrections",
    auth=MEMBERS,
    response={200: IncidentOut, **ERRORS},
    openapi_extra=KEY_HEADER,
)
def correct_incident(
    request: HttpRequest, incident_id: Id, payload: IncidentCorrectionIn
) -> Incident:
    """Change an incident, on the same terms as an inspection."""
    idempotency_key(request)  # the same change made twice leaves the same record
    logs.correct_entry(
        record=_incident(request, incident_id),
        actor=request.user,
        changes=payload.changes.model_dump(exclude_unset=True),
        reason=payload.reason,
    )
    return _incident(request, incident_id)
