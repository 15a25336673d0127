import datetime as dt
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from yixun.lib import generations


class Rounding(models.TextChoices):
    DOWN = "down", _("Down")
    NEAREST = "nearest", _("To the nearest")
    UP = "up", _("Up")


class DutyRules(models.Model):
    """How duty is checked and counted, one row, editable by officers."""

    Rounding = Rounding

    radius_m = models.PositiveIntegerField(
        _("check-in radius (m)"),
        default=200,
        help_text=_("How far from the site, route or area a volunteer may check in by GPS."),
    )
    open_minutes_before = models.PositiveSmallIntegerField(
        _("check-in opens (minutes before the start)"), default=30
    )
    late_after_minutes = models.PositiveSmallIntegerField(
        _("late after (minutes past the start)"), default=10
    )
    grace_minutes = models.PositiveSmallIntegerField(
        _("grace period (minutes after the end)"),
        default=30,
        help_text=_(
            "Hours count up to the shift's end plus this; a duty still open then is closed "
            "and flagged."
        ),
    )
    round_to_minutes = models.PositiveSmallIntegerField(
        _("round hours to (minutes)"),
        default=15,
        choices=[(1, "1"), (5, "5"), (10, "10"), (15, "15"), (30, "30"), (60, "60")],
    )
    rounding = models.CharField(
        _("rounding"), max_length=8, choices=Rounding.choices, default=Rounding.NEAREST
    )

    class Meta:
        verbose_name = _("duty rules")
        verbose_name_plural = _("duty rules")

    def __str__(self) -> str:
        return str(_("duty rules"))

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        generations.renew(self._meta.label)

    @classmethod
    def current(cls) -> "DutyRules":
        return generations.one_row(cls)

    @property
    def grace(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.grace_minutes)

    def service_minutes(self, *, start: dt.datetime, end: dt.datetime, shift_minutes: int) -> int:
        """Minutes of service between check-in and check-out: rounded as the officers set, and
        never more than the shift's length plus the grace period."""
        worked = max(0, int((end - start).total_seconds() // 60))
        step = max(1, self.round_to_minutes)
        whole, rest = divmod(worked, step)
        if (self.rounding == Rounding.UP and rest) or (
            self.rounding == Rounding.NEAREST and rest * 2 >= step
        ):
            whole += 1
        rounded = whole * step
        # Rounding evens out the minutes; it never erases a duty. With coarse rules (an hour to
        # the nearest, or half hours down) a volunteer who served 24 minutes was credited none:
        # a duty shorter than one step counts the whole minutes served.
        if rounded == 0:
            rounded = worked
        # Rounded first, then capped: rounding never lifts hours past the cap.
        return min(rounded, shift_minutes + self.grace_minutes)
