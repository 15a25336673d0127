import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yixun.accounts.roles import Role, has_role


class PolicyQuerySet(models.QuerySet["InsurancePolicy"]):
    def visible_to(self, user: Any) -> "PolicyQuerySet":
        """Policies, with their rosters of covered members, are the officers' business."""
        if getattr(user, "is_authenticated", False) and has_role(user, Role.OFFICER):
            return self.all()
        return self.none()

    def in_force_on(self, day: dt.date) -> "PolicyQuerySet":
        return self.filter(starts_on__lte=day, ends_on__gte=day)


class InsurancePolicy(models.Model):
    """A group accident policy (意外伤害团体险) covering a list of members for a period."""

    insurer = models.CharField(_("insurer"), max_length=80)
    number = models.CharField(_("policy number"), max_length=60, unique=True)
    starts_on = models.DateField(_("cover starts"))
    ends_on = models.DateField(_("cover ends"))
    sum_insured = models.DecimalField(
        _("sum insured per person (yuan)"), max_digits=12, decimal_places=2
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    members = models.ManyToManyField("members.Member", through="Coverage", related_name="policies")

    objects = PolicyQuerySet.as_manager()

    class Meta:
        verbose_name = _("insurance policy")
        verbose_name_plural = _("insurance policies")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="policy_ends_after_it_starts"
            ),
            models.CheckConstraint(
                condition=Q(sum_insured__gt=0), name="policy_sum_insured_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.insurer} {self.number}"

    def is_in_force(self, day: dt.date | None = None) -> bool:
        day = day or timezone.localdate()
        return self.starts_on <= day <= self.ends_on


class Coverage(models.Model):
    policy = models.ForeignKey(InsurancePolicy, on_delete=models.CASCADE, related_name="coverages")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="coverages")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["policy", "member"], name="cover_a_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.member} under {self.policy}"
