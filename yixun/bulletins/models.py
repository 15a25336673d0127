"""Bulletins: police alerts, safety advice, association notices and urgent alerts, written once,
reviewed by the right person, and delivered to everyone they are meant for.

A bulletin is never edited in silence once it is out: a correction raises its revision and a
withdrawal cancels it, and each is kept as a `BulletinChange` that the channels send on (CAP's
`Update` and `Cancel`). Each member's copy is an `InboxItem`, written by the fan-out in the
worker; its read mark is the member's own."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yixun.accounts.roles import Role, roles_of
from yixun.lib import markdown


class Kind(models.TextChoices):
    ALERT = "alert", _("Police alert")
    ADVICE = "advice", _("Safety advice")
    NOTICE = "notice", _("Association notice")
    URGENT = "urgent", _("Urgent alert")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for review")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# CAP 1.2's own vocabularies (OASIS CAP 1.2, 3.2.2): the values are CAP's words, as sent.
class Severity(models.TextChoices):
    EXTREME = "Extreme", _("Extreme: an extraordinary threat to life or property")
    SEVERE = "Severe", _("Severe: a significant threat to life or property")
    MODERATE = "Moderate", _("Moderate: a possible threat to life or property")
    MINOR = "Minor", _("Minor: little or no known threat")
    UNKNOWN = "Unknown", _("Unknown")


class Urgency(models.TextChoices):
    IMMEDIATE = "Immediate", _("Immediate: act now")
    EXPECTED = "Expected", _("Expected: act within the next hour")
    FUTURE = "Future", _("Future: act in the near future")
    PAST = "Past", _("Past: no action needed any more")
    UNKNOWN = "Unknown", _("Unknown")


class Certainty(models.TextChoices):
    OBSERVED = "Observed", _("Observed: known to have happened")
    LIKELY = "Likely", _("Likely")
    POSSIBLE = "Possible", _("Possible")
    UNLIKELY = "Unlikely", _("Unlikely")
    UNKNOWN = "Unknown", _("Unknown")


# Who writes bulletins, and reviews them: the staff roles. Moderators pass the police's alerts on.
WRITERS = frozenset({Role.MODERATOR, Role.POLICE, Role.OFFICER})
ALERT_KINDS = frozenset({Kind.ALERT, Kind.URGENT})


class BulletinQuerySet(models.QuerySet["Bulletin"]):
    def out(self) -> "BulletinQuerySet":
        """Published and due: what has gone out (a withdrawn one has gone out, and stays listed,
        marked)."""
        return self.filter(
            status__in=[Status.PUBLISHED, Status.WITHDRAWN], published_at__lte=timezone.now()
        )

    def current(self) -> "BulletinQuerySet":
        """Out, not withdrawn and not expired: what is in force now."""
        now = timezone.now()
        return self.filter(status=Status.PUBLISHED, published_at__lte=now).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )

    def public(self) -> "BulletinQuerySet":
        """What the public pages and feeds list: out, and meant for the public."""
        return self.out().filter(to_public=True)

    def visible_to(self, user: Any) -> "BulletinQuerySet":
        """Writers and reviewers (moderators, police liaisons, officers) see every bulletin, drafts
        too; anyone else what has gone out to the public or to their own inbox. Nobody else sees
        a draft."""
        if roles_of(user) & WRITERS:
            return self.all()
        shown = Q(pk__in=self.public().values("pk"))
        if getattr(user, "is_authenticated", False) and user.is_active:
            shown |= Q(pk__in=InboxItem.objects.filter(user=user).values("bulletin_id"))
        return self.filter(shown)


class Bulletin(models.Model):
    Kind = Kind
    Status = Status

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), max_length=20000, help_text=_("Markdown"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )

    # The audience: the public (and so every member), or all members, or some squads, areas and
    # roles (a member in any of them).
    to_public = models.BooleanField(_("the public"), default=False)
    to_members = models.BooleanField(_("all members"), default=False)
    squads = models.ManyToManyField(
        "members.Squad", verbose_name=_("squads"), blank=True, related_name="+"
    )
    areas = models.ManyToManyField(
        "places.Area", verbose_name=_("areas"), blank=True, related_name="+"
    )
    roles = models.JSONField(_("roles"), default=list, blank=True)

    publish_at = models.DateTimeField(
        _("goes out at"), null=True, blank=True, help_text=_("Empty: as soon as it is approved")
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    # For alerts, CAP's terms and the area concerned (WGS-84): a circle, a polygon, or neither.
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, blank=True)
    certainty = models.CharField(
        _("certainty"), max_length=10, choices=Certainty.choices, blank=True
    )
    area_description = models.CharField(_("area described"), max_length=200, blank=True)
    circle_latitude = models.FloatField(_("centre latitude"), null=True, blank=True)
    circle_longitude = models.FloatField(_("centre longitude"), null=True, blank=True)
    circle_radius_km = models.FloatField(_("radius (km)"), null=True, blank=True)
    # [[latitude, longitude], ...], closed (the first point repeated last), as CAP has it.
    polygon = models.JSONField(_("polygon"), default=list, blank=True)
    # An urgent alert for a missing person: when and where they were last seen (other kinds
    # keep these empty; `services.save_bulletin` clears them).
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)
    last_seen_place = models.CharField(_("last seen where"), max_length=200, blank=True)

    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    written_at = models.DateTimeField(_("written at"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    # An urgent alert a liaison sent at once, without a second pair of eyes: reviewed after.
    sent_unreviewed = models.BooleanField(_("sent before review"), default=False)
    returned_note = models.CharField(_("sent back because"), max_length=500, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, db_index=True)
    revision = models.PositiveIntegerField(_("revision"), default=0)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    # The idempotency key a client wrote the draft with: its resend finds this draft.
    key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    objects = BulletinQuerySet.as_manager()

    class Meta:
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        ordering = ["-published_at", "-written_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(circle_radius_km__isnull=True) | Q(circle_radius_km__gt=0),
                name="bulletin_radius_positive",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True)
                | Q(publish_at__isnull=True)
                | Q(expires_at__gt=models.F("publish_at")),
                name="bulletin_expires_after_it_goes_out",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_alert(self) -> bool:
        return self.kind in ALERT_KINDS

    @property
    def is_out(self) -> bool:
        return self.published_at is not None and self.published_at <= timezone.now()

    @property
    def is_withdrawn(self) -> bool:
        return self.status == Status.WITHDRAWN

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def has_circle(self) -> bool:
        return None not in (self.circle_latitude, self.circle_longitude, self.circle_radius_km)

    @property
    def is_targeted(self) -> bool:
        """An urgent alert with a circle reaches the people near it, not everyone: the areas
        within the circle are set when it goes out (`services.areas_within`)."""
        return self.kind == Kind.URGENT and self.has_circle

    @property
    def shows_details(self) -> bool:
        """A withdrawn urgent alert (the person found) shows no photo or description any more."""
        return not (self.kind == Kind.URGENT and self.is_withdrawn)

    def body_html(self) -> str:
        return markdown.render(self.body)

    def last_seen_text(self) -> str:
        """ "Last seen: <time>, <place>" for an urgent alert that still shows its details, in
        the active language and China's time; "" for anything else."""
        if self.kind != Kind.URGENT or not self.shows_details:
            return ""
        when = ""
        if self.last_seen_at is not None:
            when = timezone.localtime(self.last_seen_at).strftime("%Y-%m-%d %H:%M")
        where = self.last_seen_place.strip()
        if when and where:
            return gettext("Last seen: %(when)s, %(where)s") % {"when": when, "where": where}
        if when:
            return gettext("Last seen: %(when)s") % {"when": when}
        if where:
            return gettext("Last seen: %(where)s") % {"where": where}
        return ""


