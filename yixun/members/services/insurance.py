"""Group accident insurance: policies, who they cover, and reminders before they end."""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yixun.audit import services as audit
from yixun.members.models import Coverage, InsurancePolicy, Member
from yixun.members.services.errors import MembershipConflict, MembershipError
from yixun.members.services.roster import _require_officer

# Officers are told this many days before a policy ends.
REMINDER_DAYS = (30, 7)


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
    with transaction.atomic():
        taken = InsurancePolicy.objects.filter(number=number.strip())
        if policy is not None:
            taken = taken.exclude(pk=policy.pk)
        if taken.exists():
            raise MembershipConflict(
                _("A policy with this number exists already."), code="policy_number_taken"
            )
        creating = policy is None
        policy = policy or InsurancePolicy(created_by=actor)
        policy.insurer, policy.number = insurer.strip(), number.strip()
        policy.starts_on, policy.ends_on = starts_on, ends_on
        policy.sum_insured, policy.notes = sum_insured, notes
        policy.save()
        audit.record(
            actor=actor,
            action="members.policy.created" if creating else "members.policy.changed",
            target=policy,
            data={"starts_on": str(starts_on), "ends_on": str(ends_on)},
        )
        schedule_reminders(policy)
    return policy


def schedule_reminders(policy: InsurancePolicy) -> None:
    """Queue the "policy ends soon" messages to officers. Each carries the end date it was
    queued for and does nothing if the policy has since changed."""
    from yixun.members.tasks import remind_policy_ending

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
        Coverage.objects.bulk_create(new)
        if new:
            audit.record(
                actor=actor,
                action="members.policy.members_added",
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
                action="members.policy.member_removed",
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
