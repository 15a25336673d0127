"""Joining: an application from the public, and the officers' decisions on it."""

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yixun.accounts import services as accounts
from yixun.accounts import throttle
from yixun.accounts.models import User, digest
from yixun.accounts.roles import Role
from yixun.audit import services as audit
from yixun.lib import crypto, resident_id
from yixun.lib.links import absolute
from yixun.members.models import (
    Application,
    Member,
    MemberSkill,
    NoticeAcceptance,
    RulebookVersion,
    Squad,
    current_notice,
)
from yixun.members.models.personal import ADULT_AGE, MINIMUM_AGE
from yixun.members.services.errors import MembershipConflict, MembershipError, TooMany
from yixun.members.services.roster import _require_officer
from yixun.places.models import Area


@dataclass
class Submission:
    """What an applicant sends, already cleaned by the page or the API."""

    name: str
    phone: str  # E.164
    id_number: resident_id.ResidentId
    notice_version: RulebookVersion | None  # the version the applicant read and accepted
    occupation: str = ""
    skills: list[dict[str, str]] = field(default_factory=list)
    availability: list[str] = field(default_factory=list)
    home_area: Area | None = None
    emergency_name: str = ""
    emergency_phone: str = ""
    guardian_name: str = ""
    guardian_phone: str = ""
    guardian_consent: bool = False
    photo: ContentFile[bytes] | None = None


def status_link(application: Application) -> str:
    path = reverse("members:application_status", args=[application.access_token()])
    return absolute(path)


def too_young_message() -> str:
    return _(
        "Patrol volunteers must be at least %(age)d years old. You can apply from your %(age)dth birthday."
    ) % {"age": MINIMUM_AGE}


def check_age(parsed: resident_id.ResidentId, *, today: dt.date | None = None) -> int:
    """The applicant's age, or a refusal if they are too young to apply."""
    age = parsed.age_on(today or timezone.localdate())
    if age < MINIMUM_AGE:
        # The age on the day decides, so the same number may apply later: a conflict with
        # the calendar, not a malformed request.
        raise MembershipConflict(too_young_message(), code="too_young")
    return age


APPLICATIONS_PER_ADDRESS = 5
APPLICATION_WINDOW = dt.timedelta(hours=1)


def submit_application(*, submission: Submission, address: str) -> tuple[Application, str]:
    """Record an application and send the applicant the link to follow it. Returns the
    application and that link's token (shown once on the page as well)."""
    delay = throttle.retry_after(
        "apply.address", address, limit=APPLICATIONS_PER_ADDRESS, window=APPLICATION_WINDOW
    )
    if delay is not None:
        raise TooMany(_("Too many applications from your network. Try again in an hour."))
    # Counted before any check, refused or not: the answers say whether a number is a
    # member's, so nobody may ask more than a few times an hour.
    throttle.note("apply.address", address)
    age = check_age(submission.id_number)
    if age < ADULT_AGE and not (
        submission.guardian_name and submission.guardian_phone and submission.guardian_consent
    ):
        raise MembershipConflict(
            _("Applicants aged 16 or 17 need their guardian's name, phone number and consent."),
            code="guardian_needed",
        )
    notice = current_notice()
    if (
        notice is None
        or submission.notice_version is None
        or submission.notice_version.pk != notice.pk
    ):
        raise MembershipConflict(
            _(
                "The membership notice has changed since you opened this page. Read the new one and accept it."
            ),
            code="notice_changed",
        )
    token = secrets.token_urlsafe(24)
    application = Application(
        name=submission.name.strip(),
        phone=submission.phone,
        notice_version=notice,
        occupation=submission.occupation,
        skills=submission.skills,
        availability=submission.availability,
        home_area=submission.home_area,
        emergency_name=submission.emergency_name.strip(),
        emergency_phone=submission.emergency_phone,
        access_digest=digest(token),
        access_encrypted=crypto.encrypt(token),
    )
    if age < ADULT_AGE:
        application.guardian_name = submission.guardian_name.strip()
        application.guardian_phone = submission.guardian_phone
        application.guardian_consent_at = timezone.now()
    application.set_id_number(submission.id_number)
    with transaction.atomic():
        _refuse_duplicates(application)
        if submission.photo is not None:
            application.photo.save(
                submission.photo.name or "photo.jpg", submission.photo, save=False
            )
        try:
            with transaction.atomic():
                application.save()
        except IntegrityError:  # a second submission of the same ID number won the race
            raise _already_applied() from None
        audit.record(actor=None, action="members.application.submitted", target=application)
        with translation.override(settings.LANGUAGE_CODE):
            accounts.send_message(
                phone=application.phone,
                subject=_("Your application to the patrol association"),
                body=_(
                    "We have your application and will answer within a few days. Follow it here: %(link)s"
                )
                % {"link": status_link(application)},
            )
    return application, token