class BulletinPhoto(models.Model):
    """One of a bulletin's photos (at most `services.MOST_PHOTOS`), stored as `clean_photo`
    left it: a JPEG without EXIF, so no phone's GPS position goes out with an alert."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to="bulletins/%Y/%m/")
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("bulletin photo")
        verbose_name_plural = _("bulletin photos")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.bulletin_id}: {self.image.name}"

    def get_absolute_url(self) -> str:
        """Through the bulletin's door (`views.pages.photo`), never the storage's address."""
        return reverse("bulletins:photo", args=[self.bulletin_id, self.pk])


class BulletinChange(models.Model):
    """A correction or a withdrawal of a published bulletin, as it went out."""

    class Kind(models.TextChoices):
        UPDATE = "update", _("Correction")
        CANCEL = "cancel", _("Withdrawal")

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    revision = models.PositiveIntegerField(_("revision"))
    note = models.CharField(_("what changed"), max_length=500)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("bulletin change")
        verbose_name_plural = _("bulletin changes")
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "revision"], name="bulletin_change_once")
        ]

    def __str__(self) -> str:
        return f"{self.bulletin_id} r{self.revision} {self.kind}"


class InboxItemQuerySet(models.QuerySet["InboxItem"]):
    def unread(self) -> "InboxItemQuerySet":
        return self.filter(read_at__isnull=True)


class InboxItem(models.Model):
    """A bulletin in one member's inbox. A correction or withdrawal marks it unread again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="inbox_items")
    revision = models.PositiveIntegerField(_("revision"), default=0)
    delivered_at = models.DateTimeField(_("delivered at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = InboxItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("inbox item")
        verbose_name_plural = _("inbox items")
        ordering = ["-delivered_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "bulletin"], name="inbox_item_once")]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.bulletin_id}"


class Robot(models.Model):
    """A group robot (WeCom, DingTalk or Feishu) of a squad's or an area's chat group: bulletins
    for that squad or area are posted to it. Its address and signing secret are credentials."""

    class Provider(models.TextChoices):
        WECOM = "wecom", _("WeCom")
        DINGTALK = "dingtalk", _("DingTalk")
        FEISHU = "feishu", _("Feishu")

    name = models.CharField(_("name"), max_length=80)
    provider = models.CharField(_("provider"), max_length=10, choices=Provider.choices)
    url = models.URLField(_("webhook address"), max_length=500)
    secret = models.CharField(
        _("signing secret"), max_length=200, blank=True,
        help_text=_("DingTalk and Feishu robots with signing on: the secret they show."),
    )  # fmt: skip
    squad = models.ForeignKey(
        "members.Squad", verbose_name=_("squad"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="+",
    )  # fmt: skip
    area = models.ForeignKey(
        "places.Area", verbose_name=_("area"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="+",
    )  # fmt: skip
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Preference(models.Model):
    """What a member wants besides the inbox: by which channels, of which kinds, and when not
    (urgent alerts ignore quiet hours)."""

    class Channel(models.TextChoices):
        SMS = "sms", _("Text message")
        EMAIL = "email", _("E-mail")
        PUSH = "push", _("Browser notification")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bulletin_preference"
    )
    channels = models.JSONField(_("channels"), default=list, blank=True)
    kinds = models.JSONField(_("kinds"), default=list, blank=True, help_text=_("Empty: every kind"))
    email = models.EmailField(_("e-mail address"), blank=True)
    quiet_from = models.TimeField(_("quiet from"), null=True, blank=True)
    quiet_until = models.TimeField(_("quiet until"), null=True, blank=True)

    class Meta:
        verbose_name = _("bulletin preference")
        verbose_name_plural = _("bulletin preferences")

    def __str__(self) -> str:
        return str(self.user_id)


class Subscriber(models.Model):
    """A member of the public who follows bulletins for some areas, without an account: by
    e-mail (nothing is sent before they confirm by the link; the same token unsubscribes in one
    click), or in one browser by Web Push (no address: the browser's own permission prompt is
    the consent, and its subscription in `push`; the token is its notifications' stop link)."""

    email = models.EmailField(_("e-mail address"), blank=True)
    areas = models.ManyToManyField(
        "places.Area", verbose_name=_("areas"), blank=True, related_name="+"
    )
    kinds = models.JSONField(_("kinds"), default=list, blank=True, help_text=_("Empty: every kind"))
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("subscribed at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        constraints = [
            models.UniqueConstraint(
                fields=["email"], condition=~Q(email=""), name="subscriber_email_once"
            )
        ]

    def __str__(self) -> str:
        return self.email or f"browser #{self.pk}"


class Sighting(models.Model):
    """ "I saw them": a tip from the public linked to an urgent alert. It skips the queue: the
    alert's liaison and the moderators on duty hear of it at once."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="sightings")
    tip = models.OneToOneField("tips.Tip", on_delete=models.CASCADE, related_name="sighting")
    created_at = models.DateTimeField(_("seen at"), default=timezone.now)

    class Meta:
        verbose_name = _("sighting")
        verbose_name_plural = _("sightings")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.bulletin_id}: {self.tip_id}"


class SharePost(models.Model):
    """The share pack's checklist: who posted a bulletin to which group or account, and where."""

    class Channel(models.TextChoices):
        WECHAT = "wechat", _("WeChat groups")
        WEIBO = "weibo", _("Weibo")
        QQ = "qq", _("QQ groups")

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="share_posts")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    revision = models.PositiveIntegerField(_("revision"), default=0)
    link = models.URLField(_("link to the post"), max_length=500, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("posted by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    posted_at = models.DateTimeField(_("posted at"), default=timezone.now)

    class Meta:
        verbose_name = _("share post")
        verbose_name_plural = _("share posts")
        constraints = [
            models.UniqueConstraint(
                fields=["bulletin", "channel", "revision"], name="share_post_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.bulletin_id} {self.channel}"


class PushSubscription(models.Model):
    """A browser's Web Push subscription (RFC 8030/8291): a member's, or a public subscriber's.
    A push service answering 404 or 410 has dropped it: it is deleted then."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    subscriber = models.ForeignKey(
        Subscriber, null=True, blank=True, on_delete=models.CASCADE, related_name="push"
    )
    endpoint = models.URLField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(_("subscribed at"), default=timezone.now)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return self.endpoint[:60]
