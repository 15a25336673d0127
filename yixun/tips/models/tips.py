import datetime as dt
import secrets
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yixun.accounts.roles import Role, has_role
from yixun.lib import crypto
from yixun.lib.text import normalise


class TipCategory(models.TextChoices):
    PUBLIC_ORDER = "public_order", _("Public order")
    CRIME = "crime", _("Crime")
    FIRE = "fire", _("Fire")
    TRAFFIC = "traffic", _("Traffic")
    MISSING_PERSON = "missing_person", _("Missing person")
    OTHER = "other", _("Other")


# A missing person or a fire cannot wait; a crime can, unless it is happening now.
URGENT_CATEGORIES = {TipCategory.MISSING_PERSON, TipCategory.FIRE}


class TipStatus(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    FORWARDED = "forwarded", _("Forwarded to the police")
    ACCEPTED = "accepted", _("Accepted by the police")
    CLOSED = "closed", _("Closed")
    SPAM = "spam", _("Spam")
    MERGED = "merged", _("Merged into another tip")


OPEN_STATUSES = (TipStatus.NEW, TipStatus.ACKNOWLEDGED)


class Outcome(models.TextChoices):
    CHECKED = "checked", _("Checked")
    CASE_OPENED = "case_opened", _("Case opened")
    CASE_SOLVED = "case_solved", _("Case solved")
    UNFOUNDED = "unfounded", _("Unfounded")
    PASSED_ON = "passed_on", _("Passed to another unit")


class TipSource(models.TextChoices):
    WEB = "web", _("Web page")
    MEMBER = "member", _("A member's page")
    API = "api", _("API")
    OPEN311 = "open311", _("Open311")


CODE_LENGTH = 20


def new_code() -> str:
    # 20 characters from a 32-letter alphabet without look-alikes: 100 bits, read aloud easily.
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(CODE_LENGTH))


