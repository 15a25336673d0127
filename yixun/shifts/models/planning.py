"""What shifts are made from, and the rules they are claimed under."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yixun.lib import generations, markdown
from yixun.shifts.models.shifts import ShiftKind

WEEKDAY_NAMES = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]  # 0 = Monday


def weekdays_label(days: list[int]) -> str:
    """Weekdays as people read them: 每天 for all seven, else 周一、周三、周五."""
    chosen = sorted({day for day in days if day in range(7)})
    if len(chosen) == 7:
        return str(_("Every day"))
    return str(pgettext_lazy("between listed items", ", ")).join(
        str(WEEKDAY_NAMES[day]) for day in chosen
    )


class ClaimRules(models.Model):
    """The association's claiming rules, one row, editable by officers."""

    release_deadline_hours = models.PositiveSmallIntegerField(
        _("release without the leader until (hours before the start)"), default=12
    )
    uninsured_no_night = models.BooleanField(
        _("core members without cover may not take night shifts"), default=True
    )
    uninsured_no_special = models.BooleanField(
        _("core members without cover may not take special operations"), default=True
    )
    night_starts = models.TimeField(_("night starts"), default=dt.time(22, 0))
    night_ends = models.TimeField(_("night ends"), default=dt.time(6, 0))
    newcomer_patrols = models.PositiveSmallIntegerField(
        _("a newcomer's first patrols that need an experienced member"), default=3
    )
    experienced_patrols = models.PositiveSmallIntegerField(
        _("patrols that make a member experienced"), default=10
    )
    remind_evening_at = models.TimeField(
        _("evening reminder, the day before"), default=dt.time(20, 0)
    )
    remind_minutes_before = models.PositiveSmallIntegerField(
        _("last reminder (minutes before)"), default=60
    )

    class Meta:
        verbose_name = _("claiming rules")
        verbose_name_plural = _("claiming rules")

    def __str__(self) -> str:
        return str(_("claiming rules"))

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        generations.renew(self._meta.label)

    @classmethod
    def current(cls) -> "ClaimRules":
        return generations.one_row(cls)


class SafetyBriefing(models.Model):
    """What a member must read and acknowledge, once per version, before a kind of shift."""

    kind = models.CharField(_("kind of shift"), max_length=20, choices=ShiftKind.choices)
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text (Markdown)"))
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("safety briefing")
        verbose_name_plural = _("safety briefings")
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="one_briefing_version")
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    def html(self) -> str:
        return markdown.render(self.body)


class BriefingAcknowledgement(models.Model):
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="briefings")
    briefing = models.ForeignKey(
        SafetyBriefing, on_delete=models.PROTECT, related_name="acknowledgements"
    )
    acknowledged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "briefing"], name="acknowledge_once")
        ]

    def __str__(self) -> str:
        return f"{self.member} read {self.briefing}"


class Term(models.Model):
    """A school term: school-gate duty runs on its school days."""

    name = models.CharField(_("name"), max_length=60)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))

    class Meta:
        verbose_name = _("school term")
        verbose_name_plural = _("school terms")
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="term_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name


class SchoolHoliday(models.Model):
    """Days without school inside a term, beyond the public holidays (sports day, exams …)."""

    name = models.CharField(_("name"), max_length=60)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))

    class Meta:
        verbose_name = _("school holiday")
        verbose_name_plural = _("school holidays")
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="holiday_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ShiftTemplate(models.Model):
    """A recurring plan that makes shifts ahead: "every school day 07:10–08:00 and 16:30–17:30
    at each of these schools", "every Friday and Saturday 20:00–23:00 on this route"."""

    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(
        _("kind"), max_length=20, choices=ShiftKind.choices, default=ShiftKind.PATROL
    )
    area = models.ForeignKey(
        "places.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    route = models.ForeignKey(
        "places.Route", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sites = models.ManyToManyField("places.Site", blank=True, related_name="+")
    squad = models.ForeignKey(
        "members.Squad", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    weekdays = models.JSONField(_("weekdays"), default=list, blank=True)  # 0 = Monday
    school_days_only = models.BooleanField(_("school days only"), default=False)
    slots = models.JSONField(_("times"), default=list)  # [["07:10", "08:00"], ["20:00", "02:00"]]
    min_people = models.PositiveSmallIntegerField(_("at least"), default=2)
    capacity = models.PositiveSmallIntegerField(_("at most"), default=4)
    required_skills = models.JSONField(_("skills needed"), default=dict, blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    weeks_ahead = models.PositiveSmallIntegerField(
        _("make shifts this many weeks ahead"), default=8
    )
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("shift template")
        verbose_name_plural = _("shift templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PoliceForce(models.TextChoices):
    ARMED = "armed", _("Armed patrol")
    FULL_TIME = "full_time", _("Full-time patrol")
    COMMUNITY = "community", _("Community patrol")


class PolicePatrol(models.Model):
    """A recurring patrol of the police's own (武装巡逻, 专职巡逻, 社区巡逻), shown beside ours."""

    Force = PoliceForce

    force = models.CharField(_("force"), max_length=12, choices=Force.choices)
    station = models.ForeignKey(
        "places.PoliceStation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    area = models.ForeignKey(
        "places.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    site = models.ForeignKey(
        "places.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    route = models.ForeignKey(
        "places.Route", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    weekdays = models.JSONField(_("weekdays"), default=list)
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    notes = models.CharField(_("notes"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("police patrol")
        verbose_name_plural = _("police patrols")
        ordering = ["force", "starts"]
        constraints = [
            models.CheckConstraint(
                condition=Q(area__isnull=False) | Q(site__isnull=False) | Q(route__isnull=False),
                name="police_patrol_has_a_place",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_force_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"

    @property
    def weekdays_label(self) -> str:
        return weekdays_label(self.weekdays)

    def occurrences(self, first: dt.date, last: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """Its times on each day from first to last, as aware datetimes (an end before the start
        is the next morning)."""
        found = []
        day = max(first, self.valid_from)
        until = min(last, self.valid_until) if self.valid_until else last
        while day <= until:
            if day.weekday() in self.weekdays:
                start = timezone.make_aware(dt.datetime.combine(day, self.starts))
                end_day = day if self.ends > self.starts else day + dt.timedelta(days=1)
                found.append((start, timezone.make_aware(dt.datetime.combine(end_day, self.ends))))
            day += dt.timedelta(days=1)
        return found
