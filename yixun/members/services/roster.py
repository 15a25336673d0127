"""Members and squads: standing, transfers, leaders, details, and the one guarded look at an ID number."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yixun.accounts import services as accounts
from yixun.accounts.models import User
from yixun.accounts.roles import Role, has_role
from yixun.audit import services as audit
from yixun.lib import crypto, resident_id
from yixun.members.models import (
    Member,
    MemberSkill,
    PartnerOrganisation,
    Squad,
    SquadTransfer,
    StatusChange,
)
from yixun.members.models.members import squads_led_by
from yixun.members.services.errors import MembershipConflict, MembershipError, NotAllowed
from yixun.members.signals import membership_ended
from yixun.places.models import Area


def may_manage_squad(user: Any, squad: Squad | None) -> bool:
    """Officers manage every squad; a leader or deputy only their own."""
    if has_role(user, Role.OFFICER):
        return True
    return squad is not None and squads_led_by(user).filter(pk=squad.pk).exists()


def _require_officer(actor: Any) -> None:
    if not has_role(actor, Role.OFFICER):
        raise NotAllowed(_("Only an officer of the association may do this."))


def create_squad(*, name: str, area: Area | None, leader: User | None, actor: Any) -> Squad:
    _require_officer(actor)
    name = name.strip()
    with transaction.atomic():
        if Squad.objects.filter(name=name).exists():
            raise MembershipConflict(
                _("A squad with this name exists already."), code="squad_name_taken"
            )
        squad = Squad.objects.create(name=name, area=area)
        audit.record(
            actor=actor,
            action="members.squad.created",
            target=squad,
            data={"area": str(area or "")},
        )
        if leader is not None:
            set_leader(squad=squad, leader=leader, actor=actor)
    return squad


def update_squad(*, squad: Squad, name: str, area: Area | None, actor: Any) -> Squad:
    _require_officer(actor)
    name = name.strip()
    with transaction.atomic():
        if Squad.objects.filter(name=name).exclude(pk=squad.pk).exists():
            raise MembershipConflict(
                _("A squad with this name exists already."), code="squad_name_taken"
            )
        changes = {}
        if squad.name != name:
            changes["name"] = [squad.name, name]
        if squad.area != area:
            changes["area"] = [str(squad.area or ""), str(area or "")]
        squad.name, squad.area = name, area
        squad.save(update_fields=["name", "area"])
        if changes:
            audit.record(actor=actor, action="members.squad.changed", target=squad, data=changes)
    return squad


def set_leader(*, squad: Squad, leader: User, actor: Any) -> Squad:
    """Make a member of the squad its leader; they get the squad leader role."""
    _require_officer(actor)
    with transaction.atomic():
        membership = Member.objects.filter(user=leader).first()
        if membership is None or membership.status != Member.Status.ACTIVE:
            raise MembershipError(
                _("The leader must be an active member."), code="leader_not_member"
            )
        if membership.squad_id != squad.pk:
            transfer_member(
                member=membership, to_squad=squad, reason=_("appointed leader"), actor=actor
            )
        previous = squad.leader
        squad.leader = leader
        squad.save(update_fields=["leader"])
        squad.deputies.remove(leader)
        accounts.grant_role(user=leader, role=Role.SQUAD_LEADER, actor=actor)
        if previous is not None and previous != leader and not squads_led_by(previous).exists():
            accounts.revoke_role(user=previous, role=Role.SQUAD_LEADER, actor=actor)
        audit.record(
            actor=actor, action="members.squad.leader_set", target=squad, data={"leader": leader.pk}
        )
    return squad


def set_deputies(*, squad: Squad, deputies: Iterable[User], actor: Any) -> Squad:
    """The squad's deputies: chosen by an officer or by the squad's leader (not by a deputy)."""
    if not (
        has_role(actor, Role.OFFICER)
        or (squad.leader_id == actor.pk and squads_led_by(actor).filter(pk=squad.pk).exists())
    ):
        raise NotAllowed(_("Only the squad's leader or an officer chooses its deputies."))
    chosen = list(deputies)
    # A deputy sees the squad's numbers: only an active member of the squad may be one. The
    # refusal names nobody: it must not tell a leader who is behind an id they tried.
    active = set(
        Member.objects.filter(squad=squad, status=Member.Status.ACTIVE).values_list(
            "user_id", flat=True
        )
    )
    if any(user.pk not in active for user in chosen):
        raise MembershipError(
            _("Deputies must be active members of the squad."), code="deputy_not_in_squad"
        )
    with transaction.atomic():
        squad.deputies.set([user for user in chosen if user != squad.leader])
        audit.record(
            actor=actor,
            action="members.squad.deputies_set",
            target=squad,
            data={"deputies": [u.pk for u in chosen]},
        )
    return squad


def transfer_member(*, member: Member, to_squad: Squad | None, reason: str, actor: Any) -> Member:
    """Move a member to another squad, keeping the history. Officers move anyone; a leader
    may move members out of their own squad."""
    if not (has_role(actor, Role.OFFICER) or may_manage_squad(actor, member.squad)):
        raise NotAllowed(_("You may move only members of your own squad."))
    with transaction.atomic():
        move_member(member=member, to_squad=to_squad, reason=reason, actor=actor)
    return member


def leader_cannot_move(member: Member) -> MembershipError:
    return MembershipConflict(  # who leads the squad now, not the request, decides
        _("%(name)s leads %(squad)s. Appoint another leader first.")
        % {"name": member.name, "squad": member.squad},
        code="leader_cannot_move",
    )


def move_member(*, member: Member, to_squad: Squad | None, reason: str, actor: Any) -> bool:
    """The move itself, for callers that checked the actor's rights (a transfer, an import):
    the history row, the end of any deputyship in the old squad, the audit entry and the
    member's message. A squad's leader is not moved. Returns whether anything moved."""
    if member.squad_id == (to_squad.pk if to_squad else None):
        return False
    previous = member.squad
    if previous is not None and previous.leader_id == member.user_id:
        raise leader_cannot_move(member)
    SquadTransfer.objects.create(
        member=member, from_squad=previous, to_squad=to_squad, reason=reason, by=actor
    )
    member.squad = to_squad
    member.save(update_fields=["squad"])
    if previous is not None:
        previous.deputies.remove(member.user)  # a deputy's rights stay with the squad they left
    audit.record(
        actor=actor,
        action="members.member.transferred",
        target=member,
        data={"from": str(previous or ""), "to": str(to_squad or ""), "reason": reason},
    )
    with translation.override(member.user.language):
        accounts.send_message(
            phone=member.user.phone,
            subject=_("You have a new squad"),
            body=_("You are now in %(squad)s.") % {"squad": to_squad or _("no squad")},
        )
    return True


def change_status(*, member: Member, status: str, reason: str, actor: Any) -> Member:
    _require_officer(actor)
    reason = reason.strip()
    if status not in Member.Status.values:
        raise MembershipError(_("There is no such status."), code="unknown_status")
    if not reason:
        raise MembershipError(_("Give a reason for the change of status."), code="reason_needed")
    if len(reason) > 200:
        raise MembershipError(_("Keep the reason under 200 characters."), code="reason_too_long")
    if member.status == status:
        return member
    with transaction.atomic():
        today = timezone.localdate()
        StatusChange.objects.create(member=member, status=status, on=today, reason=reason, by=actor)
        previous = member.status
        member.status, member.status_since = status, today
        member.save(update_fields=["status", "status_since"])
        if status != Member.Status.ACTIVE:
            member.user.deputy_of.clear()  # a deputy's rights end with their active membership
            if previous == Member.Status.ACTIVE:
                membership_ended.send(sender=Member, member=member, actor=actor)
        audit.record(
            actor=actor,
            action="members.member.status_changed",
            target=member,
            data={"from": previous, "to": status, "reason": reason},
        )
    return member


def change_kind(*, member: Member, kind: str, actor: Any) -> Member:
    _require_officer(actor)
    if kind not in Member.Kind.values:
        raise MembershipError(_("There is no such kind of member."), code="unknown_kind")
    if member.kind != kind:
        with transaction.atomic():
            audit.record(
                actor=actor,
                action="members.member.kind_changed",
                target=member,
                data={"from": member.kind, "to": kind},
            )
            member.kind = kind
            member.save(update_fields=["kind"])
    return member


# What a member may change about themselves; officers may change these and the rest.
SELF_EDITABLE = {"availability", "home_area", "emergency_name", "emergency_phone", "skills"}
OFFICER_EDITABLE = SELF_EDITABLE | {"occupation", "partner"}


def update_details(*, member: Member, actor: Any, **changes: Any) -> Member:
    """Change a member's details. `skills` is a list of {"skill", "detail"}."""
    allowed = (
        OFFICER_EDITABLE
        if has_role(actor, Role.OFFICER)
        else SELF_EDITABLE
        if actor.pk == member.user_id
        else set()
    )
    refused = set(changes) - allowed
    if refused:
        raise NotAllowed(
            _("You may not change this member's %(fields)s.")
            % {"fields": ", ".join(sorted(refused))}
        )
    with transaction.atomic():
        skills = changes.pop("skills", None)
        changed = sorted(name for name, value in changes.items() if getattr(member, name) != value)
        for name in changed:
            setattr(member, name, changes[name])
        if changed:
            member.save(update_fields=changed)
        if skills is not None:
            current = {entry.skill: entry.detail for entry in member.skills.all()}
            wanted = {entry["skill"]: entry.get("detail", "") for entry in skills}  # once each
            if current != wanted:
                member.skills.all().delete()
                MemberSkill.objects.bulk_create(
                    MemberSkill(member=member, skill=s, detail=d) for s, d in wanted.items()
                )
                changed.append("skills")
        if changed:
            audit.record(
                actor=actor,
                action="members.member.details_changed",
                target=member,
                data={"fields": changed},
            )
    return member


