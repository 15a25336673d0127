"""Group accident insurance: policies, who they cover, and reminders before they end."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yixun.audit import services as audit
from yixun.members.models import Coverage, InsurancePolicy, Member
from yixun.members.services.errors import MembershipConflict, MembershipError
from yixun.members.services.roster import _require_officer
from yixun.members.tasks import remind_policy_ending

# Officers are told this many days before a policy ends.
REMINDER_DAYS = (30, 7)
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


def save_policy(
    *,
    actor: Any,
    insurer: str,
    number: str,
    starts_on: dt.date,
    ends_on: dt.date,
    sum_insured: Decimal,
    notes: str = "",
    policy: InsurancePolicy | None = None,
) -> InsurancePolicy:
    """Create a policy, or change one; either way the reminders follow its end date."""
    _require_officer(actor)
    if ends_on < starts_on:
        raise MembershipError(_("The cover cannot end before it starts."), code="bad_period")
    if sum_insured <= 0:
        raise MembershipError(_("The sum insured must be more than zero."), code="bad_sum")
    if starts_on < EARLIEST or ends_on > LATEST:
        raise MembershipError(_("Give dates between 2000 and 2100."), code="bad_period")
    try:
        return _save_policy(actor, insurer, number, starts_on, ends_on, sum_insured, notes, policy)
    except IntegrityError:  # another officer saved the same number at that moment
        raise MembershipConflict(
            _("A policy with this number exists already."), code="policy_number_taken"
        ) from None


def _save_policy(
    actor: Any,
    insurer: str,
    number: str,
    starts_on: dt.date,
    ends_on: dt.date,
    sum_insured: Decimal,
    notes: str,
    policy: InsurancePolicy | None,
) -> InsurancePolicy:
    with transaction.atomic():
        taken = InsurancePolicy.objects.filter(number=number.strip())
        if policy is not None:
            taken = taken.exclude(pk=policy.pk)
        if taken.exists():
            raise MembershipConflict(
                _("A policy with this number exists already."), code="policy_number_taken"
            )
        creating = policy is None
        end_changed = policy is None or policy.ends_on != ends_on
        policy = policy or InsurancePolicy(created_by=actor)
        policy.insurer, policy.number = insurer.strip(), number.strip()
        policy.starts_on, policy.ends_on = starts_on, ends_on
        policy.sum_insured, policy.notes = sum_insured, notes
        policy.save()
        audit.record(
            actor=actor,
            action="members.insurance_policy.created"
            if creating
            else "members.insurance_policy.changed",
            target=policy,
            data={"starts_on": str(starts_on), "ends_on": str(ends_on)},
        )
        if end_changed:  # the reminders queued for the old end date do nothing when they come
            schedule_reminders(policy)
    return policy


def schedule_reminders(policy: InsurancePolicy) -> None:
    """Queue the "policy ends soon" messages to officers. Each carries the end date it was
    queued for and does nothing if the policy has since changed."""
    now = timezone.now()
    for days in REMINDER_DAYS:
        day = policy.ends_on - dt.timedelta(days=days)
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
        if at > now:
            remind_policy_ending.using(run_after=at).enqueue(
                policy.pk, policy.ends_on.isoformat(), days
            )


def cover_members(*, policy: InsurancePolicy, members: Iterable[Member], actor: Any) -> int:
    _require_officer(actor)
    wanted = list(members)
    with transaction.atomic():
        existing = set(policy.coverages.values_list("member_id", flat=True))
        new = [Coverage(policy=policy, member=m) for m in wanted if m.pk not in existing]
        # Two officers adding the same squad at once: the second's duplicates are skipped.
        Coverage.objects.bulk_create(new, ignore_conflicts=True)
        if new:
            audit.record(
                actor=actor,
                action="members.insurance_policy.members_added",
                target=policy,
                data={"count": len(new)},
            )
    return len(new)


def uncover_member(*, policy: InsurancePolicy, member: Member, actor: Any) -> None:
    _require_officer(actor)
    with transaction.atomic():
        deleted, _rows = Coverage.objects.filter(policy=policy, member=member).delete()
        if deleted:
            audit.record(
                actor=actor,
                action="members.insurance_policy.member_removed",
                target=policy,
                data={"member": member.pk},
            )


def uncovered_core_members(day: dt.date | None = None) -> Any:
    """Core members with no policy in force on the day: they should not take risky duty."""
    day = day or timezone.localdate()
    return (
        Member.objects.active()
        .filter(kind=Member.Kind.CORE)
        .with_cover_on(day)
        .filter(**{"is_covered": False})  # an annotation
        .select_related("user", "squad")
        .in_pinyin_order()
    )


def lapsing_policies(within_days: int = 30, day: dt.date | None = None) -> Any:
    day = day or timezone.localdate()
    return InsurancePolicy.objects.filter(
        ends_on__gte=day, ends_on__lte=day + dt.timedelta(days=within_days)
    )


def left_without_cover(policies: list[InsurancePolicy]) -> dict[int, int]:
    """For each policy, how many of its members no other policy covers the day after it ends:
    the people its lapse really leaves uninsured (a renewal already in place covers the rest).
    Two queries, however many policies."""
    ends = {policy.pk: policy.ends_on for policy in policies}
    covered = list(
        Coverage.objects.filter(policy_id__in=ends).values_list("policy_id", "member_id")
    )
    periods = defaultdict(list)
    for member_id, policy_id, starts_on, ends_on in Coverage.objects.filter(
        member_id__in={member_id for _policy, member_id in covered}
    ).values_list("member_id", "policy_id", "policy__starts_on", "policy__ends_on"):
        periods[member_id].append((policy_id, starts_on, ends_on))
    left: dict[int, int] = dict.fromkeys(ends, 0)
    for policy_id, member_id in covered:
        after = ends[policy_id] + dt.timedelta(days=1)
        if not any(
            other != policy_id and start <= after <= end for other, start, end in periods[member_id]
        ):
            left[policy_id] += 1
    return left
