"""Publishing a change: the event is written in the change's own transaction (so that nothing
accepted is lost, and nothing rolled back is told), and the push processes are woken once it
commits: through Redis when there is one, otherwise they find it by looking at the table."""

import logging
from functools import cache
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import models, transaction

from yixun.live.models import Event
from yixun.live.topics import TOPICS

log = logging.getLogger("yixun.live")
# An entry that only says someone looked changes nothing on anyone's page.
LOOKS = ("_viewed", "_downloaded")


def channel() -> str:
    """The Redis channel the push processes listen on, one per install."""
    return f"{caches['default'].key_prefix or 'yixun'}:live"


@cache
def _redis() -> Any:
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)


def publish(topic: str, ref: object = "") -> Event:
    event = Event.objects.create(topic=topic, ref=str(ref))
    if settings.REDIS_URL:
        transaction.on_commit(lambda: _wake(event.pk))
    return event


def _wake(event_id: int) -> None:
    try:
        _redis().publish(channel(), str(event_id))
    except Exception:  # a push process finds the event at its next look at the table
        log.warning("Redis could not be told of live event %s", event_id, exc_info=True)


def on_audit(action: str, target: models.Model | None) -> None:
    """Every change the trail records is a change of the topic that claims its code."""
    if target is None or action.endswith(LOOKS):
        return
    for topic in TOPICS.values():
        if action.startswith(topic.codes):
            publish(topic.name, topic.ref(target))
