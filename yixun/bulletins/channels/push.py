"""Browser notifications (Web Push: RFC 8030, payloads encrypted as RFC 8291, signed with
VAPID, RFC 8292) to the members who turned them on in a browser that has them. Most phones'
browsers do; WeChat's built-in browser does not, so for many members in mainland China this
channel reaches nobody, and the inbox and text messages stay the ones that count.

Each notification is one outward task per browser, keyed by bulletin, revision and
subscription, and composed when it is sent: a correction that comes before a retry is what
the browser shows. A push service that answers 404 or 410 has dropped the subscription (the
person blocked notifications, or cleared the browser): it is deleted then. The payload goes
through the browser maker's push service encrypted for the browser alone."""

import base64
import binascii
import datetime as dt
import functools
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from yixun.accounts.models import User
from yixun.audit import services as audit
from yixun.bulletins import channels, followers, preferences
from yixun.bulletins.cap import plain_text
from yixun.bulletins.models import Bulletin, BulletinChange, Kind, Preference, PushSubscription
from yixun.bulletins.services import audience
from yixun.lib.errors import DomainError
from yixun.lib.links import absolute
from yixun.tips.services.alerts import RETRIES
from yixun.worker.models import Delivery
from yixun.worker.services import deliveries

log = logging.getLogger("yixun.bulletins")

# A push service that has not answered by then is taken as down: tried again later.
TIMEOUT_SECONDS = 10
# How long a push service keeps a notification for a browser that is off (RFC 8030 TTL).
KEEP_FOR = dt.timedelta(days=1)
TITLE_LENGTH = 100
BODY_LENGTH = 140  # a phone shows two or three lines: the link leads to the rest
GONE = (404, 410)  # RFC 8030 §7.3: the subscription has expired or was removed
BASE64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")
KEY = re.compile(r"^bulletin-(?P<bulletin>\d+)-r(?P<revision>\d+)-push-(?P<subscription>\d+)$")


class PushRefused(DomainError):
    status = 400


@dataclass(frozen=True)
class Keys:
    """A browser's PushSubscription as it posted it: where to push, and the keys to encrypt
    for it (its P-256 public key and its 16-byte authentication secret, base64url)."""

    endpoint: str
    p256dh: str
    auth: str


def is_configured() -> bool:
    return bool(settings.YIXUN_VAPID_PRIVATE_KEY and settings.YIXUN_VAPID_PUBLIC_KEY)


def key_for(bulletin_id: int, revision: int, subscription_id: int) -> str:
    return f"bulletin-{bulletin_id}-r{revision}-push-{subscription_id}"


# Who gets a bulletin in their browser, and when.


def queue(bulletin: Bulletin, revision: int) -> int:
    """One notification per browser of each member of the audience who chose browser
    notifications for this kind; during their quiet hours a bulletin that is not an urgent
    alert waits for the quiet to end. Returns how many were queued."""
    if not is_configured():
        return 0
    return _queue_members(bulletin, revision) + _queue_public(bulletin, revision)


def _queue_members(bulletin: Bulletin, revision: int) -> int:
    browsers = list(
        PushSubscription.objects.filter(user_id__in=audience(bulletin).values("pk"))
        .order_by("pk")
        .values_list("pk", "user_id")
    )
    chosen = preferences.of_many(sorted({user_id for _pk, user_id in browsers}))
    now = timezone.now()
    queued = 0
    for subscription_id, user_id in browsers:
        preference = chosen[user_id]
        if not preferences.wants(preference, bulletin.kind, Preference.Channel.PUSH):
            continue
        later = preferences.quiet_until(preference, bulletin.kind, now)
        send = deliver_push.using(run_after=later) if later else deliver_push
        send.enqueue(bulletin.pk, revision, subscription_id, 0)
        queued += 1
    return queued


