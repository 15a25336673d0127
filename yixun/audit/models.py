import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(9999, 12, 30)


def local_midnight(day: dt.date) -> dt.datetime:
    """The start of a calendar day where the association is, as an aware datetime."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def visible_to(self, user: Any) -> "AuditEntryQuerySet":
        """The trail is for officers only: it names who did what to whom."""
        if user.is_authenticated and user.has_perm("audit.view_auditentry"):
            return self.all()
        return self.none()

    def matching(
        self,
        *,
        action: str = "",
        actor: str = "",
        actor_id: int | None = None,
        target_type: str = "",
        target_id: str = "",
        since: dt.date | None = None,
        until: dt.date | None = None,
    ) -> "AuditEntryQuerySet":
        """Filter the trail. `action` matches whole dotted segments from the left:
        "accounts" and "accounts.user" both match "accounts.user.role_granted"."""
        found = self
        if action:
            action = action.strip(".")
            found = found.filter(
                models.Q(action=action) | models.Q(action__startswith=action + ".")
            )
        if actor:
            found = found.filter(actor__name__icontains=actor)
        if actor_id is not None:
            found = found.filter(actor_id=actor_id)
        if target_type:
            found = found.filter(target_type=target_type)
        if target_id:
            found = found.filter(target_id=target_id)
        # Days at the ends of the calendar would overflow when moved to UTC; nothing is there anyway.
        if since and since > EARLIEST:
            found = found.filter(at__gte=local_midnight(since))
        if until and until < LATEST:
            found = found.filter(at__lt=local_midnight(until + dt.timedelta(days=1)))
        return found


class AuditEntry(models.Model):
    """One change of consequence: who did what, to which object, when and from where."""

    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=100)
    target_type = models.CharField(_("object type"), max_length=100, blank=True)
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    target_label = models.CharField(_("object"), max_length=200, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["-at", "-id"], name="audit_at_idx"),
            models.Index(fields=["action", "-at"], name="audit_action_idx"),
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
            models.Index(fields=["actor", "-at"], name="audit_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id}"

    @property
    def app(self) -> str:
        return self.action.split(".", 1)[0]
