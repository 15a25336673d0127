"""The public's browser notifications, without an account: one browser follows some areas and
kinds, changes them by following again, and stops from the page or by the link every
notification carries.

There is nothing to confirm by mail: a browser subscribes only after its own permission prompt,
which is the consent, and the subscription it posts reaches that browser alone. Its endpoint is
a capability (whoever holds it may push to the browser), so presenting it again is what proves
a later change or stop comes from the same browser."""

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yixun.accounts import throttle
from yixun.audit import services as audit
from yixun.bulletins import followers
from yixun.bulletins.channels.push import Keys, PushRefused
from yixun.bulletins.models import Kind, PushSubscription, Subscriber

HOUR = dt.timedelta(hours=1)
# Browsers following (or changing what they follow) from one network address in an hour.
FOLLOW_PER_ADDRESS = 10


class FollowRefused(PushRefused):
    status = 429


def _checked(area_ids: list[object], kinds: list[object]) -> tuple[list[int], list[str]]:
    ids = [pk for pk in area_ids if isinstance(pk, int) and not isinstance(pk, bool)]
    if len(ids) != len(list(area_ids)):
        raise PushRefused(_("Choose towns and streets to follow."), code="unknown_area")
    found = set(followers.followable_areas().filter(pk__in=ids).values_list("pk", flat=True))
    if set(ids) - found:
        raise PushRefused(_("Choose towns and streets to follow."), code="unknown_area")
    asked = list(kinds)
    if any(kind not in Kind.values for kind in asked):
        raise PushRefused(_("Choose kinds of bulletins from the list."), code="unknown_kind")
    return sorted(found), sorted(set(map(str, asked)))


def follow(*, keys: Keys, area_ids: list[object], kinds: list[object], address: str) -> Subscriber:
    """This browser gets the public bulletins of these areas (none: every area) and kinds
    (none: every kind) from now on. A browser that follows already changes what it follows;
    one a member subscribed before (a shared computer) is the public's now."""
    ids, chosen = _checked(area_ids, kinds)
    try:
        throttle.admit(
            [throttle.Window("bulletins.push_follow.address", address, FOLLOW_PER_ADDRESS, HOUR)]
        )
    except throttle.Throttled as refusal:
        raise FollowRefused(
            _("Too many requests. Try again in %(wait)s.")
            % {"wait": throttle.wait_text(refusal.wait)},
            code="throttled",
        ) from None
    now = timezone.now()
    with transaction.atomic():
        browser = (
            # Only the subscription's row: PostgreSQL locks no nullable side of an outer join.
            PushSubscription.objects.select_for_update(of=("self",))
            .select_related("subscriber")
            .filter(endpoint=keys.endpoint)
            .first()
        )
        subscriber = browser.subscriber if browser is not None else None
        if subscriber is None or subscriber.email:
            # Its own subscription: an e-mail subscriber's address is never tied to a browser.
            subscriber = Subscriber.objects.create(email="", token=secrets.token_urlsafe(32))
        subscriber.kinds, subscriber.confirmed_at, subscriber.unsubscribed_at = chosen, now, None
        subscriber.save(update_fields=["kinds", "confirmed_at", "unsubscribed_at"])
        subscriber.areas.set(ids)
        PushSubscription.objects.update_or_create(
            endpoint=keys.endpoint,
            defaults={
                "user": None, "subscriber": subscriber, "p256dh": keys.p256dh, "auth": keys.auth,
            },
        )  # fmt: skip
        audit.record(
            actor=None,
            action="bulletins.subscriber.followed_in_browser",
            target=subscriber,
            data={"areas": ids, "kinds": chosen},
        )
    return subscriber


def _stop(subscriber: Subscriber) -> None:
    with transaction.atomic():
        PushSubscription.objects.filter(subscriber=subscriber).delete()
        Subscriber.objects.filter(pk=subscriber.pk, unsubscribed_at__isnull=True).update(
            unsubscribed_at=timezone.now()
        )
        audit.record(
            actor=None, action="bulletins.subscriber.stopped_in_browser", target=subscriber
        )


def unfollow(*, endpoint: str) -> bool:
    """The browser that holds this endpoint stops (the page's "stop" button). Returns whether
    it followed anything."""
    browser = (
        PushSubscription.objects.select_related("subscriber")
        .filter(endpoint=endpoint, subscriber__isnull=False)
        .first()
    )
    if browser is None or browser.subscriber is None:
        return False
    _stop(browser.subscriber)
    return True


def stopping(token: str) -> Subscriber | None:
    """The browser's subscription a notification's stop link names, or None."""
    return Subscriber.objects.filter(token=token, email="").first()


def stop(*, token: str) -> bool:
    """Follow a notification's stop link: that browser gets no more. Twice changes nothing."""
    subscriber = stopping(token)
    if subscriber is None:
        return False
    if subscriber.unsubscribed_at is None:
        _stop(subscriber)
    return True
