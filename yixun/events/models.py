"""Events the association runs or joins: police open days, talks, campaigns, blood drives,
trainings and meetings. People register (members in one tap, the public with a mobile number
confirmed by a code), hold a ticket with a QR code, and are checked in at the door; what
happened afterwards (attendance, the people reached, the staff's summary and photos) is kept.

Places are counted in `Event.taken`, changed only by compare-and-set updates in
`services.registration`, so two people can never take the last place at once."""

import secrets
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yixun.accounts.roles import Role, roles_of
from yixun.lib import markdown
from yixun.members.models import Member, PartnerOrganisation, Skill, Squad, member_of
from yixun.shifts.models import ShiftKind

# A ticket's short code is typed at the door from a phone's screen: no 0/O, 1/I/L.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6


def new_ticket_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_ticket_token() -> str:
    return secrets.token_urlsafe(18)


class EventKind(models.TextChoices):
    OPEN_DAY = "open_day", _("Police open day")
    TALK = "talk", _("Talk or lecture")
    CAMPAIGN = "campaign", _("Campaign or publicity")
    CHARITY = "charity", _("Blood drive or charity")
    TRAINING = "training", _("Training")
    MEETING = "meeting", _("Meeting")


class Audience(models.TextChoices):
    PUBLIC = "public", _("The public")
    MEMBERS = "members", _("All members")
    SQUADS = "squads", _("Some squads")


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")


STAFF_ROLES = frozenset({Role.OFFICER})
MEMBER_ROLES = frozenset({Role.VOLUNTEER, Role.SQUAD_LEADER, Role.MODERATOR, Role.OFFICER})


def _staffing(user: Any) -> Q:
    """Who keeps an event's door: its named staff, its maker, and the members on its duty
    shifts (who earn their hours there)."""
    return (
        Q(staff=user)
        | Q(created_by=user)
        | Q(duty_shifts__claims__member__user=user, duty_shifts__claims__status="active")
    )


