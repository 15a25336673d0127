"""Claiming, releasing and the waiting list: never overbooked, every step audited and told."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yixun.accounts.roles import Role, has_role
from yixun.audit import services as audit
from yixun.lib.locks import serialize
from yixun.members.models import Member, Squad
from yixun.members.services.roster import may_manage_squad
from yixun.shifts.models import Claim, ClaimRules, Shift, WaitlistEntry
from yixun.shifts.services.errors import ClaimRefused, NotAllowed
from yixun.shifts.services.notify import tell, tell_leaders, when
from yixun.shifts.services.rules import check_claim
from yixun.shifts.tasks import remind


def _lock(shift: Shift) -> Shift:
    """Lock the shift's row. Every change to a shift's places takes this lock first, so claims,
    releases, promotions and cancellation of one shift queue behind each other in one order."""
    return Shift.objects.select_for_update().get(pk=shift.pk)


def claim_shift(
    *, shift: Shift, member: Member, actor: Any, source: str = Claim.Source.SELF
) -> Claim | WaitlistEntry:
    """Take a place on a shift; when it is full, join its waiting list instead.

    The rules are checked first (reads only), then the shift's row is locked and the place taken
    with a compare-and-set UPDATE: of any number of people claiming the last place at once,
    exactly one gets it and the others are put on the waiting list.
    """
    if source == Claim.Source.LEADER and not may_manage_squad(actor, member.squad):
        raise NotAllowed(_("You may assign only members of your own squad."))
    with transaction.atomic():
        # One claim at a time per member, so two overlapping shifts cannot both pass the rules.
        serialize(f"shifts.claims.member.{member.pk}")
        check_claim(shift=shift, member=member)
        locked = _lock(shift)
        if locked.is_cancelled:
            raise ClaimRefused(_("This shift is cancelled."), code="cancelled")
        taken = Shift.objects.filter(
            pk=shift.pk, taken__lt=F("capacity"), status=Shift.Status.SCHEDULED
        ).update(taken=F("taken") + 1, updated_at=timezone.now())
        if taken != 1:  # someone else got the last place first
            return join_waitlist(shift=locked, member=member, actor=actor)
        try:
            with transaction.atomic():
                claim = Claim.objects.create(
                    shift=locked, member=member, source=source, claimed_by=actor
                )
        except IntegrityError:  # the same member, twice at once: the constraint keeps one
            raise ClaimRefused(
                _("You are on this shift already."), code="already_claimed"
            ) from None
        WaitlistEntry.objects.filter(
            shift=shift, member=member, status=WaitlistEntry.Status.WAITING
        ).update(status=WaitlistEntry.Status.LEFT)
        audit.record(
            actor=actor,
            action="shifts.claim.created",
            target=claim,
            data={"shift": locked.pk, "member": member.pk, "source": source},
        )
        if getattr(actor, "pk", None) != member.user_id:
            with translation.override(member.user.language):
                tell(
                    member,
                    _("You are on a patrol: %(shift)s") % {"shift": locked},
                    _(
                        "%(actor)s put you on %(shift)s, %(when)s. Release it in Yixun if you cannot go."
                    )
                    % {"actor": actor, "shift": locked, "when": when(locked)},
                )
        schedule_reminders(claim)
    shift.refresh_from_db(fields=["taken"])
    return claim


def join_waitlist(*, shift: Shift, member: Member, actor: Any) -> WaitlistEntry:
    """Wait for a place. Should one be free by now (released while we decided), the first
    waiting gets it at once."""
    with transaction.atomic():
        locked = _lock(shift)
        if locked.is_cancelled or locked.starts_at <= timezone.now():
            raise ClaimRefused(_("This shift is cancelled or has started."), code="not_open")
        entry = WaitlistEntry.objects.filter(
            shift=shift, member=member, status=WaitlistEntry.Status.WAITING
        ).first()
        if entry is not None:
            return entry
        try:
            with transaction.atomic():
                entry = WaitlistEntry.objects.create(shift=locked, member=member)
        except IntegrityError:
            return WaitlistEntry.objects.get(
                shift=shift, member=member, status=WaitlistEntry.Status.WAITING
            )
        position = WaitlistEntry.objects.filter(
            shift=shift, status=WaitlistEntry.Status.WAITING, joined_at__lte=entry.joined_at
        ).count()
        audit.record(
            actor=actor,
            action="shifts.waitlist_entry.joined",
            target=entry,
            data={"shift": locked.pk, "member": member.pk, "position": position},
        )
        with translation.override(member.user.language):
            tell(
                member,
                _("On the waiting list: %(shift)s") % {"shift": locked},
                _("The shift %(when)s is full. You are number %(n)d on its waiting list; you will be "
                  "told if a place frees up.") % {"when": when(locked), "n": position},
            )  # fmt: skip
        if not locked.is_full:
            promote_next(shift=locked)
            entry.refresh_from_db()
    return entry


def leave_waitlist(*, entry: WaitlistEntry, actor: Any) -> WaitlistEntry:
    with transaction.atomic():
        updated = WaitlistEntry.objects.filter(
            pk=entry.pk, status=WaitlistEntry.Status.WAITING
        ).update(status=WaitlistEntry.Status.LEFT)
        if updated:
            audit.record(
                actor=actor,
                action="shifts.waitlist_entry.left",
                target=entry,
                data={"shift": entry.shift_id, "member": entry.member_id},
            )
    entry.refresh_from_db()
    return entry


def may_release_late(actor: Any, claim: Claim) -> bool:
    return has_role(actor, Role.OFFICER) or may_manage_squad(actor, claim.member.squad)


def release_claim(*, claim: Claim, actor: Any, reason: str = "") -> Claim:
    """Give the place back. Close to the start only a leader may do it (the squad needs to know);
    the first on the waiting list is then promoted. When a squad's own shift falls below its
    minimum, the squad's leaders are told."""
    rules = ClaimRules.current()
    shift = claim.shift
    own = getattr(actor, "pk", None) == claim.member.user_id
    if not own and not may_release_late(actor, claim):
        raise NotAllowed(_("You may release only your own shifts, or those of your squad."))
    deadline = shift.starts_at - dt.timedelta(hours=rules.release_deadline_hours)
    if timezone.now() > deadline and not may_release_late(actor, claim):
        raise ClaimRefused(
            _("It is less than %(hours)d hours to the start: ask your squad leader to release you.")
            % {"hours": rules.release_deadline_hours},
            code="too_late_to_release",
        )
    if shift.starts_at <= timezone.now():
        raise ClaimRefused(
            _("This shift has started; it can no longer be released."), code="shift_started"
        )
    _release(claim=claim, actor=actor, reason=reason, told=not own, by_self=own)
    claim.refresh_from_db()
    return claim


