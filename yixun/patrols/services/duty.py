"""Check-in, check-out, no-shows and hours: every step audited, every resend harmless."""

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yixun.accounts.roles import Role, has_role
from yixun.audit import services as audit
from yixun.lib import geo
from yixun.members.models import Member, squads_led_by
from yixun.patrols.models import Duty, DutyRules, HoursCorrection
from yixun.patrols.services import places
from yixun.patrols.services.errors import Conflict, DutyRefused, NotAllowed
from yixun.patrols.tasks import close_shift
from yixun.places.models import Site
from yixun.shifts.models import Claim, Shift

# A phone's clock may run a little ahead of ours; a time further ahead than this is wrong.
CLOCK_SKEW = dt.timedelta(minutes=2)


def may_lead(user: Any, shift: Shift) -> bool:
    """Officers lead every shift. A squad's shift is led by that squad's leader or deputies; a
    shift of no squad by the leaders of the squads whose members hold places on it (not by a
    leader who merely holds a place there)."""
    if has_role(user, Role.OFFICER):
        return True
    led = squads_led_by(user)
    if shift.squad_id:
        return led.filter(pk=shift.squad_id).exists()
    return (
        Claim.objects.active()
        .filter(shift=shift, member__squad__in=led)
        .exclude(member__user=user)
        .exists()
    )


def may_manage(user: Any, member: Member, shift: Shift) -> bool:
    """Whether this person may check a member in or out by hand: an officer, the leader of the
    shift's squad, or the member's own leader on a shift they lead."""
    if has_role(user, Role.OFFICER):
        return True
    led = squads_led_by(user)
    if shift.squad_id and led.filter(pk=shift.squad_id).exists():
        return True
    return member.squad_id is not None and led.filter(pk=member.squad_id).exists()


def when(at: dt.datetime | None) -> dt.datetime:
    """The time a thing happened, as a phone sent it: now if not given, never ahead of now."""
    now = timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at):
        raise DutyRefused(_("Give the time with its time zone."), code="naive_time")
    if at > now + CLOCK_SKEW:
        raise DutyRefused(_("That time is in the future."), code="future")
    return min(at, now)


def _open_window(shift: Shift, rules: DutyRules) -> tuple[dt.datetime, dt.datetime]:
    return shift.starts_at - dt.timedelta(minutes=rules.open_minutes_before), shift.ends_at


def _existing(model: type[Any], field: str, key: uuid.UUID | None, user: Any) -> Any:
    """The row a resend with the same idempotency key already made, if it was this person's."""
    if key is None:
        return None
    found = model.objects.filter(**{field: key}).first()
    if found is None:
        return None
    owner_ids = {getattr(found, "checked_in_by_id", None), getattr(found, "asked_by_id", None)}
    if isinstance(found, Duty):
        owner_ids |= {found.member.user_id, found.checked_out_by_id}
    if user.pk not in owner_ids:
        raise Conflict(_("This idempotency key was used for something else."), code="key_reused")
    return found


def open_claims(member: Member, at: dt.datetime | None = None) -> list[Claim]:
    """The member's places on shifts open for check-in now (soonest first)."""
    rules = DutyRules.current()
    now = at or timezone.now()
    early = dt.timedelta(minutes=rules.open_minutes_before)
    claims = list(
        Claim.objects.active()
        .filter(
            member=member,
            shift__status=Shift.Status.SCHEDULED,
            shift__starts_at__lte=now + early,
            shift__ends_at__gt=now,
        )
        .filter(Q(duty__isnull=True) | Q(duty__status=Duty.Status.ON_DUTY))
        .order_by("shift__starts_at")
    )
    # The shifts and their places apart: PostgreSQL spent longer planning the seven tables
    # joined in one query than answering it, on every duty page.
    shifts = Shift.objects.select_related("site__area", "route__area", "area").in_bulk(
        {claim.shift_id for claim in claims}
    )
    for claim in claims:
        claim.shift, claim.member = shifts[claim.shift_id], member
    return claims


def claim_for_site(member: Member, site: Site) -> Claim:
    """The claim a scan of this site's poster checks the member in for, or a refusal that says
    why not: no shift now, or a shift somewhere else."""
    claims = open_claims(member)
    if not claims:
        raise DutyRefused(
            _("You have no shift open for check-in now. Check-in opens shortly before the start."),
            code="no_shift_now",
        )
    for claim in claims:
        if site in places.sites_of(claim.shift):
            return claim
    raise DutyRefused(
        _("This is the code of %(site)s. Your shift is at %(place)s: scan the code there.")
        % {"site": site.name, "place": claims[0].shift.place_name},
        code="wrong_site",
    )