class EventQuerySet(models.QuerySet["Event"]):
    def for_public(self) -> "EventQuerySet":
        """What anyone may read, signed in or not: published events open to the public."""
        return self.filter(audience=Audience.PUBLIC).exclude(status=EventStatus.DRAFT)

    def upcoming(self) -> "EventQuerySet":
        return self.filter(ends_at__gt=timezone.now(), status=EventStatus.PUBLISHED).order_by(
            "starts_at", "pk"
        )

    def past(self) -> "EventQuerySet":
        return self.filter(ends_at__lte=timezone.now()).order_by("-starts_at", "-pk")

    def visible_to(self, user: Any) -> "EventQuerySet":
        """The one door to events: officers see every one, drafts included; a member sees the
        public's, the members', their squads' and those they staff; the public sees the public's.
        """
        if not getattr(user, "is_authenticated", False):
            return self.for_public()
        roles = roles_of(user)
        if roles & STAFF_ROLES:
            return self
        seen = Q(audience=Audience.PUBLIC)
        member = member_of(user)
        if member is not None and member.status == Member.Status.ACTIVE:
            seen |= Q(audience=Audience.MEMBERS)
            if member.squad_id:
                seen |= Q(audience=Audience.SQUADS, squads=member.squad_id)
        return self.filter(
            Q(pk__in=self.filter(seen).exclude(status=EventStatus.DRAFT).values("pk"))
            | Q(pk__in=Event.objects.filter(_staffing(user)).values("pk"))
        )

    def staffed_by(self, user: Any) -> "EventQuerySet":
        """The events whose door this person keeps: officers every one, others those they staff."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if roles_of(user) & STAFF_ROLES:
            return self
        return self.filter(pk__in=Event.objects.filter(_staffing(user)).values("pk"))


class Event(models.Model):
    Kind = EventKind
    Audience = Audience
    Status = EventStatus

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)  # iCalendar SEQUENCE, raised on each change
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description (Markdown)"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place_name = models.CharField(_("place"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude (WGS-84)"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude (WGS-84)"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    area = models.ForeignKey(
        "places.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    squad = models.ForeignKey(  # the organising squad, if one: the figures count it there
        Squad,
        verbose_name=_("organising squad"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organised_events",
    )
    capacity = models.PositiveIntegerField(_("places"))
    taken = models.PositiveIntegerField(default=0)  # confirmed registrations, walk-ins aside
    audience = models.CharField(
        _("open to"), max_length=10, choices=Audience.choices, default=Audience.PUBLIC
    )
    squads = models.ManyToManyField(
        Squad, verbose_name=_("squads invited"), blank=True, related_name="invited_events"
    )
    partners = models.ManyToManyField(
        PartnerOrganisation,
        verbose_name=_("co-organised with"),
        blank=True,
        related_name="events",
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("door staff"),
        blank=True,
        related_name="staffed_events",
    )
    duty_shifts = models.ManyToManyField(
        "shifts.Shift", verbose_name=_("event-duty shifts"), blank=True, related_name="events"
    )
    # A training may grant a skill, or the current safety briefing of a kind of shift.
    grants_skill = models.CharField(
        _("grants the skill"), max_length=20, choices=Skill.choices, blank=True
    )
    grants_briefing = models.CharField(
        _("grants the safety briefing for"), max_length=20, choices=ShiftKind.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=EventStatus.choices, default=EventStatus.PUBLISHED
    )
    cancel_reason = models.CharField(_("reason"), max_length=200, blank=True)
    # The people it reached, counted in the figures: one more for each person let in at the door,
    # and after the event as the staff report it (for a campaign on the street, everyone the
    # stand spoke to). Then the staff's account.
    summary = models.TextField(_("summary (Markdown)"), blank=True)
    people_reached = models.PositiveIntegerField(_("people reached"), default=0)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    key = models.UUIDField(null=True, blank=True, unique=True)  # the API's idempotency key

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="event_ends_after"
            ),
            models.CheckConstraint(
                condition=Q(taken__lte=F("capacity")), name="event_not_overfull"
            ),
        ]
        indexes = [models.Index(fields=["audience", "status", "ends_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:detail", args=[self.pk])

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.taken, 0)

    @property
    def is_past(self) -> bool:
        return self.ends_at <= timezone.now()

    @property
    def is_open(self) -> bool:
        """Registration is open: published, not yet over."""
        return self.status == EventStatus.PUBLISHED and not self.is_past

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def has_map(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def description_html(self) -> str:
        return markdown.render(self.description)

    def summary_html(self) -> str:
        return markdown.render(self.summary)


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITING = "waiting", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class RegistrationQuerySet(models.QuerySet["Registration"]):
    def live(self) -> "RegistrationQuerySet":
        return self.exclude(status=RegistrationStatus.CANCELLED)

    def waiting_in_turn(self) -> "RegistrationQuerySet":
        return self.filter(status=RegistrationStatus.WAITING).order_by("created_at", "pk")


class Registration(models.Model):
    """One person's place at an event (or on its waiting list), and their ticket.

    The name and mobile number are personal data: the holder, the event's door staff and officers
    see them, and staff see the number masked. The ticket's `token` is the secret in its QR code
    and link; `code` is the short form typed at the door."""

    Status = RegistrationStatus

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="registrations")
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="registrations"
    )
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("mobile number"), max_length=20, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.CONFIRMED,
    )
    is_walk_in = models.BooleanField(_("walk-in"), default=False)
    code = models.CharField(_("ticket code"), max_length=CODE_LENGTH, unique=True)
    token = models.CharField(max_length=32, unique=True, default=new_ticket_token)
    key = models.UUIDField(null=True, blank=True, unique=True)  # the API's idempotency key
    language = models.CharField(max_length=10, default="zh-hans")  # for the public's messages
    created_at = models.DateTimeField(default=timezone.now)
    promoted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The door's idempotency key: the same scan resent finds the check-in; another is refused.
    checked_in_key = models.UUIDField(null=True, blank=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at", "pk"]
        constraints = [
            # The same phone registering twice gets the same registration (services look it up
            # first; this holds when two requests race).
            models.UniqueConstraint(
                fields=["event", "phone"],
                condition=~Q(status="cancelled") & ~Q(phone=""),
                name="one_live_registration_per_phone",
            ),
            models.UniqueConstraint(
                fields=["event", "member"],
                condition=~Q(status="cancelled") & Q(member__isnull=False),
                name="one_live_registration_per_member",
            ),
            models.CheckConstraint(
                condition=Q(checked_in_at__isnull=True) | Q(status="confirmed"),
                name="only_confirmed_check_in",
            ),
        ]
        indexes = [models.Index(fields=["event", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.code}"

    def get_absolute_url(self) -> str:
        return reverse("events:ticket", args=[self.token])

    @property
    def is_checked_in(self) -> bool:
        return self.checked_in_at is not None

    @property
    def is_live(self) -> bool:
        return self.status != RegistrationStatus.CANCELLED


class EventPhoto(models.Model):
    """A photo of an event: beforehand to show it, afterwards with the staff's summary. Stored as
    `clean_photo` left it: a JPEG without EXIF."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to="events/%Y/%m/")
    is_report = models.BooleanField(_("taken at the event"), default=False)
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("event photo")
        verbose_name_plural = _("event photos")
        ordering = ["added_at", "pk"]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.image.name}"

    def get_absolute_url(self) -> str:
        return reverse("events:photo", args=[self.event_id, self.pk])
