"""Applications to join: submitted by anyone, decided by officers."""

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from yixun.api.auth import OFFICERS
from yixun.api.pagination import Pages
from yixun.api.schemas import (
    ERRORS,
    BodyIn,
    ErrorOut,
    Id,
    Lax,
    Mobile,
    Name,
    ResidentIdNumber,
    text,
)
from yixun.lib.http import client_address
from yixun.members.models import (
    Application,
    ApplicationStatus,
    Availability,
    MemberKind,
    Occupation,
    RulebookVersion,
    Skill,
    Squad,
)
from yixun.members.models.personal import ADULT_AGE
from yixun.members.services import applications
from yixun.places.models import Area

router = Router(tags=["applications"])
# Submitting answers 429 past the rate limit of an address.
SUBMIT_ERRORS: dict[int, type[Schema]] = {**ERRORS, 429: ErrorOut}


class SkillIn(BodyIn):
    skill: Annotated[Skill, Lax]
    detail: str = Field("", max_length=60)


class ApplicationIn(BodyIn):
    name: Name
    phone: Mobile
    id_number: ResidentIdNumber
    notice_version_id: Id = Field(
        description="The membership notice version read and accepted: see /rulebook"
    )
    occupation: Annotated[Occupation, Lax]
    skills: list[SkillIn] = Field(default_factory=list, max_length=10)
    availability: list[Annotated[Availability, Lax]] = Field(default_factory=list, max_length=6)
    home_area_id: Id | None = None
    emergency_name: Name
    emergency_phone: Mobile
    guardian_name: Name | Literal[""] = Field(
        "", description="Required from applicants aged 16 or 17 (409 `guardian_needed`)"
    )
    guardian_phone: Mobile | Literal[""] = ""
    guardian_consent: bool = False


class SubmittedOut(Schema):
    id: int
    status: ApplicationStatus
    tracking_token: str = Field(
        description="The applicant's private key to /join/<token>/; shown once"
    )


@router.post("/applications", auth=None, response={201: SubmittedOut, **SUBMIT_ERRORS})
def submit(request: HttpRequest, payload: ApplicationIn) -> Status[SubmittedOut]:
    """Apply to join (no account needed). The applicant must have accepted the current notice.
    The applicant's age on the day, read from the ID number, decides what else is needed: under
    16 is 409 `too_young`, 16 or 17 without a guardian's name, phone and consent 409
    `guardian_needed`. Five applications an hour from one address (429 `throttled`)."""
    age = applications.check_age(payload.id_number)
    submission = applications.Submission(
        name=payload.name,
        phone=payload.phone,
        id_number=payload.id_number,
        notice_version=RulebookVersion.objects.filter(pk=payload.notice_version_id).first(),
        occupation=payload.occupation,
        skills=[{"skill": str(s.skill), "detail": s.detail} for s in payload.skills],
        availability=[str(a) for a in payload.availability],
        home_area=get_object_or_404(Area, pk=payload.home_area_id)
        if payload.home_area_id
        else None,
        emergency_name=payload.emergency_name,
        emergency_phone=payload.emergency_phone,
        guardian_name=payload.guardian_name,
        guardian_phone=payload.guardian_phone if age < ADULT_AGE else "",
        guardian_consent=payload.guardian_consent,
    )
    application, token = applications.submit_application(
        submission=submission, address=client_address(request)
    )
    return Status(
        201,
        SubmittedOut(
            id=application.pk, status=ApplicationStatus(application.status), tracking_token=token
        ),
    )


class ApplicationOut(Schema):
    id: int
    name: str
    phone: str
    id_number_masked: str
    age: int | None
    sex: str
    is_minor: bool
    occupation: str
    skills: list[dict[str, str]]
    availability: list[str]
    home_area: str | None
    emergency_name: str
    emergency_phone: str
    guardian_name: str
    guardian_phone: str
    status: ApplicationStatus
    submitted_at: dt.datetime
    question: str
    answer: str
    reason: str
    member_id: int | None

    @staticmethod
    def resolve_home_area(application: Application) -> str | None:
        return str(application.home_area) if application.home_area else None


class QueueFilter(Schema):
    status: ApplicationStatus | None = Field(
        None, description="Default: those waiting for a decision"
    )


@router.get("/applications", auth=OFFICERS, response={200: list[ApplicationOut], **ERRORS})
@paginate(Pages)
def queue(request: HttpRequest, filters: Query[QueueFilter]) -> Any:
    """The review queue, oldest first (officers)."""
    found = Application.objects.visible_to(request.user).select_related("home_area")
    found = found.filter(status=filters.status) if filters.status else found.open()
    return found.order_by("submitted_at", "pk")


def _application(request: HttpRequest, application_id: int) -> Application:
    return get_object_or_404(
        Application.objects.visible_to(request.user).select_related("home_area"), pk=application_id
    )


@router.get(
    "/applications/{application_id}", auth=OFFICERS, response={200: ApplicationOut, **ERRORS}
)
def get_application(request: HttpRequest, application_id: Id) -> Application:
    return _application(request, application_id)


class ApproveIn(BodyIn):
    squad_id: Id | None = None
    kind: Annotated[MemberKind, Lax] = MemberKind.VOLUNTEER


class ApprovedOut(Schema):
    member_id: int


@router.post(
    "/applications/{application_id}/approve", auth=OFFICERS, response={200: ApprovedOut, **ERRORS}
)
def approve(request: HttpRequest, application_id: Id, payload: ApproveIn) -> ApprovedOut:
    """Make the applicant a member; they are sent a link to set their password."""
    application = _application(request, application_id)
    squad = get_object_or_404(Squad, pk=payload.squad_id) if payload.squad_id else None
    member = applications.approve_application(
        application=application, actor=request.user, squad=squad, kind=payload.kind
    )
    return ApprovedOut(member_id=member.pk)


# Named apart from the other routers' `ReasonIn`: the document names a model by its class, and
# two of one name would be written as one (with the other's rules).
class RejectionIn(BodyIn):
    reason: str = text(max_length=2000, least=1)


@router.post(
    "/applications/{application_id}/reject", auth=OFFICERS, response={200: ApplicationOut, **ERRORS}
)
def reject(request: HttpRequest, application_id: Id, payload: RejectionIn) -> Application:
    application = _application(request, application_id)
    return applications.reject_application(
        application=application, actor=request.user, reason=payload.reason
    )


class QuestionIn(BodyIn):
    question: str = text(max_length=2000, least=1)


@router.post(
    "/applications/{application_id}/ask", auth=OFFICERS, response={200: ApplicationOut, **ERRORS}
)
def ask(request: HttpRequest, application_id: Id, payload: QuestionIn) -> Application:
    """Ask the applicant for more; they answer on their tracking page."""
    application = _application(request, application_id)
    return applications.ask_applicant(
        application=application, actor=request.user, question=payload.question
    )
