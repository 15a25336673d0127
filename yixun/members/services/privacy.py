"""Personal data rights (PIPL): a copy of everything held about a person, and erasure."""

from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from yixun.accounts import services as accounts
from yixun.accounts.models import AccessToken, User
from yixun.audit import services as audit
from yixun.audit.models import AuditEntry
from yixun.members.models import Application, ErasureRequest, Member
from yixun.members.services.errors import MembershipConflict, MembershipError
from yixun.members.services.roster import _require_officer
from yixun.members.signals import membership_ended

# The download's keys, as the readable page shows them.
LABELS = {
    "account": _lazy("Account"), "name": _lazy("Name"), "mobile_number": _lazy("Mobile number"),
    "language": _lazy("Language"), "joined": _lazy("Joined"), "roles": _lazy("Roles"),
    "access_tokens": _lazy("Personal access tokens"), "created_at": _lazy("Created"), "revoked_at": _lazy("Revoked"),
    "membership": _lazy("Membership"), "squad": _lazy("Squad"), "kind": _lazy("Kind"), "status": _lazy("Status"),
    "status_since": _lazy("Status since"), "joined_on": _lazy("Joined"), "resident_id_number": _lazy("Resident ID number"),
    "date_of_birth": _lazy("Date of birth"), "sex": _lazy("Sex"), "occupation": _lazy("Occupation"),
    "skills": _lazy("Skills"), "skill": _lazy("Skill"), "detail": _lazy("Detail"), "availability": _lazy("Usual patrol times"),
    "lives_in": _lazy("Lives in"), "emergency_contact": _lazy("Emergency contact"), "phone": _lazy("Phone"),
    "guardian": _lazy("Guardian"), "came_through": _lazy("Came through"), "photo": _lazy("Photo"),
    "squad_history": _lazy("Squads over time"), "on": _lazy("On"), "from": _lazy("From"), "to": _lazy("To"),
    "reason": _lazy("Reason"), "status_history": _lazy("Status over time"), "insurance": _lazy("Insurance"),
    "insurer": _lazy("Insurer"), "policy": _lazy("Policy number"), "notices_accepted": _lazy("Notices accepted"),
    "document": _lazy("Document"), "version": _lazy("Version"), "accepted_at": _lazy("Accepted"),
    "applications": _lazy("Applications"), "submitted_at": _lazy("Sent"), "question": _lazy("Question"),
    "answer": _lazy("Answer"), "trail": _lazy("Audit trail"), "at": _lazy("Time"), "action": _lazy("Action"),
    "by_them": _lazy("By you"),
}  # fmt: skip

# Each app that keeps personal data adds a section: (key, function of the user → JSON-able data).
Section = Callable[[User], Any]
SECTIONS: dict[str, Section] = {}


def section(key: str) -> Callable[[Section], Section]:
    def register(function: Section) -> Section:
        SECTIONS[key] = function
        return function

    return register


def personal_data(user: User) -> dict[str, Any]:
    """Everything Yixun holds about this person, for them to download."""
    return {
        "generated_at": timezone.now().isoformat(),
        **{key: build(user) for key, build in SECTIONS.items()},
    }


@section("account")
def _account(user: User) -> dict[str, Any]:
    return {
        "name": user.name,
        "mobile_number": user.phone,
        "language": user.language,
        "joined": user.date_joined.isoformat(),
        "roles": sorted(user.roles),
        "access_tokens": [
            {
                "name": t.name,
                "created_at": t.created_at.isoformat(),
                "revoked_at": t.revoked_at and t.revoked_at.isoformat(),
            }
            for t in user.access_tokens.all()
        ],
    }