def _release(*, claim: Claim, actor: Any, reason: str, told: bool, by_self: bool) -> None:
    shift = claim.shift
    with transaction.atomic():
        _lock(shift)
        released = Claim.objects.filter(pk=claim.pk, status=Claim.Status.ACTIVE).update(
            status=Claim.Status.RELEASED,
            released_at=timezone.now(),
            released_by=actor if getattr(actor, "pk", None) else None,
            release_reason=reason[:200],
        )
        if released != 1:
            raise ClaimRefused(_("This place was released already."), code="already_released")
        Shift.objects.filter(pk=shift.pk).update(taken=F("taken") - 1, updated_at=timezone.now())
        audit.record(
            actor=actor,
            action="shifts.claim.released",
            target=claim,
            data={"shift": shift.pk, "member": claim.member_id, "reason": reason},
        )
        if told:
            with translation.override(claim.member.user.language):
                tell(
                    claim.member,
                    _("Taken off a patrol: %(shift)s") % {"shift": shift},
                    _("%(actor)s took you off %(shift)s, %(when)s. %(reason)s")
                    % {"actor": actor, "shift": shift, "when": when(shift), "reason": reason},
                )
        promoted = promote_next(shift=shift)
        after = Shift.objects.select_related("squad").get(pk=shift.pk)
        if by_self and promoted is None and after.squad is not None and after.is_under_minimum:
            name = claim.member.name
            tell_leaders(
                after.squad,
                lambda: (
                    _("A patrol is short of people: %(shift)s") % {"shift": after},
                    _("%(name)s released %(shift)s, %(when)s. It now has %(n)d of the %(min)d "
                      "people it needs.") % {"name": name or _("A member"), "shift": after,
                                            "when": when(after),
                                            "n": after.taken, "min": after.min_people},
                ),
            )  # fmt: skip


def withdraw(*, member: Member, actor: Any) -> int:
    """A member who stops being active (suspended, gone, erased) leaves every patrol that has not
    started and every waiting list; their places go to those waiting. Returns the places freed."""
    now = timezone.now()
    freed = 0
    with transaction.atomic():
        for claim in (
            Claim.objects.active()
            .filter(member=member, shift__starts_at__gt=now)
            .select_related("shift", "member__user")
        ):
            _release(
                claim=claim,
                actor=actor,
                reason=_("Membership no longer active."),
                told=False,
                by_self=True,
            )
            freed += 1
        WaitlistEntry.objects.filter(member=member, status=WaitlistEntry.Status.WAITING).update(
            status=WaitlistEntry.Status.LEFT
        )
    return freed