def reveal_id_number(*, member: Member, actor: Any, reason: str) -> str:
    """The full ID number, for an officer who says why. Each look is in the audit trail."""
    _require_officer(actor)
    reason = reason.strip()
    if len(reason) < 4:
        raise MembershipError(_("Say why you need the full ID number."), code="reason_needed")
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="members.member.id_number_viewed",
            target=member,
            data={"reason": reason},
        )
    return member.decrypted_id_number()


def correct_id_number(*, member: Member, raw: str, actor: Any) -> Member:
    _require_officer(actor)
    try:
        parsed = resident_id.parse(raw)
    except resident_id.InvalidResidentId as error:
        raise MembershipError(id_number_message(error.reason), code="invalid_id_number") from None
    with transaction.atomic():
        if (
            Member.objects.filter(id_number_digest=crypto.blind_index(parsed.number))
            .exclude(pk=member.pk)
            .exists()
        ):
            raise MembershipConflict(
                _("Another member has this ID number."), code="id_number_taken"
            )
        member.set_id_number(parsed)
        member.save(
            update_fields=[
                "id_number_encrypted",
                "id_number_digest",
                "id_number_masked",
                "birth_date",
                "sex",
            ]
        )
        audit.record(actor=actor, action="members.member.id_number_corrected", target=member)
    return member


def id_number_message(reason: str) -> str:
    return {
        "shape": _("A resident ID number has 18 characters: 17 digits and a last digit or X."),
        "region": _("The ID number does not start with a known region code."),
        "birth_date": _("The date of birth in the ID number is not a real date."),
        "check": _("The ID number's last character does not match: check for a mistyped digit."),
    }.get(reason, _("This is not a valid resident ID number."))


def save_partner(
    *, actor: Any, partner: PartnerOrganisation | None = None, **fields: Any
) -> PartnerOrganisation:
    _require_officer(actor)
    with transaction.atomic():
        creating = partner is None
        partner = partner or PartnerOrganisation()
        for name, value in fields.items():
            setattr(partner, name, value)
        if PartnerOrganisation.objects.filter(name=partner.name).exclude(pk=partner.pk).exists():
            raise MembershipConflict(
                _("A partner with this name exists already."), code="partner_name_taken"
            )
        partner.save()
        audit.record(
            actor=actor,
            action="members.partner_organisation." + ("created" if creating else "changed"),
            target=partner,
        )
    return partner