def _queue_public(bulletin: Bulletin, revision: int) -> int:
    """The browsers of the public that follow the bulletin's areas and kind (`followers`).
    The public have no quiet hours here: they chose the areas and kinds, and may stop."""
    subscribers = [subscriber.pk for subscriber in followers.of(bulletin)]
    browsers = list(
        PushSubscription.objects.filter(subscriber_id__in=subscribers)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for subscription_id in browsers:
        deliver_push.enqueue(bulletin.pk, revision, subscription_id, 0)
    return len(browsers)


# The notification.


def _shorten(text: str, length: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def compose(bulletin: Bulletin, revision: int, *, why: str = "", stop: str = "") -> dict[str, str]:
    """What the service worker shows: a title, a line or two of plain text, the bulletin's
    page to open, and a tag under which a correction replaces the notification it corrects;
    then why this browser got it, and the page that stops them (a button on the notification).
    A withdrawal shows what changed and no text: a closed urgent alert keeps the missing
    person's description off the lock screen."""
    change = bulletin.changes.filter(revision=revision).first() if revision else None
    heading = f"{bulletin.get_kind_display()}: {bulletin.title}"
    if change is None:
        title = heading
        body = plain_text(bulletin) if bulletin.shows_details else ""
    elif change.kind == BulletinChange.Kind.CANCEL:
        title, body = _("Withdrawn: %(title)s") % {"title": heading}, change.note
    else:
        title, body = _("Correction: %(title)s") % {"title": heading}, change.note
    return {
        "title": _shorten(title, TITLE_LENGTH),
        "body": _shorten(body, BODY_LENGTH),
        "url": absolute(reverse("bulletins:detail", args=[bulletin.pk])),
        "tag": f"bulletin-{bulletin.pk}",
        "why": why,
        "stop": stop,
        "stop_label": _("Stop these") if stop else "",
    }


@dataclass(frozen=True)
class Reader:
    """Who is at a browser, as a notification to it says: why they get it, where to stop it."""

    language: str
    why: str
    stop: str


def _reader(subscription: PushSubscription, bulletin: Bulletin) -> Reader | None:
    """Read again when it is sent: a member may have turned notifications off, or left, and a
    follower stopped, since it was queued (or while it waited for quiet hours to end). None:
    nothing to send. The texts are in the reader's language (the public's: the site's)."""
    user, subscriber = subscription.user, subscription.subscriber
    if user is not None:
        if not _still_wanted(user, bulletin):
            return None
        with translation.override(user.language):
            why = _("You get this because you turned on browser notifications for bulletins.")
        return Reader(user.language, why, absolute(reverse("bulletins:settings")))
    if subscriber is None or not bulletin.to_public:
        return None
    if not followers.is_current(subscriber, bulletin.kind):
        return None
    with translation.override(settings.LANGUAGE_CODE):
        areas = "、".join(subscriber.areas.order_by("path").values_list("name", flat=True))
        why = _("You follow bulletins for %(areas)s in this browser.") % {
            "areas": areas or _("every area")
        }
    stop = absolute(reverse("bulletins:push_stop", args=[subscriber.token]))
    return Reader(settings.LANGUAGE_CODE, why, stop)


def _recipient(subscription: PushSubscription) -> str:
    """The browser as the delivery log names it: the push service's host and the row. The
    endpoint's path is a capability (whoever has it can push to that browser): never logged."""
    return f"{urlsplit(subscription.endpoint).hostname or '-'} #{subscription.pk}"


@functools.lru_cache(maxsize=2)
def _vapid(private_key: str, public_key: str) -> Vapid:
    """The signing key, read once; a public key that is not its pair is refused loudly, since
    every browser would subscribe with it and every push would then be refused."""
    vapid = Vapid.from_string(private_key)
    # What browsers are given as the applicationServerKey: the uncompressed point.
    raw = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != public_key.rstrip("="):
        raise ImproperlyConfigured(
            "YIXUN_VAPID_PUBLIC_KEY is not the pair of YIXUN_VAPID_PRIVATE_KEY: set both from "
            "one run of manage.py vapid_keys."
        )
    return vapid


def send(subscription: PushSubscription, message: dict[str, str], *, urgent: bool, ttl: int) -> str:
    """One POST to the browser's push service; raises WebPushException with its answer, or
    requests' errors (OSErrors) when it cannot be reached."""
    response = webpush(
        subscription_info={
            "endpoint": subscription.endpoint,
            "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
        },
        data=json.dumps(message, ensure_ascii=False),
        vapid_private_key=_vapid(settings.YIXUN_VAPID_PRIVATE_KEY, settings.YIXUN_VAPID_PUBLIC_KEY),
        vapid_claims={"sub": settings.YIXUN_VAPID_SUBJECT},  # aud: the endpoint's origin
        content_encoding="aes128gcm",
        timeout=TIMEOUT_SECONDS,
        ttl=ttl,
        # RFC 8030 §5.3-5.4: an urgent alert may wake a phone that saves its battery; a newer
        # message under the same topic replaces one the push service still holds.
        headers={"Urgency": "high" if urgent else "normal", "Topic": message["tag"]},
    )
    return f"{getattr(response, 'status_code', '')}"


def _ttl(bulletin: Bulletin) -> int:
    """A day, or until the bulletin expires if that is sooner (0: it has expired)."""
    keep = KEEP_FOR
    if bulletin.expires_at is not None:
        keep = min(keep, bulletin.expires_at - timezone.now())
    return max(0, int(keep.total_seconds()))


def _settle(key: str, *, attempt: int, why: str) -> None:
    """Nothing to send any more (superseded, turned off, the browser gone): a delivery an
    earlier try left waiting for this one is closed; a first try leaves no row."""
    if attempt:
        delivery = deliveries.begin(
            key=key, channel=Delivery.Channel.PUSH, recipient="-", retry=attempt
        )
        if delivery is not None:
            deliveries.record_failure(delivery, answer=why, final=True)


def _still_wanted(user: User, bulletin: Bulletin) -> bool:
    if not user.is_active:
        return False
    return preferences.wants(preferences.of(user), bulletin.kind, Preference.Channel.PUSH)


@task()
@deliveries.outward
def deliver_push(bulletin_id: int, revision: int, subscription_id: int, attempt: int = 0) -> bool:
    """Push one revision of a bulletin to one browser, tried again later when its push service
    is down or busy."""
    key = key_for(bulletin_id, revision, subscription_id)
    bulletin = Bulletin.objects.filter(pk=bulletin_id).first()
    if bulletin is None or bulletin.revision != revision:
        _settle(key, attempt=attempt, why="not sent: a newer revision went out")
        return False
    if not is_configured():  # the keys were taken out since it was queued
        _settle(key, attempt=attempt, why="not sent: browser notifications are not set up")
        return False
    subscription = (
        PushSubscription.objects.select_related("user", "subscriber")
        .filter(pk=subscription_id)
        .first()
    )
    reader = _reader(subscription, bulletin) if subscription is not None else None
    if subscription is None or reader is None:
        _settle(key, attempt=attempt, why="not sent: browser notifications turned off")
        return False
    ttl = _ttl(bulletin)
    if ttl == 0:
        _settle(key, attempt=attempt, why="not sent: the bulletin has expired")
        return False
    with translation.override(reader.language):
        message = compose(bulletin, revision, why=reader.why, stop=reader.stop)
    delivery = deliveries.begin(
        key=key, channel=Delivery.Channel.PUSH, recipient=_recipient(subscription),
        retry=attempt, about=channels.about(bulletin),
    )  # fmt: skip
    if delivery is None:  # an earlier run sent it, or recorded this try's failure
        return Delivery.objects.filter(key=key, status=Delivery.Status.SENT).exists()
    try:
        answer = send(subscription, message, urgent=bulletin.kind == Kind.URGENT, ttl=ttl)
    except (WebPushException, OSError) as error:  # requests' errors are OSErrors too
        _failed(
            delivery,
            subscription,
            error,
            attempt=attempt,
            again=_again(bulletin_id, revision, subscription_id),
        )
        return False
    deliveries.record_sent(delivery, answer=answer)
    return True


def _again(bulletin_id: int, revision: int, subscription_id: int) -> Callable[[int], None]:
    def later(retry: int) -> None:
        deliver_push.using(run_after=timezone.now() + RETRIES[retry - 1]).enqueue(
            bulletin_id, revision, subscription_id, retry
        )

    return later


def _status(error: Exception) -> int | None:
    return error.status_code if isinstance(error, WebPushException) else None


def _failed(
    delivery: Delivery,
    subscription: PushSubscription,
    error: Exception,
    *,
    attempt: int,
    again: Callable[[int], None],
) -> None:
    """404/410: the browser dropped the subscription; it is deleted, and that is final. Another
    refusal (400 a malformed push, 401/403 a VAPID key the service refuses, 413 too large) is
    final too. A push service down, timing out, answering 5xx or 429 is tried again after the
    robots' waits, and after the last one the failure is final."""
    status = _status(error)
    gone = status in GONE
    retryable = status is None or status >= 500 or status == 429
    final = gone or not retryable or attempt >= len(RETRIES)
    why = f"{status} from the push service" if status else type(error).__name__
    with transaction.atomic():
        if not deliveries.record_failure(delivery, answer=why, final=final):
            return
        if gone:
            PushSubscription.objects.filter(pk=subscription.pk).delete()
        elif final:
            log.error("browser notification %s failed after %s tries: %s", delivery.key, attempt + 1, why)  # fmt: skip
        else:
            again(attempt + 1)


def resend(delivery: Delivery) -> bool:
    """Queue a notification that failed for good once more, under its own key and its next
    retry number: the officers' "resend what failed". It is composed again when it is sent,
    from the bulletin as it is now, after the member's quiet hours. Returns whether it was
    queued: one sent or queued again already, one a newer revision replaced, one to a browser
    that is gone (its push service said 404 or 410) or a member who turned notifications off
    since, is not."""
    match = KEY.match(delivery.key)
    if match is None or delivery.channel != Delivery.Channel.PUSH or not is_configured():
        return False
    bulletin = Bulletin.objects.filter(pk=int(match["bulletin"])).first()
    revision = int(match["revision"])
    if bulletin is None or bulletin.revision != revision or _ttl(bulletin) == 0:
        return False
    subscription = (
        PushSubscription.objects.select_related("user", "subscriber")
        .filter(pk=int(match["subscription"]))
        .first()
    )
    if subscription is None or _reader(subscription, bulletin) is None:
        return False
    user = subscription.user
    later = (
        preferences.quiet_until(preferences.of(user), bulletin.kind, timezone.now())
        if user is not None
        else None
    )
    send = deliver_push.using(run_after=later) if later else deliver_push
    with transaction.atomic():
        if not channels.reopen(delivery):
            return False
        send.enqueue(bulletin.pk, revision, subscription.pk, delivery.retry)
    return True


# A member's browsers.


def _decoded(value: object, length: int) -> str | None:
    """A base64url value (padded or not) that decodes to `length` bytes, without its padding."""
    if not isinstance(value, str) or not BASE64URL.match(value):
        return None
    bare = value.rstrip("=")
    try:
        raw = base64.urlsafe_b64decode(bare + "=" * (-len(bare) % 4))
    except (binascii.Error, ValueError):
        return None
    return bare if len(raw) == length else None


def _endpoint_allowed(endpoint: object) -> bool:
    """Push services are reached over HTTPS only; a laptop or the tests may use a push
    endpoint on 127.0.0.1 over plain HTTP."""
    if not isinstance(endpoint, str) or len(endpoint) > 1000 or endpoint != endpoint.strip():
        return False
    try:
        parts = urlsplit(endpoint)
        parts.port  # noqa: B018 - a port that is no number raises here
    except ValueError:
        return False
    if parts.scheme == "https" and parts.hostname:
        return True
    local = parts.scheme == "http" and parts.hostname == "127.0.0.1"
    return local and (settings.DEBUG or not settings.PRODUCTION)


def read_subscription(data: object) -> Keys:
    """The browser's PushSubscription (`subscription.toJSON()`), checked: an HTTPS endpoint,
    a P-256 public key (65 bytes, a point on the curve) and a 16-byte secret."""
    if not isinstance(data, dict):
        raise PushRefused(_("This browser sent no subscription."), code="invalid")
    keys = data.get("keys")
    if not isinstance(keys, dict):
        keys = {}
    endpoint = data.get("endpoint")
    if not _endpoint_allowed(endpoint):
        raise PushRefused(
            _("This browser's push address is not one Yixun can use."), code="endpoint"
        )
    p256dh, auth = _decoded(keys.get("p256dh"), 65), _decoded(keys.get("auth"), 16)
    if p256dh is None or auth is None or not _on_curve(p256dh):
        raise PushRefused(_("This browser's notification keys are not valid."), code="keys")
    assert isinstance(endpoint, str)  # noqa: S101 - checked by _endpoint_allowed
    return Keys(endpoint=endpoint, p256dh=p256dh, auth=auth)


def _on_curve(p256dh: str) -> bool:
    raw = base64.urlsafe_b64decode(p256dh + "=" * (-len(p256dh) % 4))
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        return False
    return True


def _set_push(user: User, *, on: bool) -> None:
    """Browser notifications on or off among the member's channels (their other choices stay;
    a member who never chose gets the defaults with it)."""
    preference = Preference.objects.select_for_update().filter(user=user).first()
    if preference is None:
        if not on:
            return
        preference = preferences.default(user.pk)
        preference.save()
    has = Preference.Channel.PUSH in preference.channels
    if has == on:
        return
    others = [c for c in preference.channels if c != Preference.Channel.PUSH]
    preference.channels = sorted([*others, Preference.Channel.PUSH] if on else others)
    preference.save(update_fields=["channels"])
    audit.record(
        actor=user,
        action="bulletins.preference.changed",
        target=preference,
        data={"channels": preference.channels, "kinds": preference.kinds},
    )


def subscribe_member(*, user: User, keys: Keys) -> PushSubscription:
    """This browser gets the member's notifications, and browser notifications are on among
    their channels. A browser subscribed by someone else before (a shared computer) is theirs
    now: the browser itself sent its subscription, so this person is at it."""
    with transaction.atomic():
        subscription, _created = PushSubscription.objects.update_or_create(
            endpoint=keys.endpoint,
            defaults={"user": user, "subscriber": None, "p256dh": keys.p256dh, "auth": keys.auth},
        )
        _set_push(user, on=True)
    return subscription


def unsubscribe_member(*, user: User, endpoint: str) -> bool:
    """This browser stops; when it was the member's last, browser notifications are off among
    their channels. Returns whether it was theirs."""
    with transaction.atomic():
        deleted, _kinds = PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
        if not PushSubscription.objects.filter(user=user).exists():
            _set_push(user, on=False)
    return bool(deleted)
