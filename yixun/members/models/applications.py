from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yixun.accounts.roles import Role, has_role
from yixun.lib import crypto
from yixun.lib import phone as phones
from yixun.members.models.personal import PersonalDetails
from yixun.members.models.rulebook import RulebookVersion


class ApplicationQuerySet(models.QuerySet["Application"]):
    def visible_to(self, user: Any) -> "ApplicationQuerySet":
        """Applications are reviewed by officers; nobody else sees them (the applicant
        follows theirs through their private link, not through this door)."""
        if getattr(user, "is_authenticated", False) and has_role(user, Role.OFFICER):
            return self.all()
        return self.none()

    def open(self) -> "ApplicationQuerySet":
        return self.filter(status__in=Application.OPEN)


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    NEEDS_INFO = "needs_info", _("Waiting for the applicant's answer")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Application(PersonalDetails):
    """A request to join, from a member of the public, waiting for an officer's decision."""

    Status = ApplicationStatus

    OPEN = (Status.PENDING, Status.NEEDS_INFO)

    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("mobile number"), max_length=16)
    skills = models.JSONField(
        _("skills"), default=list, blank=True
    )  # [{"skill": "driving", "detail": "C1"}]
    notice_version = models.ForeignKey(
        RulebookVersion,
        verbose_name=_("notice accepted"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    question = models.TextField(_("question to the applicant"), blank=True)
    asked_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(_("applicant's answer"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)
    # The applicant's private link: found by its digest, kept encrypted so later messages can repeat it.
    access_digest = models.CharField(max_length=64, unique=True, editable=False)
    access_encrypted = models.TextField(editable=False)
    member = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applications",
    )

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_digest"],
                condition=Q(status__in=["pending", "needs_info"]),
                name="one_open_application_per_id_number",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    def access_token(self) -> str:
        return crypto.decrypt(self.access_encrypted)

    @property
    def masked_phone(self) -> str:
        return phones.mask(self.phone)
