"""What waits for a leader or an officer: patrol logs to approve and hours corrections to decide.
The home page counts them; the shift's log page and the hours page are where they are handled."""

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from yixun.accounts.roles import Role, has_role
from yixun.members.models import squads_led_by
from yixun.patrols.models import HoursCorrection, PatrolLog
from yixun.shifts.models import Claim, Shift

# A log older than this is no longer asked for: the duty page asks for the same fortnight.
LOG_WINDOW = dt.timedelta(days=14)


def logs_to_approve(user: Any, now: dt.datetime | None = None) -> QuerySet[Shift]:
    """Shifts of the last fortnight, over and with people on them, whose log this person approves
    and has not: every one for an officer, a leader's squads' for a leader."""
    now = now or timezone.now()
    shifts = (
        Shift.objects.scheduled()
        .filter(ends_at__lte=now, starts_at__gte=now - LOG_WINDOW, taken__gt=0)
        .exclude(log__status=PatrolLog.Status.APPROVED)
    )
    if not has_role(user, Role.OFFICER):
        led = squads_led_by(user).values("pk")
        on_it = Claim.objects.active().filter(member__squad__in=led).values("shift")
        shifts = shifts.filter(Q(squad__in=led) | Q(pk__in=on_it))
    return shifts.order_by("-starts_at")


def corrections_waiting(user: Any) -> QuerySet[HoursCorrection]:
    """Hours corrections this person decides: an officer's, all; a leader's, their squads' (never
    their own request)."""
    pending = HoursCorrection.objects.filter(status=HoursCorrection.Status.PENDING)
    if not has_role(user, Role.OFFICER):
        pending = pending.filter(duty__squad__in=squads_led_by(user).values("pk"))
    return pending.exclude(duty__member__user=user).order_by("asked_at", "pk")
