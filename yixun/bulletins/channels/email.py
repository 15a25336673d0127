"""E-mail: bulletins to the members who chose e-mail in their bulletin settings and to the
public's subscriptions (a confirmed address following some areas and kinds, no account); and
those subscriptions themselves: asked for, confirmed by a link, stopped in one click (RFC 8058).

Each mail is one outward task in the delivery log, keyed by bulletin, revision and recipient,
composed when it is sent: a correction that comes before a retry replaces the older mail rather
than following it, and a recipient who stopped e-mails in between gets nothing."""

import datetime as dt
import logging
import re
import secrets
import smtplib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from yixun.accounts import throttle
from yixun.bulletins import channels, followers
from yixun.bulletins.models import Bulletin, BulletinChange, Kind, Preference, Subscriber
from yixun.bulletins.services import audience
from yixun.lib.errors import DomainError
from yixun.lib.links import absolute
from yixun.places.models import Area
from yixun.tips.services.alerts import RETRIES
from yixun.worker.models import Delivery
from yixun.worker.services import deliveries

log = logging.getLogger("yixun.bulletins")

MEMBER = "member"
SUBSCRIBER = "subscriber"
CONFIRM_SALT = "yixun.bulletins.subscribe"
STOP_SALT = "yixun.bulletins.email_off"
CONFIRM_WITHIN = dt.timedelta(days=7)
HOUR = dt.timedelta(hours=1)
# Subscription requests an hour: for one address (a form sent again after a typo, never a
# mailbox flooded with confirmations), and from one network address.
SUBSCRIBE_PER_EMAIL = 3
SUBSCRIBE_PER_ADDRESS = 10
KEY = re.compile(
    r"^bulletin-(?P<bulletin>\d+)-r(?P<revision>\d+)-email-(?P<recipient>member|subscriber)-(?P<id>\d+)$"
)


class SubscribeRefused(DomainError):
    status = 429


def mask(address: str) -> str:
    """An address as the delivery log keeps it: z***@example.com."""
    local, _at, domain = address.rpartition("@")
    return f"{local[:1]}***@{domain}" if local else "***"


# Who gets a bulletin by e-mail.
# Quiet hours do not apply: an e-mail does not ring, and it waits in the mailbox until read.


def member_recipients(bulletin: Bulletin) -> list[Preference]:
    """The bulletin's own audience, those of them who chose e-mail for its kind."""
    chosen = Preference.objects.filter(user_id__in=audience(bulletin).values("pk")).exclude(
        email=""
    )
    return [
        preference
        for preference in chosen.order_by("user_id")
        if Preference.Channel.EMAIL in preference.channels
        and followers.wants(preference.kinds, bulletin.kind)
    ]


def subscriber_recipients(bulletin: Bulletin) -> list[Subscriber]:
    """The public's subscriptions that follow this bulletin, those of them by e-mail."""
    return [subscriber for subscriber in followers.of(bulletin) if subscriber.email]


def queue(bulletin: Bulletin, revision: int) -> int:
    """One mail per address: a member who also subscribed as the public gets it once."""
    members: dict[str, Preference] = {}
    for preference in member_recipients(bulletin):
        members.setdefault(preference.email.lower(), preference)
    subscribers: dict[str, Subscriber] = {}
    for subscriber in subscriber_recipients(bulletin):
        if subscriber.email.lower() not in members:
            subscribers.setdefault(subscriber.email.lower(), subscriber)
    for preference in members.values():
        deliver_bulletin.enqueue(bulletin.pk, revision, MEMBER, preference.user_id)
    for subscriber in subscribers.values():
        deliver_bulletin.enqueue(bulletin.pk, revision, SUBSCRIBER, subscriber.pk)
    return len(members) + len(subscribers)


# The mails.


@dataclass(frozen=True)
class Letter:
    to: str
    subject: str
    text: str
    html: str
    headers: dict[str, str]

    def message(self, key: str) -> EmailMultiAlternatives:
        # The Message-ID is the delivery key: a mail sent again by a run cut off mid-send is
        # the same message, which a receiver may drop.
        domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "yixun"
        message = EmailMultiAlternatives(
            " ".join(self.subject.split()),
            self.text,
            to=[self.to],
            headers={**self.headers, "Message-ID": f"<{key}@{domain}>"},
        )
        message.attach_alternative(self.html, "text/html")
        return message


