"""Which moderators are on duty now: those holding a place on an online moderation shift
(版主值班) of the patrol calendar that is on now."""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from yixun.accounts.models import User
from yixun.accounts.roles import Role
from yixun.shifts.models import Claim, Shift


def moderators() -> QuerySet[User]:
    return User.objects.filter(is_active=True, role_grants__role=Role.MODERATOR).distinct()


def moderators_on_duty(at: dt.datetime | None = None) -> list[User]:
    now = at or timezone.now()
    on_shift = (
        Claim.objects.active()
        .filter(
            shift__kind=Shift.Kind.MODERATION,
            shift__status=Shift.Status.SCHEDULED,
            shift__starts_at__lte=now,
            shift__ends_at__gt=now,
        )
        .values("member__user")
    )
    return list(moderators().filter(pk__in=on_shift).order_by("pk"))


def is_on_duty(user: Any) -> bool:
    return any(person.pk == user.pk for person in moderators_on_duty())
