"""What a signed-in page shows of the inbox on every page: the unread count, and a banner for
each urgent alert in force not yet read. Kept in the shared cache per person under the inbox's
token, which every fan-out renews; reading one forgets the reader's entry."""

from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from yixun.bulletins.models import InboxItem, Kind, Status
from yixun.lib import generations

GENERATION = "bulletins.inbox"


@dataclass(frozen=True)
class InboxNow:
    unread: int = 0
    urgent: list[tuple[int, str]] = field(default_factory=list)  # (bulletin id, title)


def _key(user_id: int) -> str:
    return f"inbox:{generations.current(GENERATION)}:{user_id}"


def now_for(user: Any) -> InboxNow:
    if not getattr(user, "is_authenticated", False):
        return InboxNow()
    key = _key(user.pk)
    found: InboxNow | None = cache.get(key)
    if found is None:
        found = _count(user)
        cache.set(key, found, 60 * 60)
    return found


def _count(user: Any) -> InboxNow:
    now = timezone.now()
    unread = list(
        InboxItem.objects.unread()
        .filter(user=user)
        .values_list("bulletin_id", "bulletin__kind", "bulletin__status", "bulletin__title",
                     "bulletin__expires_at")
    )  # fmt: skip
    urgent = [
        (pk, title)
        for pk, kind, status, title, expires_at in unread
        if kind == Kind.URGENT
        and status == Status.PUBLISHED
        and (expires_at is None or expires_at > now)
    ]
    return InboxNow(unread=len(unread), urgent=urgent)


def list_key(user: Any) -> list[object]:
    """What a person's inbox list is cached under (inbox.html): the token every fan-out renews,
    and their unread count, which each bulletin read or delivered changes. Nothing else changes
    the list but time (an expiry): the list is kept a minute."""
    return [generations.current(GENERATION), user.pk, now_for(user).unread]


def forget(user_id: int) -> None:
    """After this person's inbox changed: their next page counts again."""
    key = _key(user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def renew_all() -> None:
    """After a fan-out: everyone counts again."""
    generations.renew(GENERATION)