class TipQuerySet(models.QuerySet["Tip"]):
    def visible_to(self, user: Any) -> "TipQuerySet":
        """Moderators and officers see every tip (never its contact details: that is
        `may_see_contact`); a police liaison the tips forwarded to their station; a member the
        tips they sent. Nobody else sees any: the public follows a tip by its code only."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if has_role(user, Role.MODERATOR) or has_role(user, Role.OFFICER):
            return self.all()
        mine = Q(reporter=user)
        if has_role(user, Role.POLICE):
            return self.filter(mine | Q(station__liaisons=user)).distinct()
        return self.filter(mine)

    def worked_on_by(self, user: Any) -> "TipQuerySet":
        """The tips this person works on, through `visible_to`: moderators and officers all of
        them, a police liaison those forwarded to their station; a member's own reports are not
        among them (they follow those as every reporter does, by the tracking code)."""
        tips = self.visible_to(user)
        if has_role(user, Role.MODERATOR) or has_role(user, Role.OFFICER):
            return tips
        if has_role(user, Role.POLICE):
            return tips.filter(station__liaisons=user).distinct()
        return tips.none()

    def in_queue(self) -> "TipQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def matching(
        self,
        *,
        q: str = "",
        category: str = "",
        status: str = "",
        place: str = "",
        first: dt.date | None = None,
        last: dt.date | None = None,
    ) -> "TipQuerySet":
        """The moderators' and the police's search, for the pages and the API alike: every word
        in the text or place (traditional and simplified, full- and half-width alike), the
        category, status, part of the place, and the days received (in Asia/Shanghai)."""
        found = self
        for word in normalise(q[:100]).split():
            found = found.filter(normalised__contains=word)
        if category:
            found = found.filter(category=category)
        if status:
            found = found.filter(status=status)
        if place.strip():
            found = found.filter(place__icontains=place.strip()[:100])
        if first:
            found = found.filter(created_at__date__gte=first)
        if last:
            found = found.filter(created_at__date__lte=last)
        return found


class Tip(models.Model):
    """Information from the public or a member (线索), from intake to the police's outcome."""

    Category = TipCategory
    Status = TipStatus
    Outcome = Outcome
    Source = TipSource

    code = models.CharField(max_length=20, unique=True, default=new_code, editable=False)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    text = models.TextField(_("what happened"), max_length=4000)
    place = models.CharField(_("where"), max_length=200, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    area = models.ForeignKey(
        "places.Area",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tips",
        verbose_name=_("area"),
    )
    occurred_at = models.DateTimeField(_("when it happened"), null=True, blank=True)
    is_happening_now = models.BooleanField(_("happening now"), default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.WEB)
    # The sender's idempotency key: a resend after a lost answer finds this tip, not a new one.
    # It is bound to what was sent (a digest of the report): the same key with another report is
    # refused, so that a key seen or guessed never opens somebody else's tip and code.
    key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    key_digest = models.CharField(max_length=64, blank=True, editable=False)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tips",
        verbose_name=_("reported by"),
    )
    # Given only if the reporter chose to; encrypted at rest and erased after the retention.
    contact_name = models.TextField(blank=True, editable=False)
    contact_phone = models.TextField(blank=True, editable=False)
    contact_erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    # For search and screening: simplified, half-width, case-folded.
    normalised = models.TextField(blank=True, editable=False)
    is_urgent = models.BooleanField(_("urgent"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NEW
    )
    spam_score = models.PositiveSmallIntegerField(default=0)
    spam_reasons = models.JSONField(default=list, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("handled by"),
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    ack_due_at = models.DateTimeField()
    resolve_due_at = models.DateTimeField()
    escalated_at = models.DateTimeField(null=True, blank=True)
    station = models.ForeignKey(
        "places.PoliceStation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tips",
        verbose_name=_("forwarded to"),
    )
    forwarded_at = models.DateTimeField(null=True, blank=True)
    forward_summary = models.TextField(_("summary for the police"), blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    public_answer = models.TextField(_("answer for the reporter"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(_("reason"), max_length=300, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged"
    )

    objects = TipQuerySet.as_manager()

    class Meta:
        verbose_name = _("tip")
        verbose_name_plural = _("tips")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "ack_due_at"], name="tip_status_due_idx"),
            models.Index(fields=["created_at"], name="tip_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {timezone.localtime(self.created_at):%m-%d %H:%M}"

    @property
    def has_contact(self) -> bool:
        return bool(self.contact_name or self.contact_phone)

    def set_contact(self, *, name: str, phone: str) -> None:
        self.contact_name = crypto.encrypt(name) if name else ""
        self.contact_phone = crypto.encrypt(phone) if phone else ""

    def contact(self) -> tuple[str, str]:
        """The contact details in clear: call only after `may_see_contact`, and audit it."""
        return (
            crypto.decrypt(self.contact_name) if self.contact_name else "",
            crypto.decrypt(self.contact_phone) if self.contact_phone else "",
        )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def takes_answers(self) -> bool:
        """Whether the reporter may still answer the moderators' questions."""
        return self.status not in (TipStatus.SPAM, TipStatus.MERGED) and self.closed_at is None

    @property
    def is_overdue(self) -> bool:
        now = timezone.now()
        if self.status == TipStatus.NEW:
            return self.ack_due_at < now
        return self.status == TipStatus.ACKNOWLEDGED and self.resolve_due_at < now

    @property
    def is_solved(self) -> bool:
        return self.outcome == Outcome.CASE_SOLVED


class MessageKind(models.TextChoices):
    QUESTION = "question", _("Question to the reporter")
    ANSWER = "answer", _("The reporter's answer")
    NOTE = "note", _("Internal note")
    PROGRESS = "progress", _("Police progress")
    PUBLIC = "public", _("Answer to the reporter")


# What the reporter's tracking page shows: nothing internal, nothing about other reporters.
PUBLIC_KINDS = (MessageKind.QUESTION, MessageKind.ANSWER, MessageKind.PUBLIC)


class TipMessage(models.Model):
    Kind = MessageKind

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(max_length=4000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:40]}"


def tip_photo_path(instance: object, filename: str) -> str:

    return f"tips/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.jpg"


class TipPhoto(models.Model):
    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=tip_photo_path)
    added_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"photo {self.pk}"
