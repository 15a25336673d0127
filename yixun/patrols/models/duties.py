import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yixun.accounts.roles import Role, has_role
from yixun.members.models import Member, squads_led_by
from yixun.patrols.models.rules import DutyRules


class DutyStatus(models.TextChoices):
    ON_DUTY = "on_duty", _("On duty")
    DONE = "done", _("Done")
    NO_SHOW = "no_show", _("Did not come")


class CheckInMethod(models.TextChoices):
    QR = "qr", _("Scanned the site's code")
    GPS = "gps", _("By position")
    LEADER = "leader", _("By the leader")
    ONLINE = "online", _("Online duty")


class CheckOutMethod(models.TextChoices):
    SELF = "self", _("By the volunteer")
    LEADER = "leader", _("By the leader")
    AUTO = "auto", _("Closed automatically")


class DutyQuerySet(models.QuerySet["Duty"]):
    def visible_to(self, user: Any) -> "DutyQuerySet":
        """Officers and police liaisons see every duty (they coordinate with the patrols); a
        leader their squad's duties and those on their squad's shifts; a volunteer their own."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if has_role(user, Role.OFFICER) or has_role(user, Role.POLICE):
            return self.all()
        led = squads_led_by(user).values("pk")
        return self.filter(Q(member__user=user) | Q(squad__in=led) | Q(shift__squad__in=led))

    def counted(self) -> "DutyQuerySet":
        """Duties that were done: the ones that count in hours and figures."""
        return self.filter(status=DutyStatus.DONE)

    def on_duty(self) -> "DutyQuerySet":
        return self.filter(status=DutyStatus.ON_DUTY)

    def on_duty_now(self) -> "DutyQuerySet":
        """On duty now: open, and not past the shift's end and grace (those are about to be
        closed automatically)."""
        grace = DutyRules.current().grace
        return self.on_duty().filter(shift__ends_at__gt=timezone.now() - grace)


class Duty(models.Model):
    """One member's turn of duty on a shift: from check-in to check-out, or a no-show.

    The squad and area are copied in when the duty begins, so the figures for a squad or an
    area stay true after a member moves squad or a site moves area.
    """

    Status = DutyStatus
    CheckIn = CheckInMethod
    CheckOut = CheckOutMethod

    claim = models.OneToOneField(
        "shifts.Claim", on_delete=models.PROTECT, related_name="duty", verbose_name=_("claim")
    )
    shift = models.ForeignKey(
        "shifts.Shift", on_delete=models.PROTECT, related_name="duties", verbose_name=_("shift")
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="duties", verbose_name=_("member")
    )
    squad = models.ForeignKey(
        "members.Squad",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duties",
        verbose_name=_("squad"),
    )
    area = models.ForeignKey(
        "places.Area",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duties",
        verbose_name=_("area"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ON_DUTY
    )
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    check_in_method = models.CharField(
        _("checked in by"), max_length=8, choices=CheckIn.choices, blank=True
    )
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    distance_m = models.PositiveIntegerField(
        _("distance from the place (m)"), null=True, blank=True
    )
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    manual_reason = models.CharField(_("reason"), max_length=200, blank=True)
    late_minutes = models.PositiveIntegerField(_("minutes late"), default=0)
    checked_out_at = models.DateTimeField(_("checked out"), null=True, blank=True)
    check_out_method = models.CharField(
        _("checked out by"), max_length=8, choices=CheckOut.choices, blank=True
    )
    checked_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Service minutes credited: set at check-out; changed only by an approved correction.
    minutes = models.PositiveIntegerField(_("minutes of service"), default=0)
    # The idempotency keys of the check-in and check-out: a resend finds the duty, not a new one.
    check_in_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    check_out_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = DutyQuerySet.as_manager()

    class Meta:
        verbose_name = _("duty")
        verbose_name_plural = _("duties")
        ordering = ["-checked_in_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="no_show") | Q(checked_in_at__isnull=False),
                name="duty_checked_in_unless_no_show",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(checked_out_at__isnull=False),
                name="duty_done_has_check_out",
            ),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True)
                | Q(checked_out_at__gte=models.F("checked_in_at")),
                name="duty_check_out_after_check_in",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "checked_in_at"], name="duty_status_in_idx"),
            models.Index(fields=["member", "checked_in_at"], name="duty_member_in_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.shift}"

    @property
    def is_late(self) -> bool:
        return self.late_minutes > 0

    @property
    def is_open(self) -> bool:
        return self.status == DutyStatus.ON_DUTY

    @property
    def is_flagged(self) -> bool:
        """Closed by the system, not by a person: the leader should look at it."""
        return self.check_out_method == CheckOutMethod.AUTO

    @property
    def hours(self) -> float:
        return self.minutes / 60

    @property
    def since(self) -> dt.timedelta | None:
        return timezone.now() - self.checked_in_at if self.checked_in_at else None


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the leader")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class HoursCorrection(models.Model):
    """A volunteer asks for their hours on a duty to be changed; the leader decides. The minutes
    before the change are kept here, so nothing credited is silently rewritten."""

    Status = CorrectionStatus

    duty = models.ForeignKey(Duty, on_delete=models.CASCADE, related_name="corrections")
    minutes_before = models.PositiveIntegerField(_("minutes before"))
    minutes_asked = models.PositiveIntegerField(_("minutes asked for"))
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    asked_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(_("answer"), max_length=300, blank=True)
    key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("hours correction")
        verbose_name_plural = _("hours corrections")
        ordering = ["-asked_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["duty"], condition=Q(status="pending"), name="one_pending_correction"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.duty}: {self.minutes_before} → {self.minutes_asked}"
