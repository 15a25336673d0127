"""The claiming rules. Each refuses with a code and a message that says what to do instead."""

from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yixun.accounts.roles import Role, has_role
from yixun.members.models import Member, MemberSkill, Skill
from yixun.members.services.roster import may_manage_squad
from yixun.shifts.models import (
    BriefingAcknowledgement,
    Claim,
    ClaimRules,
    SafetyBriefing,
    Shift,
    ShiftKind,
)
from yixun.shifts.services.errors import ClaimRefused

RISKY_FOR_MINORS = {ShiftKind.TRAFFIC, ShiftKind.SPECIAL_OPERATION}


def patrols_done(member_ids: list[int]) -> dict[int, int]:
    """Patrols each member has done: claims kept on shifts that have ended."""
    rows = (
        Claim.objects.active()
        .filter(
            member_id__in=member_ids,
            shift__ends_at__lte=timezone.now(),
            shift__status=Shift.Status.SCHEDULED,
        )
        .values("member_id")
        .annotate(done=Count("pk"))
    )
    counts = {row["member_id"]: row["done"] for row in rows}
    return {member_id: counts.get(member_id, 0) for member_id in member_ids}


def current_briefing(kind: str) -> SafetyBriefing | None:
    return SafetyBriefing.objects.filter(kind=kind).order_by("-version").first()


def check_claim(*, shift: Shift, member: Member, rules: ClaimRules | None = None) -> None:
    """Raise ClaimRefused if the member may not take a place on this shift (capacity aside:
    a full shift means the waiting list, not a refusal)."""
    rules = rules or ClaimRules.current()
    if shift.is_cancelled or shift.starts_at <= timezone.now():
        raise ClaimRefused(
            _("This shift has started, ended or been cancelled."), code="shift_closed"
        )
    if member.status != Member.Status.ACTIVE or member.erased_at is not None:
        raise ClaimRefused(_("Only active members can claim patrols."), code="not_active")
    if shift.squad_id is not None and member.squad_id != shift.squad_id:
        raise ClaimRefused(
            _("%(squad)s has claimed this shift; its leader fills it.") % {"squad": shift.squad},
            code="squad_only",
        )
    if shift.kind == ShiftKind.MODERATION and not has_role(member.user, Role.MODERATOR):
        raise ClaimRefused(_("Online moderation duty is for moderators."), code="moderators_only")
    if Claim.objects.active().filter(shift=shift, member=member).exists():
        raise ClaimRefused(_("You are on this shift already."), code="already_claimed")
    overlapping = (
        Claim.objects.active()
        .filter(member=member, shift__status=Shift.Status.SCHEDULED)
        .filter(shift__starts_at__lt=shift.ends_at, shift__ends_at__gt=shift.starts_at)
        .select_related("shift")
        .first()
    )
    if overlapping is not None:
        raise ClaimRefused(
            _("This overlaps another of your shifts: %(shift)s.") % {"shift": overlapping.shift},
            code="overlap",
        )
    night = shift.overlaps_night(rules.night_starts, rules.night_ends)
    if member.is_minor and (night or shift.kind in RISKY_FOR_MINORS):
        raise ClaimRefused(
            _(
                "Members under 18 may not take night shifts, traffic enforcement or special operations."
            ),
            code="minor_not_allowed",
        )
    special = shift.kind == ShiftKind.SPECIAL_OPERATION
    if (
        member.kind == Member.Kind.CORE
        and ((night and rules.uninsured_no_night) or (special and rules.uninsured_no_special))
        and not member.is_covered_on(timezone.localtime(shift.starts_at).date())
    ):
        raise ClaimRefused(
            _("Your accident insurance does not cover this day, so you cannot take night shifts or "
              "special operations. Ask an officer about your cover."),
            code="uninsured",
        )  # fmt: skip
    briefing = current_briefing(shift.kind)
    if (
        briefing is not None
        and not BriefingAcknowledgement.objects.filter(member=member, briefing=briefing).exists()
    ):
        raise ClaimRefused(
            _("Read and acknowledge the safety briefing “%(title)s” before your first such shift.")
            % {"title": briefing.title},
            code="briefing_needed",
        )
    _check_skills(shift, member)
    _check_experience(shift, member, rules)


def _check_skills(shift: Shift, member: Member) -> None:
    """The last places are kept for the skills the shift still lacks (one driver, one first-aider)."""
    needs = shift.skill_needs()
    if not needs:
        return
    on_shift = Claim.objects.active().filter(shift=shift).values("member")
    have = dict(
        MemberSkill.objects.filter(member__in=on_shift, skill__in=needs)
        .values("skill")
        .annotate(n=Count("member", distinct=True))
        .values_list("skill", "n")
    )
    missing = {
        skill: count - have.get(skill, 0)
        for skill, count in needs.items()
        if count > have.get(skill, 0)
    }
    if not missing:
        return
    mine = set(member.skills.filter(skill__in=missing).values_list("skill", flat=True))
    still_missing = sum(count - (1 if skill in mine else 0) for skill, count in missing.items())
    places_after = shift.capacity - shift.taken - 1
    if still_missing > places_after:
        labels = "、".join(str(Skill(skill).label) for skill in missing if skill not in mine)
        raise ClaimRefused(
            _("The remaining places are kept for someone with: %(skills)s.") % {"skills": labels},
            code="skill_needed",
        )


def _check_experience(shift: Shift, member: Member, rules: ClaimRules) -> None:
    """A newcomer's first patrols need an experienced member on the same shift."""
    if rules.newcomer_patrols == 0 or shift.kind == ShiftKind.MODERATION:
        return
    if patrols_done([member.pk])[member.pk] >= rules.newcomer_patrols:
        return
    on_shift = list(Claim.objects.active().filter(shift=shift).values_list("member_id", flat=True))
    if any(done >= rules.experienced_patrols for done in patrols_done(on_shift).values()):
        return
    raise ClaimRefused(
        _(
            "Your first %(n)d patrols need an experienced member on the same shift, and this one has "
            "none yet. Choose a shift that has one, or ask your leader."
        )
        % {"n": rules.newcomer_patrols},
        code="experienced_needed",
    )


def may_manage(user: Any, shift: Shift) -> bool:
    """Officers manage every shift; a leader the shifts of their squad and those its members are on."""
    if has_role(user, Role.OFFICER):
        return True
    return shift.squad is not None and may_manage_squad(user, shift.squad)


def q_place_within(path: str) -> Q:
    return (
        Q(area__path__startswith=path)
        | Q(route__area__path__startswith=path)
        | Q(site__area__path__startswith=path)
    )