def member_stop_token(user_id: int) -> str:
    """A member's unsubscribe link turns e-mail off in their settings; it has a ":" in it,
    which a subscription's token never has."""
    return signing.dumps(user_id, salt=STOP_SALT)


def _stop_link(token: str) -> str:
    return absolute(reverse("bulletins:unsubscribe", args=[token]))


def _compose(bulletin: Bulletin, *, to: str, why: str, stop: str) -> Letter:
    change = bulletin.changes.filter(revision=bulletin.revision).first()
    title = f"{bulletin.get_kind_display()}: {bulletin.title}"
    if change is not None and change.kind == BulletinChange.Kind.CANCEL:
        subject = _("Withdrawn: %(title)s") % {"title": title}
    elif change is not None:
        subject = _("Correction: %(title)s") % {"title": title}
    else:
        subject = title
    context = {
        "bulletin": bulletin,
        "subject": subject,
        "change": change,
        "link": absolute(reverse("bulletins:detail", args=[bulletin.pk])),
        "why": why,
        "stop": stop,
        # A withdrawn urgent alert (the person found) carries no description any more.
        "body_html": bulletin.body_html() if bulletin.shows_details else "",
    }
    return Letter(
        to=to,
        subject=subject,
        text=render_to_string("bulletins/email/bulletin.txt", context),
        html=render_to_string("bulletins/email/bulletin.html", context),
        headers={
            "List-Unsubscribe": f"<{stop}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def _to_member(bulletin: Bulletin, user_id: int) -> Letter | None:
    preference = Preference.objects.select_related("user").filter(user_id=user_id).first()
    if (
        preference is None
        or not preference.email
        or Preference.Channel.EMAIL not in preference.channels
        or not followers.wants(preference.kinds, bulletin.kind)
        or not preference.user.is_active
    ):
        return None
    with translation.override(preference.user.language):
        return _compose(
            bulletin,
            to=preference.email,
            why=_("You get this because you chose e-mail in your bulletin settings."),
            stop=_stop_link(member_stop_token(user_id)),
        )


def _to_subscriber(bulletin: Bulletin, subscriber_id: int) -> Letter | None:
    subscriber = (
        Subscriber.objects.filter(
            pk=subscriber_id, confirmed_at__isnull=False, unsubscribed_at__isnull=True
        )
        .exclude(email="")
        .first()
    )
    if subscriber is None:
        return None
    # The public have no language of their own here: the site's.
    with translation.override(settings.LANGUAGE_CODE):
        areas = "、".join(subscriber.areas.order_by("path").values_list("name", flat=True))
        return _compose(
            bulletin,
            to=subscriber.email,
            why=_("You get this because you subscribed to bulletins for %(areas)s.")
            % {"areas": areas or _("every area")},
            stop=_stop_link(subscriber.token),
        )


def _refused_for_good(error: OSError) -> bool:
    """A 5xx answer (the address does not exist, the server will not take it): trying again
    would not help. A 4xx (greylisting, a full mailbox) and a server down are tried again."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _answer in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def _send(
    letter: Letter, *, key: str, about: str, attempt: int, again: Callable[[int], Any]
) -> bool:
    """Send under the delivery log; on failure queue `again(attempt + 1)` after the robots'
    waits, and after the last record the failure for good."""
    delivery = deliveries.begin(
        key=key, channel=Delivery.Channel.EMAIL, recipient=mask(letter.to), retry=attempt,
        about=about,
    )  # fmt: skip
    if delivery is None:  # an earlier run sent it, or recorded this try's failure
        return Delivery.objects.filter(key=key, status=Delivery.Status.SENT).exists()
    try:
        letter.message(key).send()
    except OSError as error:  # smtplib's errors are OSErrors too
        final = attempt >= len(RETRIES) or _refused_for_good(error)
        why = str(error).replace(letter.to, mask(letter.to))
        with transaction.atomic():
            if not deliveries.record_failure(delivery, answer=why, final=final):
                return False
            if final:
                log.error("e-mail %s to %s failed after %s tries: %s", key, mask(letter.to), attempt + 1, why)  # fmt: skip
            else:
                again(attempt + 1)
        return False
    deliveries.record_sent(delivery)
    return True


def _settle(key: str, *, attempt: int, why: str) -> None:
    """Nothing to send any more (superseded, unsubscribed): a delivery an earlier try left
    waiting for this one is closed; a first try leaves no row."""
    if attempt:
        delivery = deliveries.begin(
            key=key, channel=Delivery.Channel.EMAIL, recipient="-", retry=attempt
        )
        if delivery is not None:
            deliveries.record_failure(delivery, answer=why, final=True)


def _later(attempt: int) -> dt.datetime:
    return timezone.now() + RETRIES[attempt - 1]


@task()
@deliveries.outward
def deliver_bulletin(
    bulletin_id: int, revision: int, recipient: str, recipient_id: int, attempt: int = 0
) -> bool:
    """E-mail one revision of a bulletin to one member or subscriber, tried again later when
    the mail server is down."""
    key = f"bulletin-{bulletin_id}-r{revision}-email-{recipient}-{recipient_id}"
    bulletin = Bulletin.objects.filter(pk=bulletin_id).first()
    if bulletin is None or bulletin.revision != revision:
        _settle(key, attempt=attempt, why="not sent: a newer revision went out")
        return False
    compose = _to_member if recipient == MEMBER else _to_subscriber
    letter = compose(bulletin, recipient_id)
    if letter is None:
        _settle(key, attempt=attempt, why="not sent: e-mail stopped")
        return False
    return _send(
        letter, key=key, about=f"bulletins.bulletin:{bulletin_id}", attempt=attempt,
        again=lambda retry: deliver_bulletin.using(run_after=_later(retry)).enqueue(
            bulletin_id, revision, recipient, recipient_id, retry
        ),
    )  # fmt: skip


def resend(delivery: Delivery) -> bool:
    """Queue a mail that failed for good once more, under its own key (its Message-ID, which
    a receiver may drop as a duplicate) and its next retry number: the officers' "resend what
    failed". It is composed again when it is sent, from the bulletin as it is now. Returns
    whether it was queued: one sent or queued again already, one a newer revision replaced,
    or one to a person who stopped e-mails since, is not."""
    match = KEY.match(delivery.key)
    if match is None or delivery.channel != Delivery.Channel.EMAIL:
        return False
    bulletin = Bulletin.objects.filter(pk=int(match["bulletin"])).first()
    revision, recipient, recipient_id = int(match["revision"]), match["recipient"], int(match["id"])
    if bulletin is None or bulletin.revision != revision:
        return False
    compose = _to_member if recipient == MEMBER else _to_subscriber
    if compose(bulletin, recipient_id) is None:
        return False
    with transaction.atomic():
        if not channels.reopen(delivery):
            return False
        deliver_bulletin.enqueue(bulletin.pk, revision, recipient, recipient_id, delivery.retry)
    return True


# The public's subscriptions.


@dataclass(frozen=True)
class Request:
    """A subscription as a confirmation link asks for it."""

    subscriber: Subscriber
    areas: list[Area]
    kinds: list[str]


def subscribe(
    *, email: str, areas: Iterable[Area], kinds: Iterable[str], address: str, language: str
) -> None:
    """Send a confirmation link to the address; nothing else is sent before it is followed.
    The answer is the same whether the address was subscribed or not: the choice of areas and
    kinds travels in the link, and an existing subscription changes only when it is followed."""
    email = email.strip()
    try:
        throttle.admit(
            [
                throttle.Window("bulletins.subscribe.email", email.lower(), SUBSCRIBE_PER_EMAIL, HOUR),
                throttle.Window("bulletins.subscribe.address", address, SUBSCRIBE_PER_ADDRESS, HOUR),
            ]
        )  # fmt: skip
    except throttle.Throttled as refusal:
        raise SubscribeRefused(
            _("Too many requests. Try again in %(wait)s.")
            % {"wait": throttle.wait_text(refusal.wait)},
            code="throttled",
        ) from None
    areas, kinds = list(areas), sorted(set(kinds) & set(Kind.values))
    followable = set(
        followers.followable_areas()
        .filter(pk__in=[a.pk for a in areas])
        .values_list("pk", flat=True)
    )
    if any(area.pk not in followable for area in areas):
        raise SubscribeRefused(_("Choose towns and streets to follow."), code="unknown_area")
    with transaction.atomic():
        subscriber = Subscriber.objects.filter(email__iexact=email).first()
        if subscriber is None:
            try:
                with transaction.atomic():
                    subscriber = Subscriber.objects.create(
                        email=email, token=secrets.token_urlsafe(32), kinds=kinds
                    )
                    subscriber.areas.set(areas)
            except IntegrityError:  # the same address asked twice at once
                subscriber = Subscriber.objects.get(email=email)
        token = signing.dumps(
            {"s": subscriber.pk, "a": sorted(area.pk for area in areas), "k": kinds},
            salt=CONFIRM_SALT,
            compress=True,
        )
        deliver_confirmation.enqueue(
            subscriber.pk, token, language, 0, f"bulletins-confirm-{uuid.uuid4().hex}"
        )


def read_confirmation(token: str) -> Request | None:
    """What a confirmation link asks for; None when it is forged, mangled or too old."""
    try:
        asked = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_WITHIN)
    except signing.BadSignature:
        return None
    subscriber = Subscriber.objects.filter(pk=asked["s"]).first()
    if subscriber is None:
        return None
    areas = list(followers.followable_areas().filter(pk__in=asked["a"]))
    return Request(subscriber=subscriber, areas=areas, kinds=asked["k"])


def confirm_subscription(*, token: str) -> Subscriber | None:
    """Follow a confirmation link: the subscription starts, or restarts, with what it asked."""
    asked = read_confirmation(token)
    if asked is None:
        return None
    subscriber = asked.subscriber
    with transaction.atomic():
        subscriber.kinds = asked.kinds
        subscriber.confirmed_at = timezone.now()
        subscriber.unsubscribed_at = None
        subscriber.save(update_fields=["kinds", "confirmed_at", "unsubscribed_at"])
        subscriber.areas.set(asked.areas)
    return subscriber


@task()
@deliveries.outward
def deliver_confirmation(
    subscriber_id: int, token: str, language: str, attempt: int = 0, key: str = ""
) -> bool:
    """The confirmation link, in the language the form was filled in."""
    key = key or f"bulletins-confirm-{deliveries.key_of(subscriber_id, token)[:32]}"
    asked = read_confirmation(token)
    if asked is None:  # gone, or too old to be any use
        _settle(key, attempt=attempt, why="not sent: the link has expired")
        return False
    with translation.override(language):
        context = {
            "link": absolute(reverse("bulletins:subscribe_confirm", args=[token])),
            "areas": "、".join(area.name for area in asked.areas) or _("every area"),
            "kinds": "、".join(str(Kind(kind).label) for kind in asked.kinds) or _("every kind"),
            "days": CONFIRM_WITHIN.days,
        }
        letter = Letter(
            to=asked.subscriber.email,
            subject=_("Confirm your subscription to bulletins"),
            text=render_to_string("bulletins/email/confirm.txt", context),
            html=render_to_string("bulletins/email/confirm.html", context),
            headers={},
        )
    return _send(
        letter, key=key, about=f"bulletins.subscriber:{subscriber_id}", attempt=attempt,
        again=lambda retry: deliver_confirmation.using(run_after=_later(retry)).enqueue(
            subscriber_id, token, language, retry, key
        ),
    )  # fmt: skip


def stopping(token: str) -> str | None:
    """Whose e-mails an unsubscribe link stops, masked (for its page); None when it stops none."""
    if ":" in token:
        user_id = _member_of(token)
        preference = Preference.objects.filter(user_id=user_id).first() if user_id else None
        return mask(preference.email) if preference and preference.email else None
    subscriber = Subscriber.objects.filter(token=token).exclude(email="").first()
    return mask(subscriber.email) if subscriber else None


def _member_of(token: str) -> int | None:
    try:
        user_id = signing.loads(token, salt=STOP_SALT)
    except signing.BadSignature:
        return None
    return user_id if isinstance(user_id, int) else None


def unsubscribe(*, token: str) -> bool:
    """Stop the e-mails of one link: a subscription, or a member's e-mail channel (their other
    channels stay). Returns whether the link was good; following it twice changes nothing."""
    if ":" not in token:
        by_mail = Subscriber.objects.filter(token=token).exclude(email="")
        by_mail.filter(unsubscribed_at__isnull=True).update(unsubscribed_at=timezone.now())
        return by_mail.exists()
    user_id = _member_of(token)
    if user_id is None:
        return False
    with transaction.atomic():
        preference = Preference.objects.select_for_update().filter(user_id=user_id).first()
        if preference is None:
            return False
        if Preference.Channel.EMAIL in preference.channels:
            preference.channels = [c for c in preference.channels if c != Preference.Channel.EMAIL]
            preference.save(update_fields=["channels"])
    return True
