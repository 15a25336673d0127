import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yixun.accounts.roles import Role, has_role
from yixun.members.models import Member, Skill, squads_led_by


class ShiftKind(models.TextChoices):
    PATROL = "patrol", _("Patrol")
    SCHOOL_GATE = "school_gate", _("School-gate duty")
    VENUE_CHECK = "venue_check", _("Venue check")
    TRAFFIC = "traffic", _("Traffic enforcement")
    SPECIAL_OPERATION = "special_operation", _("Special operation")
    EVENT_DUTY = "event_duty", _("Event duty")
    MODERATION = "moderation", _("Online moderation duty")


class ShiftStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class ShiftQuerySet(models.QuerySet["Shift"]):
    def scheduled(self) -> "ShiftQuerySet":
        return self.filter(status=ShiftStatus.SCHEDULED)

    def between(self, start: dt.datetime, end: dt.datetime) -> "ShiftQuerySet":
        """Shifts that overlap [start, end)."""
        return self.filter(starts_at__lt=end, ends_at__gt=start)

    def starting_on(self, day: dt.date) -> "ShiftQuerySet":
        """The shifts that start on a calendar day where the association is (a night shift
        belongs to the evening it starts)."""
        start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        return self.filter(starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1))

    def with_places(self) -> "ShiftQuerySet":
        return self.select_related("area", "route", "site", "squad")


class Shift(models.Model):
    """A patrol shift: when, where, what kind, how many people, and who has claimed it."""

    Kind = ShiftKind
    Status = ShiftStatus

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PATROL)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    area = models.ForeignKey(
        "places.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="shifts",
    )
    route = models.ForeignKey(
        "places.Route",
        verbose_name=_("route"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="shifts",
    )
    site = models.ForeignKey(
        "places.Site",
        verbose_name=_("site"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="shifts",
    )
    min_people = models.PositiveSmallIntegerField(_("at least"), default=2)
    capacity = models.PositiveSmallIntegerField(_("at most"), default=4)
    # Places taken; moved only by compare-and-set UPDATEs, so it can never pass capacity.
    taken = models.PositiveSmallIntegerField(default=0, editable=False)
    required_skills = models.JSONField(
        _("skills needed"), default=dict, blank=True
    )  # {"driving": 1}
    squad = models.ForeignKey(
        "members.Squad",
        verbose_name=_("claimed for squad"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="shifts",
    )
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    template = models.ForeignKey(
        "shifts.ShiftTemplate",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="shifts",
    )
    template_key = models.CharField(max_length=60, blank=True, editable=False)
    # Changed by a person since its template made it: the template leaves it alone from then on.
    is_detached = models.BooleanField(default=False, editable=False)
    # For calendar feeds: a stable identity, and a counter bumped on every change.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ShiftQuerySet.as_manager()

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_it_starts"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="shift_has_room"),
            models.CheckConstraint(
                condition=Q(min_people__lte=F("capacity")), name="shift_minimum_within_capacity"
            ),
            models.CheckConstraint(
                condition=Q(taken__lte=F("capacity")), name="shift_never_overbooked"
            ),
            models.CheckConstraint(
                condition=Q(kind="moderation")
                | Q(area__isnull=False)
                | Q(route__isnull=False)
                | Q(site__isnull=False),
                name="shift_has_a_place",
            ),
            models.UniqueConstraint(
                fields=["template", "template_key"],
                condition=Q(template__isnull=False),
                name="one_shift_per_template_slot",
            ),
        ]
        indexes = [
            models.Index(fields=["starts_at"], name="shift_starts_idx"),
            models.Index(fields=["status", "starts_at"], name="shift_status_starts_idx"),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.get_kind_display()} {local:%m-%d %H:%M} {self.place_name}"

    @property
    def place(self) -> Any:
        return self.site or self.route or self.area

    @property
    def place_name(self) -> str:
        place = self.place
        return str(place) if place else str(_("online"))

    @property
    def is_full(self) -> bool:
        return self.taken >= self.capacity

    @property
    def is_under_minimum(self) -> bool:
        return self.taken < self.min_people

    @property
    def is_past(self) -> bool:
        return self.ends_at <= timezone.now()

    @property
    def is_cancelled(self) -> bool:
        return self.status == ShiftStatus.CANCELLED

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600

    def overlaps_night(self, night_starts: dt.time, night_ends: dt.time) -> bool:
        """Whether any of the shift falls in the night hours, in local time. A night usually
        crosses midnight (22:00–06:00); one set within a day (00:00–05:00) does not."""
        start, end = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        crosses = night_ends <= night_starts
        day = start.date() - dt.timedelta(days=1)
        while day <= end.date():
            night_from = timezone.make_aware(dt.datetime.combine(day, night_starts))
            night_to = timezone.make_aware(
                dt.datetime.combine(day + dt.timedelta(days=1) if crosses else day, night_ends)
            )
            if start < night_to and end > night_from:
                return True
            day += dt.timedelta(days=1)
        return False

    def skill_needs(self) -> dict[str, int]:
        return {
            skill: int(count)
            for skill, count in (self.required_skills or {}).items()
            if skill in Skill.values
        }


class ClaimStatus(models.TextChoices):
    ACTIVE = "active", _("Claimed")
    RELEASED = "released", _("Released")


class ClaimSource(models.TextChoices):
    SELF = "self", _("Claimed by the member")
    LEADER = "leader", _("Assigned by a leader")
    WAITLIST = "waitlist", _("Promoted from the waiting list")
    INVITATION = "invitation", _("Accepted an invitation")


class ClaimQuerySet(models.QuerySet["Claim"]):
    def active(self) -> "ClaimQuerySet":
        return self.filter(status=ClaimStatus.ACTIVE)

    def visible_to(self, user: Any) -> "ClaimQuerySet":
        """Who is on which shift: officers and police liaisons see everyone (they coordinate the
        patrols); a leader sees their squad's and the claims on their squad's shifts; a member sees
        their own and their squad-mates'. Nobody else sees anyone."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if has_role(user, Role.OFFICER) or has_role(user, Role.POLICE):
            return self.all()
        own_squad = Member.objects.filter(
            user=user, status=Member.Status.ACTIVE, squad__isnull=False
        ).values("squad")
        led = squads_led_by(user).values("pk")
        return self.filter(
            Q(member__user=user)
            | Q(member__squad__in=own_squad)
            | Q(member__squad__in=led)
            | Q(shift__squad__in=led)
        )


class Claim(models.Model):
    """A member's place on a shift (义巡日认领)."""

    Status = ClaimStatus
    Source = ClaimSource

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="claims")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="claims")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.SELF)
    claimed_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    release_reason = models.CharField(max_length=200, blank=True)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["claimed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "member"],
                condition=Q(status="active"),
                name="one_active_claim_per_member",
            ),
        ]
        indexes = [models.Index(fields=["member", "status"], name="claim_member_status_idx")]

    def __str__(self) -> str:
        return f"{self.member} on {self.shift}"


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    PROMOTED = "promoted", _("Got a place")
    LEFT = "left", _("Left the list")


class WaitlistEntry(models.Model):
    """Someone waiting for a place on a full shift; the first in line gets the next free place."""

    Status = WaitlistStatus

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="waitlist")
    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="waitlist_entries"
    )
    joined_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)

    class Meta:
        ordering = ["joined_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "member"],
                condition=Q(status="waiting"),
                name="wait_once_per_shift",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} waiting for {self.shift}"
