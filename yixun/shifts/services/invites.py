"""Filling an under-filled shift: whom to ask, and a one-tap link to say yes."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yixun.accounts.roles import Role, has_role
from yixun.audit import services as audit
from yixun.lib.links import absolute
from yixun.members.models import Member, MemberSkill, squads_led_by
from yixun.members.services.roster import may_manage_squad
from yixun.shifts.models import Claim, Invitation, Shift, WaitlistEntry
from yixun.shifts.services.claims import claim_shift
from yixun.shifts.services.errors import ClaimRefused, NotAllowed, ShiftConflict
from yixun.shifts.services.notify import tell, when
from yixun.shifts.services.rules import gather, may_manage, refusal_for


def month_hours(member_ids: list[int], day: dt.date) -> dict[int, float]:
    """Hours each member is on shifts in the month of `day` (done or planned)."""
    first = day.replace(day=1)
    after = (first + dt.timedelta(days=32)).replace(day=1)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(after, dt.time.min))
    rows = (
        Claim.objects.active()
        .filter(member_id__in=member_ids, shift__starts_at__gte=start, shift__starts_at__lt=end)
        .values("member_id")
        .annotate(
            length=Sum(
                ExpressionWrapper(
                    F("shift__ends_at") - F("shift__starts_at"), output_field=DurationField()
                )
            )
        )
    )
    found = {
        row["member_id"]: row["length"].total_seconds() / 3600 for row in rows if row["length"]
    }
    return {member_id: found.get(member_id, 0.0) for member_id in member_ids}


def may_fill(user: Any, shift: Shift) -> bool:
    """Who fills a shift (puts members on it, asks them, sees who could come): officers; a
    squad's leaders and deputies, on their squad's own shifts and on open shifts (which their
    squad may claim). The shift page's box for leaders and the API's fill, invite and candidates
    follow it."""
    return may_manage(user, shift) or (shift.squad_id is None and squads_led_by(user).exists())


def candidates(*, shift: Shift, viewer: Any, limit: int = 10) -> list[tuple[Member, float]]:
    """Members the viewer may ask: free at that time, with a skill the shift still needs if it
    needs one, own squad first, then those with the fewest hours this month. Each passes the
    claiming rules. An officer may ask anyone; a leader, the members of the squads they lead.
    A shift that has ended or been cancelled has none."""
    if shift.is_past or shift.is_cancelled:
        return []
    busy = Claim.objects.active().filter(
        shift__status=Shift.Status.SCHEDULED,
        shift__starts_at__lt=shift.ends_at,
        shift__ends_at__gt=shift.starts_at,
    )
    waiting = WaitlistEntry.objects.filter(shift=shift, status=WaitlistEntry.Status.WAITING).values(
        "member"
    )
    # Each carries when they were asked to this shift, if they were and have not answered: the
    # leader sees 已邀请 beside them and asks again only on purpose.
    asked = Invitation.objects.filter(
        shift=shift, member=OuterRef("pk"), used_at__isnull=True
    ).order_by("-created_at")
    pool = (
        Member.objects.active()
        .filter(erased_at__isnull=True)
        .exclude(pk__in=busy.values("member"))
        .exclude(pk__in=waiting)
        .select_related("user", "squad")
        .annotate(invited_at=Subquery(asked.values("created_at")[:1]))
    )
    if shift.squad_id:
        pool = pool.filter(squad_id=shift.squad_id)
    if not has_role(viewer, Role.OFFICER):
        pool = pool.filter(squad__in=squads_led_by(viewer))
    needs = shift.skill_needs()
    if needs:
        with_skill = pool.filter(
            pk__in=MemberSkill.objects.filter(skill__in=needs).values("member")
        )
        if with_skill.exists():
            pool = with_skill
    led = squads_led_by(viewer).first()
    squad_id = shift.squad_id or (led.pk if led else None)
    own = pool.filter(squad_id=squad_id) if squad_id else pool.none()
    ordered: list[Member] = list(own[:200])
    if not shift.squad_id:  # a squad's own shift is for its own members only
        ordered += list(pool.exclude(pk__in=own.values("pk"))[:200])
    hours = month_hours([m.pk for m in ordered], timezone.localtime(shift.starts_at).date())
    ordered.sort(key=lambda m: (m.squad_id != squad_id, hours[m.pk], m.user.name_pinyin))
    facts = gather(shift, ordered)  # the rules for all of them, in a fixed number of queries
    chosen = [(m, hours[m.pk]) for m in ordered if refusal_for(shift, m, facts) is None]
    return chosen[:limit]


def pending(*, shift: Shift, viewer: Any) -> QuerySet[Invitation]:
    """The invitations to this shift not yet answered, to members the viewer may ask: all for an
    officer, their squads' for a leader. Someone who took a place meanwhile is no longer
    waiting to be answered."""
    found = (
        Invitation.objects.filter(shift=shift, used_at__isnull=True)
        .exclude(member__in=Claim.objects.active().filter(shift=shift).values("member"))
        .select_related("member__user", "member__squad", "invited_by")
        .order_by("created_at", "pk")
    )
    if not has_role(viewer, Role.OFFICER):
        found = found.filter(member__squad__in=squads_led_by(viewer))
    return found


def pending_count() -> Coalesce:
    """For annotating shifts: how many invitations to each wait for an answer."""
    rows = (
        Invitation.objects.filter(shift=OuterRef("pk"), used_at__isnull=True)
        .exclude(member__in=Claim.objects.active().filter(shift=OuterRef("shift")).values("member"))
        .order_by()
        .values("shift")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def invite(*, shift: Shift, member: Member, actor: Any) -> Invitation:
    """Ask a member to take a place. An officer may ask anyone; a leader, the members of the
    squads they lead, for open shifts or their squad's own. Asking twice sends the same link."""
    if not has_role(actor, Role.OFFICER):
        if not may_manage_squad(actor, member.squad):
            raise NotAllowed(_("You may invite only members of your own squad."))
        if shift.squad_id is not None and not may_manage(actor, shift):
            raise NotAllowed(_("This shift belongs to another squad; its leader fills it."))
    if shift.is_cancelled or shift.starts_at <= timezone.now():
        raise ShiftConflict(
            _("This shift has started, ended or been cancelled."), code="shift_closed"
        )
    if Claim.objects.active().filter(shift=shift, member=member).exists():
        raise ClaimRefused(
            _("%(name)s is on this shift already.") % {"name": member.name}, code="already_claimed"
        )
    with transaction.atomic():
        invitation = Invitation.objects.filter(
            shift=shift, member=member, used_at__isnull=True
        ).first() or Invitation.objects.create(shift=shift, member=member, invited_by=actor)
        link = absolute(reverse("shifts:invitation", args=[invitation.token]))
        audit.record(
            actor=actor,
            action="shifts.invitation.sent",
            target=invitation,
            data={"shift": shift.pk, "member": member.pk},
        )
        with translation.override(member.user.language):
            tell(
                member,
                _("Can you patrol? %(shift)s") % {"shift": shift},
                _("%(actor)s asks you to join %(shift)s, %(when)s. One tap to say yes: %(link)s")
                % {"actor": actor, "shift": shift, "when": when(shift), "link": link},
            )
    return invitation


def accept_invitation(*, invitation: Invitation, user: Any) -> Claim | WaitlistEntry:
    """The invited member takes the place (or the waiting list, if it filled meanwhile).
    A link says yes once."""
    if invitation.member.user_id != user.pk:
        raise NotAllowed(_("This invitation is for someone else."))
    with transaction.atomic():
        used = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if not used:
            raise ShiftConflict(_("You have answered this invitation already."), code="answered")
        return claim_shift(
            shift=invitation.shift,
            member=invitation.member,
            actor=user,
            source=Claim.Source.INVITATION,
        )
