import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _


class TipRules(models.Model):
    """The clocks, limits and retention of tips, one row, editable by officers."""

    ack_urgent_minutes = models.PositiveSmallIntegerField(
        _("acknowledge an urgent tip within (minutes)"), default=15
    )
    ack_minutes = models.PositiveSmallIntegerField(
        _("acknowledge any other tip within (minutes)"), default=120
    )
    resolve_hours = models.PositiveSmallIntegerField(
        _("forward or close within (hours)"), default=24
    )
    contact_retention_days = models.PositiveSmallIntegerField(
        _("erase contact details (days after the tip closes)"), default=180
    )
    tips_per_hour = models.PositiveSmallIntegerField(
        _("tips from one address or phone per hour"), default=10
    )
    captcha_after = models.PositiveSmallIntegerField(
        _("ask for a captcha after this many tips from one address in an hour"), default=3
    )
    spam_threshold = models.PositiveSmallIntegerField(
        _("spam score that sends a tip to the spam folder"), default=60
    )

    class Meta:
        verbose_name = _("tip rules")
        verbose_name_plural = _("tip rules")

    def __str__(self) -> str:
        return str(_("tip rules"))

    @classmethod
    def current(cls) -> "TipRules":
        rules, _created = cls.objects.get_or_create(pk=1)
        return rules

    def ack_within(self, *, urgent: bool) -> dt.timedelta:
        return dt.timedelta(minutes=self.ack_urgent_minutes if urgent else self.ack_minutes)

    @property
    def resolve_within(self) -> dt.timedelta:
        return dt.timedelta(hours=self.resolve_hours)


class ScreeningKind(models.TextChoices):
    KEYWORD = "keyword", _("Abuse or banned word")
    ADVERTISING = "advertising", _("Advertising")


class ScreeningTerm(models.Model):
    """A word or phrase that raises a tip's spam score; officers keep the list."""

    Kind = ScreeningKind

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    term = models.CharField(_("word or phrase"), max_length=60)
    # As the screening compares it (simplified, half-width, case-folded).
    normalised = models.CharField(max_length=60, editable=False)
    weight = models.PositiveSmallIntegerField(_("weight"), default=30)

    class Meta:
        verbose_name = _("screening term")
        verbose_name_plural = _("screening terms")
        ordering = ["kind", "term"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "normalised"], name="screening_term_once")
        ]

    def __str__(self) -> str:
        return self.term