def _already_applied() -> MembershipError:
    return MembershipConflict(
        _(
            "An application with this ID number is already waiting. Follow it with the link we sent you."
        ),
        code="already_applied",
    )


def _refuse_duplicates(application: Application) -> None:
    if Member.objects.filter(id_number_digest=application.id_number_digest).exists():
        raise MembershipConflict(
            _(
                "This ID number belongs to a member already. Sign in, or reset your password if you forgot it."
            ),
            code="already_member",
        )
    if Application.objects.open().filter(id_number_digest=application.id_number_digest).exists():
        raise _already_applied()
    if Application.objects.open().filter(phone=application.phone).exists():
        raise MembershipConflict(
            _(
                "An application with this mobile number is already waiting. Follow it with the link we sent you."
            ),
            code="already_applied",
        )
    if User.objects.filter(phone=application.phone).exists():
        raise MembershipConflict(
            _("This mobile number already has an account. Sign in with it, or use another number."),
            code="phone_taken",
        )


def application_for_token(token: str) -> Application | None:
    """The applicant's own door to their application: the secret link, not an account."""
    return (
        Application.objects.filter(access_digest=digest(token))
        .select_related("notice_version")
        .first()
    )


def _locked(application: Application) -> Application:
    """Re-read the application under a row lock, so two officers cannot both decide it."""
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if not locked.is_open:
        raise MembershipConflict(
            _("This application has been decided already (%(status)s).")
            % {"status": locked.get_status_display()},
            code="already_decided",
        )
    return locked


def approve_application(
    *,
    application: Application,
    actor: Any,
    squad: Squad | None = None,
    kind: str = Member.Kind.VOLUNTEER,
) -> Member:
    """Make the applicant a member with a login, and send them a link to set their password."""
    _require_officer(actor)
    try:
        return _approve(application=application, actor=actor, squad=squad, kind=kind)
    except IntegrityError:  # the same person joined by another path (an import) at that moment
        raise MembershipConflict(
            _("A member with this ID number or mobile number exists already."),
            code="already_member",
        ) from None


def _approve(*, application: Application, actor: Any, squad: Squad | None, kind: str) -> Member:
    with transaction.atomic():
        application = _locked(application)
        _refuse_duplicates_on_approval(application)
        user = accounts.create_user(
            phone=application.phone,
            name=application.name,
            password=None,
            actor=actor,
            roles=[Role.VOLUNTEER],
        )
        member = Member(user=user, squad=squad, kind=kind, joined_on=timezone.localdate())
        for name in COPIED_FIELDS:
            setattr(member, name, getattr(application, name))
        member.save()
        skills = {
            entry["skill"]: entry.get("detail", "") for entry in application.skills
        }  # once each
        MemberSkill.objects.bulk_create(
            MemberSkill(member=member, skill=skill, detail=detail)
            for skill, detail in skills.items()
        )
        NoticeAcceptance.objects.create(
            user=user, version=application.notice_version, accepted_at=application.submitted_at
        )
        application.status = Application.Status.APPROVED
        application.decided_at = timezone.now()
        application.decided_by = actor
        application.member = member
        application.save(update_fields=["status", "decided_at", "decided_by", "member"])
        audit.record(
            actor=actor,
            action="members.application.approved",
            target=application,
            data={"member": member.pk, "squad": squad.name if squad else None, "kind": kind},
        )
        with translation.override(user.language):
            accounts.send_message(
                phone=user.phone,
                subject=_("Welcome to the patrol association"),
                body=_(
                    "Your application has been approved. Sign in to Yixun with this mobile number; "
                    "first choose your password here (the link works for an hour, and you can ask for a "
                    "new one on the sign-in page): %(link)s"
                )
                % {"link": accounts.set_password_link(user)},
            )
    return member