@section("membership")
def _membership(user: User) -> dict[str, Any] | None:
    member = (
        Member.objects.filter(user=user).select_related("squad", "home_area", "partner").first()
    )
    if member is None:
        return None
    return {
        "squad": str(member.squad or ""),
        "kind": member.kind,
        "status": member.status,
        "status_since": member.status_since.isoformat(),
        "joined_on": member.joined_on.isoformat(),
        "resident_id_number": member.decrypted_id_number(),
        "date_of_birth": member.birth_date and member.birth_date.isoformat(),
        "sex": member.sex,
        "occupation": member.occupation,
        "skills": [{"skill": s.skill, "detail": s.detail} for s in member.skills.all()],
        "availability": member.availability,
        "lives_in": str(member.home_area or ""),
        "emergency_contact": {"name": member.emergency_name, "phone": member.emergency_phone},
        "guardian": {"name": member.guardian_name, "phone": member.guardian_phone}
        if member.guardian_name
        else None,
        "came_through": str(member.partner or ""),
        "photo": bool(member.photo),
        "squad_history": [
            {
                "on": t.on.isoformat(),
                "from": str(t.from_squad or ""),
                "to": str(t.to_squad or ""),
                "reason": t.reason,
            }
            for t in member.transfers.select_related("from_squad", "to_squad")
        ],
        "status_history": [
            {"on": c.on.isoformat(), "status": c.status, "reason": c.reason}
            for c in member.status_changes.all()
        ],
        "insurance": [
            {
                "insurer": c.policy.insurer,
                "policy": c.policy.number,
                "from": c.policy.starts_on.isoformat(),
                "to": c.policy.ends_on.isoformat(),
            }
            for c in member.coverages.select_related("policy")
        ],
        "notices_accepted": [
            {
                "document": a.version.document.title,
                "version": a.version.number,
                "accepted_at": a.accepted_at.isoformat(),
            }
            for a in user.notice_acceptances.select_related("version__document")
        ],
    }


@section("applications")
def _applications(user: User) -> list[dict[str, Any]]:
    member = Member.objects.filter(user=user).only("pk", "id_number_digest").first()
    condition = Q(phone=user.phone)
    if member is not None:
        condition |= Q(member=member)
        if member.id_number_digest:
            condition |= Q(id_number_digest=member.id_number_digest)
    return [
        {
            "submitted_at": a.submitted_at.isoformat(),
            "status": a.status,
            "name": a.name,
            "mobile_number": a.phone,
            "occupation": a.occupation,
            "skills": a.skills,
            "availability": a.availability,
            "emergency_contact": {"name": a.emergency_name, "phone": a.emergency_phone},
            "guardian": {"name": a.guardian_name, "phone": a.guardian_phone}
            if a.guardian_name
            else None,
            "question": a.question,
            "answer": a.answer,
            "reason": a.reason,
        }
        for a in Application.objects.filter(condition).order_by("submitted_at")
    ]


@section("trail")
def _trail(user: User) -> list[dict[str, Any]]:
    """What the audit trail records of this person: what they did, and what was done to them."""
    member = Member.objects.filter(user=user).only("pk").first()
    about = AuditEntry.objects.filter(target_type="accounts.user", target_id=str(user.pk))
    if member is not None:
        about = about | AuditEntry.objects.filter(
            target_type="members.member", target_id=str(member.pk)
        )
    entries = (AuditEntry.objects.filter(actor=user) | about).order_by("at")
    return [
        {"at": e.at.isoformat(), "action": e.action, "by_them": e.actor_id == user.pk}
        for e in entries[:5000]
    ]


def record_download(*, user: User) -> None:
    """A person took a copy of their data: the trail says so (it is theirs, but it is a copy)."""
    audit.record(actor=user, action="accounts.user.data_downloaded", target=user)


def request_erasure(*, member: Member, reason: str) -> ErasureRequest:
    try:
        with transaction.atomic():
            if member.erasure_requests.filter(status=ErasureRequest.Status.PENDING).exists():
                raise IntegrityError("pending")
            request = ErasureRequest.objects.create(member=member, reason=reason.strip())
            audit.record(
                actor=member.user, action="members.erasure_request.created", target=request
            )
    except IntegrityError:  # asked twice, or twice at once (a double tap)
        raise MembershipConflict(
            _("Your request is already waiting for an officer."), code="already_requested"
        ) from None
    return request


