from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yixun.lib import markdown


class RulebookDocumentQuerySet(models.QuerySet["RulebookDocument"]):
    def published(self) -> "RulebookDocumentQuerySet":
        return self.filter(versions__isnull=False).distinct()


class DocumentKind(models.TextChoices):
    CHARTER = "charter", _("Charter")
    MANAGEMENT_RULES = "management_rules", _("Management rules")
    MEMBERSHIP_NOTICE = "membership_notice", _("Membership notice")
    OTHER = "other", _("Other rules")


class RulebookDocument(models.Model):
    """One of the association's written rules: the charter, the management rules, the notice
    every applicant accepts (入会须知) and others. Its text lives in versions."""

    Kind = DocumentKind

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    objects = RulebookDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("rulebook document")
        verbose_name_plural = _("rulebook documents")
        ordering = ["kind", "title"]
        constraints = [
            # One charter, one set of management rules, one membership notice; any number of others.
            models.UniqueConstraint(
                fields=["kind"], condition=~Q(kind="other"), name="one_document_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def current_version(self) -> "RulebookVersion | None":
        return self.versions.order_by("-number").first()


class RulebookVersion(models.Model):
    """A published text of a document. Versions are never edited: a change is a new version."""

    document = models.ForeignKey(
        RulebookDocument, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    body = models.TextField(_("text (Markdown)"))
    change_note = models.CharField(_("what changed"), max_length=200, blank=True)
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("rulebook version")
        verbose_name_plural = _("rulebook versions")
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="one_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.document.title} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        forget_current_notice()

    def html(self) -> str:
        return markdown.render(self.body)


# Every signed-in page load asks which notice is current; the answer is shared by all and
# changes only when an officer publishes. Another process learns of a new notice within
# NOTICE_CACHE_SECONDS; this one at once.
NOTICE_CACHE_KEY = "members:current-notice-id"
NOTICE_CACHE_SECONDS = 60


def forget_current_notice() -> None:
    cache.delete(NOTICE_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(NOTICE_CACHE_KEY))


def current_notice_id(*, fresh: bool = False) -> int | None:
    """The id of the current membership notice (None if none), from the cache unless `fresh`."""
    cached = None if fresh else cache.get(NOTICE_CACHE_KEY)
    if cached is None:
        cached = (
            RulebookVersion.objects.filter(document__kind=RulebookDocument.Kind.MEMBERSHIP_NOTICE)
            .order_by("-number")
            .values_list("pk", flat=True)
            .first()
        ) or 0
        cache.set(NOTICE_CACHE_KEY, cached, NOTICE_CACHE_SECONDS)
    return cached or None


def current_notice() -> RulebookVersion | None:
    """The membership notice applicants and members must accept, if one is published."""
    return (
        RulebookVersion.objects.filter(document__kind=RulebookDocument.Kind.MEMBERSHIP_NOTICE)
        .select_related("document")
        .order_by("-number")
        .first()
    )


class NoticeAcceptance(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_acceptances"
    )
    version = models.ForeignKey(
        RulebookVersion, on_delete=models.PROTECT, related_name="acceptances"
    )
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "version"], name="accept_a_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} accepted {self.version}"


def has_accepted(user: Any, version: RulebookVersion | int) -> bool:
    return NoticeAcceptance.objects.filter(user=user, version=version).exists()
