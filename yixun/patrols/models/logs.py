import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yixun.accounts.roles import Role, has_role
from yixun.members.models import Member, squads_led_by


class LogStatus(models.TextChoices):
    OPEN = "open", _("Open")
    APPROVED = "approved", _("Approved")


class LogQuerySet(models.QuerySet["PatrolLog"]):
    def visible_to(self, user: Any) -> "LogQuerySet":
        """Officers and police liaisons read every log; a leader the logs of their squad's shifts
        and of shifts their members were on; a volunteer the logs of shifts they were on."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if has_role(user, Role.OFFICER) or has_role(user, Role.POLICE):
            return self.all()
        led = squads_led_by(user).values("pk")
        return self.filter(
            Q(shift__claims__member__user=user)
            | Q(shift__squad__in=led)
            | Q(shift__claims__member__squad__in=led)
        ).distinct()


class PatrolLog(models.Model):
    """What one shift's patrol did: its inspections and incidents, and the leader's summary.
    Once approved it is corrected only through a `LogCorrection`, which keeps the original."""

    Status = LogStatus

    shift = models.OneToOneField(
        "shifts.Shift", on_delete=models.PROTECT, related_name="log", verbose_name=_("shift")
    )
    squad = models.ForeignKey(
        "members.Squad", null=True, blank=True, on_delete=models.SET_NULL, related_name="logs"
    )
    area = models.ForeignKey(
        "places.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="logs"
    )
    summary = models.TextField(_("summary"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = LogQuerySet.as_manager()

    class Meta:
        verbose_name = _("patrol log")
        verbose_name_plural = _("patrol logs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return str(self.shift)

    @property
    def is_approved(self) -> bool:
        return self.status == LogStatus.APPROVED


class EntryQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any) -> "EntryQuerySet":
        """Inspections and incidents: officers and police liaisons see all; a leader those of
        their squad and their squad's shifts; a volunteer those of shifts they were on."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if has_role(user, Role.OFFICER) or has_role(user, Role.POLICE):
            return self.all()
        led = squads_led_by(user).values("pk")
        mine = PatrolLog.objects.filter(shift__claims__member__user=user).values("pk")
        return self.filter(Q(squad__in=led) | Q(log__shift__squad__in=led) | Q(log__in=mine))


class Entry(models.Model):
    """What inspections and incidents share: who recorded it, when it happened, where it counts."""

    log = models.ForeignKey(PatrolLog, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField(_("when"))
    recorded_by = models.ForeignKey(
        Member,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    # Who sent it (an officer may have no membership): a resend's key must be theirs.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Copied from the log, so that the figures filter one table, not three.
    squad = models.ForeignKey(
        "members.Squad", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    area = models.ForeignKey(
        "places.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The sender's idempotency key: a resend from a phone that lost signal finds this row.
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    objects = EntryQuerySet.as_manager()

    class Meta:
        abstract = True


class Finding(models.TextChoices):
    NORMAL = "normal", _("All normal")
    HAZARD = "hazard", _("Hazard found")
    ADVICE = "advice", _("Advice given for correction")


class Inspection(Entry):
    """A site inspection (巡查场所)."""

    Finding = Finding

    log = models.ForeignKey(PatrolLog, on_delete=models.PROTECT, related_name="inspections")
    site = models.ForeignKey(
        "places.Site", on_delete=models.PROTECT, related_name="inspections", verbose_name=_("site")
    )
    finding = models.CharField(
        _("finding"), max_length=10, choices=Finding.choices, default=Finding.NORMAL
    )
    note = models.TextField(_("note"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("site inspection")
        verbose_name_plural = _("site inspections")
        ordering = ["occurred_at", "pk"]
        indexes = [models.Index(fields=["occurred_at"], name="inspection_occurred_idx")]

    def __str__(self) -> str:
        return f"{self.site} · {self.get_finding_display()}"


class IncidentKind(models.TextChoices):
    ACCIDENT_SETTLED = "accident", _("Traffic accident settled")
    PERSON_HELPED = "rescue", _("Person helped or rescued")
    DISPUTE_MEDIATED = "dispute", _("Dispute mediated")
    POLICE_ASSISTED = "police", _("Police assisted")
    PUBLICITY = "publicity", _("Safety publicity")
    HAZARD = "hazard", _("Hazard reported")
    OTHER = "other", _("Other")


class Incident(Entry):
    """Something the patrol dealt with. Counts are numbers, so the figures can add them up."""

    Kind = IncidentKind

    log = models.ForeignKey(PatrolLog, on_delete=models.PROTECT, related_name="incidents")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    place = models.CharField(_("place"), max_length=200, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    account = models.TextField(_("what happened"), max_length=2000)
    people_helped = models.PositiveIntegerField(_("people helped"), default=0)
    leaflets = models.PositiveIntegerField(_("leaflets handed out"), default=0)
    people_reached = models.PositiveIntegerField(_("people reached"), default=0)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["occurred_at", "pk"]
        indexes = [models.Index(fields=["occurred_at", "kind"], name="incident_occurred_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {timezone.localtime(self.occurred_at):%m-%d %H:%M}"


def photo_path(instance: object, filename: str) -> str:
    # A random name: the path says nothing of who or where, and cannot be guessed.
    return f"patrols/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.jpg"


class Photo(models.Model):
    """A photo for a log, an inspection or an incident: re-encoded, without EXIF or GPS."""

    log = models.ForeignKey(PatrolLog, on_delete=models.PROTECT, related_name="photos")
    inspection = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.SET_NULL, related_name="photos"
    )
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="photos"
    )
    image = models.ImageField(upload_to=photo_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.caption or f"photo {self.pk}"


class LogCorrection(models.Model):
    """A change to an approved log: what was there and what it became, who and why."""

    log = models.ForeignKey(PatrolLog, on_delete=models.PROTECT, related_name="corrections")
    inspection = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    reason = models.CharField(_("reason"), max_length=300)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    corrected_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("log correction")
        verbose_name_plural = _("log corrections")
        ordering = ["corrected_at", "pk"]

    def __str__(self) -> str:
        return f"{self.log}: {self.reason}"