def promote_next(*, shift: Shift) -> Claim | None:
    """Give a free place to the first on the waiting list who may still take it."""
    shift = _lock(shift)
    if shift.is_full or shift.is_cancelled or shift.starts_at <= timezone.now():
        return None
    for entry in (
        WaitlistEntry.objects.select_for_update()
        .filter(shift=shift, status=WaitlistEntry.Status.WAITING)
        .select_related("member__user")
    ):
        member = entry.member
        try:
            check_claim(shift=shift, member=member)
        except ClaimRefused as refusal:
            entry.status = WaitlistEntry.Status.LEFT
            entry.save(update_fields=["status"])
            with translation.override(member.user.language):
                tell(
                    member,
                    _("No place for you after all: %(shift)s") % {"shift": shift},
                    _("A place freed up on %(when)s, but it cannot be yours: %(reason)s")
                    % {"when": when(shift), "reason": refusal.message},
                )
            continue
        taken = Shift.objects.filter(
            pk=shift.pk, taken__lt=F("capacity"), status=Shift.Status.SCHEDULED
        ).update(taken=F("taken") + 1, updated_at=timezone.now())
        if taken != 1:
            return None
        claim = Claim.objects.create(shift=shift, member=member, source=Claim.Source.WAITLIST)
        entry.status = WaitlistEntry.Status.PROMOTED
        entry.save(update_fields=["status"])
        audit.record(
            actor=None,
            action="shifts.claim.promoted",
            target=claim,
            data={"shift": shift.pk, "member": member.pk},
        )
        with translation.override(member.user.language):
            tell(
                member,
                _("You got a place: %(shift)s") % {"shift": shift},
                _("A place freed up and it is yours: %(shift)s, %(when)s. Release it in Yixun if you "
                  "cannot go.") % {"shift": shift, "when": when(shift)},
            )  # fmt: skip
        schedule_reminders(claim)
        return claim
    return None


def reserve_for_squad(*, shifts: Iterable[Shift], squad: Squad, actor: Any) -> int:
    """A squad claims shifts (a whole day, or a set) to fill them with its own members.

    Only open shifts nobody has claimed a place on yet: a squad does not take over people who
    signed up for an open shift, nor the association's online moderation duty."""
    if not may_manage_squad(actor, squad):
        raise NotAllowed(_("You may claim shifts only for your own squad."))
    reserved = 0
    with transaction.atomic():
        for shift in shifts:
            if shift.is_cancelled or shift.starts_at <= timezone.now():
                continue
            updated = (
                Shift.objects.filter(
                    pk=shift.pk,
                    squad__isnull=True,
                    taken=0,
                    status=Shift.Status.SCHEDULED,
                    starts_at__gt=timezone.now(),
                )
                .exclude(kind=Shift.Kind.MODERATION)
                .update(squad=squad, updated_at=timezone.now())
            )
            if updated:
                reserved += 1
                audit.record(
                    actor=actor,
                    action="shifts.shift.reserved",
                    target=shift,
                    data={"squad": squad.name},
                )
    return reserved


def unreserve(*, shift: Shift, actor: Any) -> Shift:
    """Give a squad's shift back to everyone; whoever is on it stays on it."""
    if shift.squad is None:
        return shift
    if not may_manage_squad(actor, shift.squad) and not has_role(actor, Role.OFFICER):
        raise NotAllowed(_("You may give back only your own squad's shifts."))
    with transaction.atomic():
        squad = shift.squad
        Shift.objects.filter(pk=shift.pk).update(squad=None, updated_at=timezone.now())
        audit.record(
            actor=actor, action="shifts.shift.unreserved", target=shift, data={"squad": squad.name}
        )
    shift.refresh_from_db()
    return shift


def schedule_reminders(claim: Claim) -> None:
    """Queue the reminders (the evening before, and shortly before the start). Each names the
    shift's version; a reminder for a shift that changed or a place released does nothing."""
    rules = ClaimRules.current()
    shift = claim.shift
    start = timezone.localtime(shift.starts_at)
    evening = timezone.make_aware(
        dt.datetime.combine(start.date() - dt.timedelta(days=1), rules.remind_evening_at)
    )
    shortly = shift.starts_at - dt.timedelta(minutes=rules.remind_minutes_before)
    now = timezone.now()
    for at, kind in ((evening, "evening"), (shortly, "soon")):
        if at > now:
            remind.using(run_after=at).enqueue(claim.pk, shift.sequence, kind)
