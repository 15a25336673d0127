from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ErasureStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an officer")
    DONE = "done", _("Erased")
    DECLINED = "declined", _("Declined")


class ErasureRequest(models.Model):
    """A member's request to be erased (PIPL art. 47), confirmed or declined by an officer."""

    Status = ErasureStatus

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="erasure_requests"
    )
    reason = models.TextField(_("reason"), blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = models.TextField(_("officer's answer"), blank=True)

    class Meta:
        ordering = ["requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(status="pending"), name="one_pending_erasure"
            )
        ]

    def __str__(self) -> str:
        return f"erasure of member {self.member_id}"