def decide_erasure(
    *, request: ErasureRequest, actor: Any, erase: bool, answer: str = ""
) -> ErasureRequest:
    _require_officer(actor)
    if request.member.user_id == actor.pk:
        raise MembershipError(
            _("Another officer must decide on your own request."), code="own_request"
        )
    with transaction.atomic():
        request = (
            ErasureRequest.objects.select_for_update()
            .select_related("member__user")
            .get(pk=request.pk)
        )
        if request.status != ErasureRequest.Status.PENDING:
            raise MembershipConflict(
                _("This request has been decided already."), code="already_decided"
            )
        user = request.member.user
        phone, language = user.phone, user.language  # erasure removes the number we answer to
        if erase:
            erase_member(member=request.member, actor=actor)
        elif not answer.strip():
            raise MembershipError(
                _("Tell the member why their data is kept."), code="reason_needed"
            )
        with translation.override(language):
            accounts.send_message(
                phone=phone,
                subject=_("Your request to be erased"),
                body=_(
                    "Your personal data has been erased from Yixun. Thank you for patrolling with us."
                )
                if erase
                else _("Your data is kept for now. The officers say: %(answer)s")
                % {"answer": answer.strip()},
            )
        request.status = ErasureRequest.Status.DONE if erase else ErasureRequest.Status.DECLINED
        request.decided_at, request.decided_by, request.answer = (
            timezone.now(),
            actor,
            answer.strip(),
        )
        request.save(update_fields=["status", "decided_at", "decided_by", "answer"])
        audit.record(
            actor=actor,
            action="members.erasure_request." + ("done" if erase else "declined"),
            target=request,
            data={"member": request.member_id},
        )
    return request


def erase_member(*, member: Member, actor: Any) -> Member:
    """Remove the person's identity; keep their patrol record, anonymous, in the figures."""
    user = member.user
    if member.squad is not None and member.squad.leader_id == user.pk:
        raise MembershipError(
            _("%(name)s leads %(squad)s. Appoint another leader before erasing them.")
            % {"name": user.name, "squad": member.squad},
            code="leader_cannot_be_erased",
        )
    now = timezone.now()
    # Every application of theirs: the one they joined with, and any earlier, rejected ones.
    applications = list(
        Application.objects.filter(
            Q(member=member)
            | Q(id_number_digest=member.id_number_digest or "-")
            | Q(phone=user.phone)
        )
    )
    member.clear_id_number()
    member.occupation, member.availability, member.home_area, member.partner = "", [], None, None
    member.emergency_name = member.emergency_phone = member.guardian_name = (
        member.guardian_phone
    ) = ""
    member.guardian_consent_at = None
    if member.photo:
        member.photo.delete(save=False)
    was_active = member.status == Member.Status.ACTIVE
    member.status, member.status_since, member.erased_at = Member.Status.LEFT, now.date(), now
    member.save()
    if was_active:
        membership_ended.send(sender=Member, member=member, actor=actor)
    member.skills.all().delete()
    for squad in user.deputy_of.all():
        squad.deputies.remove(user)

    for application in applications:
        application.clear_id_number()
        application.name, application.phone = "", ""
        application.emergency_name = application.emergency_phone = ""
        application.guardian_name = application.guardian_phone = ""
        if application.photo:
            application.photo.delete(save=False)
        application.save()

    for role in sorted(user.roles):  # audited, and the last officer cannot go this way
        accounts.revoke_role(user=user, role=role, actor=actor)
    user.name = ""
    user.phone = f"erased:{user.pk}"
    user.is_active = False
    user.set_unusable_password()
    user.save()
    AccessToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    # The trail keeps what happened, but no longer names whom it happened to.
    AuditEntry.objects.filter(target_type="accounts.user", target_id=str(user.pk)).update(
        target_label=""
    )
    AuditEntry.objects.filter(target_type="members.member", target_id=str(member.pk)).update(
        target_label=""
    )
    AuditEntry.objects.filter(
        target_type="members.application", target_id__in=[str(a.pk) for a in applications]
    ).update(target_label="")
    audit.record(actor=actor, action="members.member.erased", target=member)
    return member
