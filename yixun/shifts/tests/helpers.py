"""What the patrol-calendar tests share: times counted from today, shifts, claims, messages."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from yixun.accounts.models import User
from yixun.audit.models import AuditEntry
from yixun.members.models import Member
from yixun.shifts.models import Claim, Shift, ShiftKind, WaitlistEntry
from yixun.shifts.services import claims, planning


def at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    """Local time on a day counted from today."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def member_of(user: User) -> Member:
    return Member.objects.select_related("user", "squad").get(user=user)


def new_shift(
    officer: User,
    area: object,
    *,
    starts_at: dt.datetime | None = None,
    hours: float = 3,
    kind: str = ShiftKind.PATROL,
    capacity: int = 4,
    min_people: int = 1,
    **extra: object,
) -> Shift:
    starts_at = starts_at or at(3, 9)
    return planning.create_shift(
        actor=officer,
        kind=kind,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=hours),
        area=area if kind != ShiftKind.MODERATION else None,
        min_people=min_people,
        capacity=capacity,
        **extra,
    )


def claim(shift: Shift, user: User) -> Claim | WaitlistEntry:
    return claims.claim_shift(
        shift=Shift.objects.get(pk=shift.pk), member=member_of(user), actor=user
    )


def refreshed(shift: Shift) -> Shift:
    return Shift.objects.get(pk=shift.pk)


def messages_to(outbox: list, user: User) -> list:
    return [message for message in outbox if message.to == user.phone]


def audited(action: str, shift: Shift) -> list[AuditEntry]:
    """The entries of a shift: pointing at it, or at a claim or waiting place on it."""
    return list(
        AuditEntry.objects.filter(action=action)
        .filter(Q(target_type="shifts.shift", target_id=str(shift.pk)) | Q(data__shift=shift.pk))
        .order_by("pk")
    )
