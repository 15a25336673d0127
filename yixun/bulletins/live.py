"""The inbox as a live topic: when a bulletin reaches the inboxes, the pages its people have open
update their unread count, and show the banner of an urgent alert."""

from typing import Any

from yixun.live.topics import Topic


def may_see(user: Any, ref: str) -> bool:
    from yixun.bulletins.models import InboxItem

    return ref.isdigit() and InboxItem.objects.filter(user=user, bulletin_id=int(ref)).exists()


INBOX = Topic(
    name="inbox",
    codes=("bulletins.bulletin.delivered",),
    ref=lambda bulletin: bulletin.pk,
    may_follow=lambda user: getattr(user, "is_authenticated", False),
    may_see=may_see,
)
