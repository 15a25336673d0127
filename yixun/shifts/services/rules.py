"""The claiming rules. Each refuses with a code and a message that says what to do instead.

The facts the rules need (who is on the shift, each candidate's skills, patrols done, cover,
briefings read, other shifts) are read in a fixed number of queries for any number of
members, so a leader's list of people to invite costs the same as one member's claim.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yixun.accounts.models import RoleGrant
from yixun.accounts.roles import Role, has_role, roles_of
from yixun.members.models import Coverage, Member, MemberSkill, Skill, led_squad_ids
from yixun.members.models.personal import ADULT_AGE
from yixun.members.services.roster import may_manage_squad
from yixun.places.models import Area, Route, Site
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


@dataclass
class Facts:
    """What the rules need to know about a shift and some members, read once."""

    rules: ClaimRules
    night: bool
    on_shift: set[int]  # member ids with an active claim on the shift
    experienced_on_shift: bool
    skills_on_shift: dict[str, int]
    briefing: SafetyBriefing | None
    briefed: set[int] = field(default_factory=set)
    skills: dict[int, set[str]] = field(default_factory=dict)
    done: dict[int, int] = field(default_factory=dict)
    covered: set[int] = field(default_factory=set)
    moderators: set[int] = field(default_factory=set)
    overlapping: dict[int, Shift] = field(default_factory=dict)


def gather(shift: Shift, members: list[Member], rules: ClaimRules | None = None) -> Facts:
    rules = rules or ClaimRules.current()
    ids = [member.pk for member in members]
    on_shift = list(Claim.objects.active().filter(shift=shift).values_list("member_id", flat=True))
    done = patrols_done(list({*ids, *on_shift}))
    needs = shift.skill_needs()
    skills_on_shift: dict[str, int] = {}
    if needs:
        skills_on_shift = dict(
            MemberSkill.objects.filter(member_id__in=on_shift, skill__in=needs)
            .values("skill")
            .annotate(n=Count("member", distinct=True))
            .values_list("skill", "n")
        )
    skills: dict[int, set[str]] = defaultdict(set)
    for member_id, skill in MemberSkill.objects.filter(member_id__in=ids).values_list(
        "member_id", "skill"
    ):
        skills[member_id].add(skill)
    briefing = current_briefing(shift.kind)
    briefed = (
        set(
            BriefingAcknowledgement.objects.filter(
                briefing=briefing, member_id__in=ids
            ).values_list("member_id", flat=True)
        )
        if briefing
        else set()
    )
    day = timezone.localtime(shift.starts_at).date()
    covered = set(
        Coverage.objects.filter(
            member_id__in=ids, policy__starts_on__lte=day, policy__ends_on__gte=day
        ).values_list("member_id", flat=True)
    )
    moderators = set(
        RoleGrant.objects.filter(user__membership__in=ids, role=Role.MODERATOR).values_list(
            "user__membership", flat=True
        )
    )
    overlapping = {
        claim.member_id: claim.shift
        for claim in Claim.objects.active()
        .filter(member_id__in=ids, shift__status=Shift.Status.SCHEDULED)
        .filter(shift__starts_at__lt=shift.ends_at, shift__ends_at__gt=shift.starts_at)
        .exclude(shift=shift)
        .select_related("shift__area", "shift__route", "shift__site")
    }
    return Facts(
        rules=rules,
        night=shift.overlaps_night(rules.night_starts, rules.night_ends),
        on_shift=set(on_shift),
        experienced_on_shift=any(done.get(m, 0) >= rules.experienced_patrols for m in on_shift),
        skills_on_shift=skills_on_shift,
        briefing=briefing,
        briefed=briefed,
        skills=skills,
        done=done,
        covered=covered,
        moderators=moderators,
        overlapping=overlapping,
    )


def check_claim(*, shift: Shift, member: Member, rules: ClaimRules | None = None) -> None:
    """Raise ClaimRefused if the member may not take a place on this shift (capacity aside:
    a full shift means the waiting list, not a refusal)."""
    refusal = refusal_for(shift, member, gather(shift, [member], rules))
    if refusal is not None:
        raise refusal


def refusal_for(shift: Shift, member: Member, facts: Facts) -> ClaimRefused | None:
    """The first rule that refuses this member this shift, or None."""
    rules = facts.rules
    if shift.is_cancelled or shift.starts_at <= timezone.now():
        return ClaimRefused(
            _("This shift has started, ended or been cancelled."), code="shift_closed"
        )
    if member.status != Member.Status.ACTIVE or member.erased_at is not None:
        return ClaimRefused(_("Only active members can claim patrols."), code="not_active")
    if shift.squad_id is not None and member.squad_id != shift.squad_id:
        return ClaimRefused(
            _("%(squad)s has claimed this shift; its leader fills it.") % {"squad": shift.squad},
            code="squad_only",
        )
    if shift.kind == ShiftKind.MODERATION and member.pk not in facts.moderators:
        return ClaimRefused(_("Online moderation duty is for moderators."), code="moderators_only")
    if member.pk in facts.on_shift:
        return ClaimRefused(_("You are on this shift already."), code="already_claimed")
    if member.pk in facts.overlapping:
        return ClaimRefused(
            _("This overlaps another of your shifts: %(shift)s.")
            % {"shift": facts.overlapping[member.pk]},
            code="overlap",
        )
    age = member.age_on(timezone.localtime(shift.starts_at).date())  # on the day, not today
    if age is not None and age < ADULT_AGE and (facts.night or shift.kind in RISKY_FOR_MINORS):
        return ClaimRefused(
            _(
                "Members under 18 may not take night shifts, traffic enforcement or special operations."
            ),
            code="minor_not_allowed",
        )
    special = shift.kind == ShiftKind.SPECIAL_OPERATION
    if (
        member.kind == Member.Kind.CORE
        and ((facts.night and rules.uninsured_no_night) or (special and rules.uninsured_no_special))
        and member.pk not in facts.covered
    ):
        return ClaimRefused(
            _("Your accident insurance does not cover this day, so you cannot take night shifts or "
              "special operations. Ask an officer about your cover."),
            code="uninsured",
        )  # fmt: skip
    if facts.briefing is not None and member.pk not in facts.briefed:
        return ClaimRefused(
            _("Read and acknowledge the safety briefing “%(title)s” before your first such shift.")
            % {"title": facts.briefing.title},
            code="briefing_needed",
        )
    return _skills(shift, member, facts) or _experience(shift, member, facts)


def _skills(shift: Shift, member: Member, facts: Facts) -> ClaimRefused | None:
    """The last places are kept for the skills the shift still lacks (one driver, one first-aider)."""
    missing = {
        skill: count - facts.skills_on_shift.get(skill, 0)
        for skill, count in shift.skill_needs().items()
        if count > facts.skills_on_shift.get(skill, 0)
    }
    if not missing:
        return None
    if shift.is_full:
        return None  # no place to keep: a full shift means the waiting list, for anyone
    mine = facts.skills.get(member.pk, set()) & set(missing)
    still_missing = sum(count - (1 if skill in mine else 0) for skill, count in missing.items())
    if still_missing <= shift.capacity - shift.taken - 1:
        return None
    labels = "、".join(str(Skill(skill).label) for skill in missing if skill not in mine)
    return ClaimRefused(
        _("The remaining places are kept for someone with: %(skills)s.") % {"skills": labels},
        code="skill_needed",
    )


def _experience(shift: Shift, member: Member, facts: Facts) -> ClaimRefused | None:
    """A newcomer's first patrols need an experienced member on the same shift."""
    rules = facts.rules
    if rules.newcomer_patrols == 0 or shift.kind == ShiftKind.MODERATION:
        return None
    if facts.done.get(member.pk, 0) >= rules.newcomer_patrols or facts.experienced_on_shift:
        return None
    return ClaimRefused(
        _(
            "Your first %(n)d patrols need an experienced member on the same shift, and this one has "
            "none yet. Choose a shift that has one, or ask your leader."
        )
        % {"n": rules.newcomer_patrols},
        code="experienced_needed",
    )


def may_manage(user: Any, shift: Shift) -> bool:
    """Officers manage every shift; a leader the shifts claimed for their squad."""
    if has_role(user, Role.OFFICER):
        return True
    return shift.squad is not None and may_manage_squad(user, shift.squad)


def may_see_police_patrols(user: Any) -> bool:
    """When and where the police patrol is not for everyone: officers, the police and squad
    leaders (who plan around it) see it; members and the public do not."""
    if roles_of(user) & {Role.OFFICER, Role.POLICE}:
        return True
    return bool(led_squad_ids(user))


def q_place_within(path: str) -> Q:
    """Shifts in the area at `path` or below it, by area, route or site. Asked as three small
    sub-queries rather than an OR across joined tables, which the database plans in a fraction
    of the time and answers from its indexes."""
    areas = Area.objects.filter(path__startswith=path).values("pk")
    return (
        Q(area__in=areas)
        | Q(route__in=Route.objects.filter(area__in=areas).values("pk"))
        | Q(site__in=Site.objects.filter(area__in=areas).values("pk"))
    )