COPIED_FIELDS = (
    "id_number_encrypted",
    "id_number_digest",
    "id_number_masked",
    "birth_date",
    "sex",
    "occupation",
    "availability",
    "home_area",
    "emergency_name",
    "emergency_phone",
    "guardian_name",
    "guardian_phone",
    "guardian_consent_at",
    "photo",
)


def _refuse_duplicates_on_approval(application: Application) -> None:
    # Someone may have joined by another path (an import) since the application came in.
    if Member.objects.filter(id_number_digest=application.id_number_digest).exists():
        raise MembershipConflict(
            _("A member with this ID number exists already."), code="already_member"
        )
    if User.objects.filter(phone=application.phone).exists():
        raise MembershipConflict(
            _("An account with this mobile number exists already."), code="phone_taken"
        )


def reject_application(*, application: Application, actor: Any, reason: str) -> Application:
    _require_officer(actor)
    reason = reason.strip()
    if not reason:
        raise MembershipError(_("Give the applicant a reason."), code="reason_needed")
    with transaction.atomic():
        application = _locked(application)
        application.status = Application.Status.REJECTED
        application.reason = reason
        application.decided_at = timezone.now()
        application.decided_by = actor
        application.save(update_fields=["status", "reason", "decided_at", "decided_by"])
        audit.record(
            actor=actor,
            action="members.application.rejected",
            target=application,
            data={"reason": reason},
        )
        with translation.override(settings.LANGUAGE_CODE):
            accounts.send_message(
                phone=application.phone,
                subject=_("Your application to the patrol association"),
                body=_("We are sorry: your application was not accepted. The reason: %(reason)s")
                % {"reason": reason},
            )
    return application


def ask_applicant(*, application: Application, actor: Any, question: str) -> Application:
    """Ask the applicant for more; they answer on their application's page."""
    _require_officer(actor)
    question = question.strip()
    if not question:
        raise MembershipError(_("Write the question for the applicant."), code="question_needed")
    with transaction.atomic():
        application = _locked(application)
        application.status = Application.Status.NEEDS_INFO
        application.question = question
        application.asked_at = timezone.now()
        application.save(update_fields=["status", "question", "asked_at"])
        audit.record(actor=actor, action="members.application.asked", target=application)
        with translation.override(settings.LANGUAGE_CODE):
            accounts.send_message(
                phone=application.phone,
                subject=_("A question about your application"),
                body=_("The association asks: %(question)s Answer here: %(link)s")
                % {"question": question, "link": status_link(application)},
            )
    return application


def answer_question(*, application: Application, answer: str) -> Application:
    answer = answer.strip()
    if not answer:
        raise MembershipError(_("Write your answer."), code="answer_needed")
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.status != Application.Status.NEEDS_INFO:
            raise MembershipError(
                _("There is no question waiting for an answer."), code="no_question"
            )
        application.answer = answer
        application.answered_at = timezone.now()
        application.status = Application.Status.PENDING
        application.save(update_fields=["answer", "answered_at", "status"])
        audit.record(actor=None, action="members.application.answered", target=application)
    return application