def check_in(
    *,
    claim: Claim,
    actor: Any,
    method: str,
    at: dt.datetime | None = None,
    token: str = "",
    point: geo.Point | None = None,
    reason: str = "",
    key: uuid.UUID | None = None,
) -> tuple[Duty, bool]:
    """Begin a member's duty on their shift. Returns the duty and whether it is new: a resend
    (the same key) or a second scan finds the duty that is there already."""
    if (found := _existing(Duty, "check_in_key", key, actor)) is not None:
        return found, False
    rules = DutyRules.current()
    shift = claim.shift
    member = claim.member
    at = when(at)
    if method == Duty.CheckIn.LEADER:
        if not may_manage(actor, member, shift) or member.user_id == actor.pk:
            raise NotAllowed(_("Only the member's leader may check them in by hand."))
        if not reason.strip():
            raise DutyRefused(_("Say why you check the member in by hand."), code="reason_needed")
    elif member.user_id != actor.pk:
        raise NotAllowed(_("Volunteers check themselves in."))
    if claim.status != Claim.Status.ACTIVE or shift.is_cancelled:
        raise DutyRefused(_("This place is no longer yours."), code="not_on_shift")
    opens, closes = _open_window(shift, rules)
    if at < opens:
        raise DutyRefused(
            _("Check-in opens at %(time)s.") % {"time": f"{timezone.localtime(opens):%H:%M}"},
            code="too_early",
        )
    if at >= closes:
        raise DutyRefused(_("This shift is over."), code="over")
    distance: float | None = None
    if shift.kind == Shift.Kind.MODERATION and method != Duty.CheckIn.LEADER:
        method = Duty.CheckIn.ONLINE  # online moderation duty has no place to be at
    elif method == Duty.CheckIn.QR:
        sites = places.sites_of(shift)
        site = next((s for s in sites if s.qr_token == token), None)
        if site is None:
            other = Site.objects.filter(qr_token=token).first() if token else None
            raise DutyRefused(
                _("This is the code of %(site)s. Your shift is at %(place)s: scan the code there.")
                % {"site": other.name if other else _("another site"), "place": shift.place_name},
                code="wrong_site",
            )
        if point is not None:
            distance = geo.distance_m(point, site.point)
    elif method == Duty.CheckIn.GPS:
        if point is None:
            raise DutyRefused(_("Your phone did not give a position."), code="no_position")
        distance = places.distance_from(shift, point)
        if distance is None:
            raise DutyRefused(
                _("%(place)s has no position on the map: scan the site's code instead.")
                % {"place": shift.place_name},
                code="no_place_position",
            )
        if distance > rules.radius_m:
            raise DutyRefused(
                _("You are %(distance)s m from %(place)s. Come within %(radius)s m to check in.")
                % {
                    "distance": f"{distance:,.0f}",
                    "place": shift.place_name,
                    "radius": rules.radius_m,
                },
                code="too_far",
            )
    elif method != Duty.CheckIn.LEADER:
        raise DutyRefused(_("Unknown way of checking in."), code="invalid")
    if method == Duty.CheckIn.ONLINE:
        point = None
    late = int((at - shift.starts_at).total_seconds() // 60)
    try:
        with transaction.atomic():
            Claim.objects.select_for_update().filter(pk=claim.pk).first()
            if (duty := Duty.objects.filter(claim=claim).first()) is not None:
                if duty.status == Duty.Status.NO_SHOW:
                    raise DutyRefused(_("This shift is closed."), code="closed")
                return duty, False
            duty = Duty.objects.create(
                claim=claim,
                shift=shift,
                member=member,
                squad=member.squad,
                area=places.area_of(shift),
                checked_in_at=at,
                check_in_method=method,
                latitude=Decimal(f"{point[0]:.6f}") if point else None,
                longitude=Decimal(f"{point[1]:.6f}") if point else None,
                distance_m=round(distance) if distance is not None else None,
                checked_in_by=actor,
                manual_reason=reason.strip()[:200],
                late_minutes=late if late > rules.late_after_minutes else 0,
                check_in_key=key,
            )
            audit.record(
                actor=actor,
                action="patrols.duty.checked_in",
                target=duty,
                data={"method": method, "late_minutes": duty.late_minutes, "reason": reason[:200]},
            )
            transaction.on_commit(lambda: schedule_closing(shift))
    except IntegrityError:  # the same key or the same claim, sent twice at once
        duty = Duty.objects.get(Q(claim=claim) | Q(check_in_key=key) if key else Q(claim=claim))
        return duty, False
    return duty, True


def check_out(
    *, duty: Duty, actor: Any, at: dt.datetime | None = None, key: uuid.UUID | None = None
) -> Duty:
    """End a duty and credit its service minutes. Checking out twice changes nothing."""
    is_self = _may_check_out(duty, actor)
    at = when(at)
    rules = DutyRules.current()
    if key is not None and Duty.objects.filter(check_out_key=key).exclude(pk=duty.pk).exists():
        raise Conflict(_("This idempotency key was used for something else."), code="key_reused")
    with transaction.atomic():
        locked = Duty.objects.select_for_update().select_related("shift").get(pk=duty.pk)
        if locked.status != Duty.Status.ON_DUTY:
            return locked
        at = max(at, locked.checked_in_at or at)
        _close(
            locked,
            at=at,
            actor=actor,
            rules=rules,
            method=Duty.CheckOut.SELF if is_self else Duty.CheckOut.LEADER,
            key=key,
        )
    return locked


def _may_check_out(duty: Duty, actor: Any) -> bool:
    """Whether the actor may end this duty (else NotAllowed); True when it is their own."""
    is_self = bool(duty.member.user_id == actor.pk)
    if not is_self and not may_manage(actor, duty.member, duty.shift):
        raise NotAllowed(_("Only the volunteer or their leader may check them out."))
    return is_self


def check_out_preview(
    *, duty: Duty, actor: Any, at: dt.datetime | None = None
) -> tuple[dt.datetime, int]:
    """What a check-out now (or at `at`) would do: its time and the minutes it would credit.
    The confirmation before ending a duty early shows these; `check_out` credits the same.
    Asked only by someone who may check the duty out."""
    _may_check_out(duty, actor)
    at = max(when(at), duty.checked_in_at or timezone.now())
    return at, _minutes(duty, at, DutyRules.current())


def ends_early(duty: Duty, at: dt.datetime | None = None) -> bool:
    """Whether a check-out now would end an open duty before its shift's end: that is asked
    first, because check-in on the shift is closed afterwards."""
    return duty.status == Duty.Status.ON_DUTY and (at or timezone.now()) < duty.shift.ends_at


def _minutes(duty: Duty, at: dt.datetime, rules: DutyRules) -> int:
    return rules.service_minutes(
        start=duty.checked_in_at or at, end=at, shift_minutes=int(duty.shift.hours * 60)
    )


def _close(
    duty: Duty,
    *,
    at: dt.datetime,
    actor: Any,
    rules: DutyRules,
    method: str,
    key: uuid.UUID | None = None,
) -> None:
    duty.status = Duty.Status.DONE
    duty.checked_out_at = at
    duty.check_out_method = method
    duty.checked_out_by = actor if getattr(actor, "is_authenticated", False) else None
    duty.check_out_key = key
    duty.minutes = _minutes(duty, at, rules)
    duty.save(
        update_fields=[
            "status",
            "checked_out_at",
            "check_out_method",
            "checked_out_by",
            "check_out_key",
            "minutes",
        ]
    )
    audit.record(
        actor=actor,
        action="patrols.duty.checked_out",
        target=duty,
        data={"method": method, "minutes": duty.minutes},
    )


def schedule_closing(shift: Shift) -> None:
    rules = DutyRules.current()
    close_shift.using(run_after=shift.ends_at + rules.grace).enqueue(shift.pk)


def close_overdue(*, now: dt.datetime | None = None, shift: Shift | None = None) -> tuple[int, int]:
    """Close the duties still open after their shift's end and grace period (at the shift's
    end, flagged), and record a no-show for each place claimed but never checked in.
    Returns (closed, no-shows). Safe to run any number of times, from any number of workers."""
    now = now or timezone.now()
    rules = DutyRules.current()
    due = now - rules.grace
    open_duties = Duty.objects.on_duty().filter(shift__ends_at__lte=due).select_related("shift")
    # Only recent shifts: places claimed before duty was recorded are history, not no-shows.
    missing = (
        Claim.objects.active()
        .filter(
            duty__isnull=True,
            shift__status=Shift.Status.SCHEDULED,
            shift__ends_at__lte=due,
            shift__ends_at__gt=due - dt.timedelta(days=7),
        )
        .select_related("shift", "member")
    )
    if shift is not None:
        open_duties = open_duties.filter(shift=shift)
        missing = missing.filter(shift=shift)
    closed = absent = 0
    for duty in open_duties:
        with transaction.atomic():
            locked = Duty.objects.select_for_update().select_related("shift").get(pk=duty.pk)
            if locked.status != Duty.Status.ON_DUTY:
                continue
            _close(
                locked,
                at=max(locked.shift.ends_at, locked.checked_in_at or locked.shift.ends_at),
                actor=None,
                rules=rules,
                method=Duty.CheckOut.AUTO,
            )
            closed += 1
    for claim in missing:
        try:
            with transaction.atomic():
                duty = Duty.objects.create(
                    claim=claim,
                    shift=claim.shift,
                    member=claim.member,
                    squad=claim.member.squad,
                    area=places.area_of(claim.shift),
                    status=Duty.Status.NO_SHOW,
                )
                audit.record(actor=None, action="patrols.duty.no_show", target=duty)
                absent += 1
        except IntegrityError:  # another worker recorded it first
            continue
    return closed, absent


def ask_correction(
    *, duty: Duty, actor: Any, minutes: int, reason: str, key: uuid.UUID | None = None
) -> HoursCorrection:
    """A volunteer asks for their hours on a duty to be set to `minutes`, with a reason."""
    if (found := _existing(HoursCorrection, "key", key, actor)) is not None:
        return found
    if duty.member.user_id != actor.pk:
        raise NotAllowed(_("Only the volunteer asks for their own hours to be corrected."))
    if duty.status == Duty.Status.ON_DUTY:
        raise DutyRefused(_("Check out first; then ask for a correction."), code="on_duty")
    if not reason.strip():
        raise DutyRefused(_("Say why the hours are wrong."), code="reason_needed")
    longest = int(duty.shift.hours * 60) + DutyRules.current().grace_minutes
    if not 0 <= minutes <= longest:
        raise DutyRefused(
            _("Ask for between 0 and %(most)s minutes: the shift's length and the grace period.")
            % {"most": longest},
            code="out_of_range",
        )
    try:
        with transaction.atomic():
            correction = HoursCorrection.objects.create(
                duty=duty,
                minutes_before=duty.minutes,
                minutes_asked=minutes,
                reason=reason.strip()[:300],
                asked_by=actor,
                key=key,
            )
            audit.record(
                actor=actor,
                action="patrols.hours_correction.asked",
                target=correction,
                data={"minutes_before": duty.minutes, "minutes_asked": minutes},
            )
    except IntegrityError:
        raise Conflict(
            _("You have asked for a correction of this duty already; wait for the answer."),
            code="pending",
        ) from None
    return correction


def decide_correction(
    *, correction: HoursCorrection, actor: Any, approve: bool, answer: str = ""
) -> HoursCorrection:
    """The leader approves (the duty's minutes change) or refuses a correction."""
    duty = correction.duty
    if not may_lead(actor, duty.shift) or duty.member.user_id == actor.pk:
        raise NotAllowed(_("Only the member's leader may decide on their hours."))
    with transaction.atomic():
        locked = HoursCorrection.objects.select_for_update().get(pk=correction.pk)
        if locked.status != HoursCorrection.Status.PENDING:
            raise Conflict(_("This request has been answered already."), code="answered")
        locked.status = (
            HoursCorrection.Status.APPROVED if approve else HoursCorrection.Status.REFUSED
        )
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.answer = answer.strip()[:300]
        locked.save(update_fields=["status", "decided_by", "decided_at", "answer"])
        if approve:
            fields = ["minutes"]
            duty.minutes = locked.minutes_asked
            if duty.status == Duty.Status.NO_SHOW:  # they came after all: the leader says so
                duty.status = Duty.Status.DONE
                duty.checked_in_at = duty.shift.starts_at
                duty.checked_out_at = duty.shift.starts_at + dt.timedelta(minutes=duty.minutes)
                duty.check_in_method = Duty.CheckIn.LEADER
                duty.check_out_method = Duty.CheckOut.LEADER
                duty.manual_reason = locked.reason[:200]
                fields += [
                    "status",
                    "checked_in_at",
                    "checked_out_at",
                    "check_in_method",
                    "check_out_method",
                    "manual_reason",
                ]
            duty.save(update_fields=fields)
        audit.record(
            actor=actor,
            action="patrols.hours_correction.approved"
            if approve
            else "patrols.hours_correction.refused",
            target=locked,
            data={"minutes_before": locked.minutes_before, "minutes_asked": locked.minutes_asked},
        )
    return locked
