"""The push endpoint's stream: server-sent events (`text/event-stream`), served by the ASGI
process (`yixun.live.asgi`).

A page says which topics it follows; each event names a topic and an object (`{"topic":
"tips", "ref": "42"}`), only to people the topic's door lets see that object, and the page
fetches what it shows through its own views. Each event carries its id, so a browser that
reconnects sends `Last-Event-ID` and is sent what it missed; a page that connects for the
first time says from which event on (`since`, the latest when the page was drawn)."""

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from yixun.live import hub
from yixun.live.models import Event
from yixun.live.topics import TOPICS

T = TypeVar("T")
RETRY_MILLISECONDS = 3000


async def stream(
    user: Any,
    topics: frozenset[str],
    since: int | None,
    again: Callable[[], Awaitable[Any]] | None = None,
) -> AsyncIterator[str]:
    """The events for this person. With `again`, the person is looked up afresh at each quiet
    moment (every YIXUN_LIVE_KEEPALIVE_SECONDS): signed out, or their roles changed, the stream ends or
    decides by what they may see now, not by what they could see when the page opened."""
    current = await hub.current()
    follower = current.follow(topics)
    try:
        yield f"retry: {RETRY_MILLISECONDS}\n\n"
        last = current.last if since is None else since
        # What this stream has dealt with: everything up to `floor`, and the ids in `sent`.
        floor, sent = last, set[int]()
        if since is not None:
            missed = await elsewhere(hub.events_after_now)(since, topics)
            if len(missed) >= hub.BACKLOG or await elsewhere(forgotten)(since):
                # Instead of what was missed, not as well; the hub may not have read it all yet.
                last = floor = max(current.last, *(event.pk for event in missed))
                yield _reset(last)
                missed = []
            for old in missed:
                last = max(last, old.pk)
                sent.add(old.pk)
                if await may_see(user, old):
                    yield frame(old)
        while True:
            try:
                # A comment now and then keeps proxies and phones' networks from closing a quiet
                # connection; the person is looked up afresh as often.
                event = await asyncio.wait_for(
                    follower.queue.get(), settings.YIXUN_LIVE_KEEPALIVE_SECONDS
                )
            except TimeoutError:
                if again is not None:
                    user = await again()
                    if user is None:
                        return
                yield ": keepalive\n\n"
                continue
            if event is None:
                yield _reset(current.last)
                last = floor = current.last
                sent.clear()
            elif event.pk > floor and event.pk not in sent:
                # Late ids (their transaction committed after a newer one's) come too.
                last = max(last, event.pk)
                sent.add(event.pk)
                if len(sent) > hub.BACKLOG:  # below the hub's oldest gap, all is dealt with
                    floor = max(floor, min(current.gaps, default=current.last + 1) - 1)
                    sent = {pk for pk in sent if pk > floor}
                if await may_see(user, event):
                    yield frame(event)
    finally:
        current.unfollow(follower)


def frame(event: Event) -> str:
    data = json.dumps({"topic": event.topic, "ref": event.ref})
    return f"id: {event.pk}\nevent: change\ndata: {data}\n\n"


def _reset(last: int) -> str:
    """Too much was missed to send it all: the page fetches its live parts afresh."""
    return f"id: {last}\nevent: reset\ndata: {{}}\n\n"


async def may_see(user: Any, event: Event) -> bool:
    topic = TOPICS.get(event.topic)
    if topic is None:
        return False
    if topic.may_see is None:
        return True
    return bool(await elsewhere(topic.may_see)(user, event.ref))


def elsewhere(function: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """A database read of a stream's, on the shared pool of threads and their few connections.
    No request cycle closes those: each read first drops one that failed or grew old, as a
    request's start does, so that a database restarted meanwhile is connected to afresh."""

    def read(*args: Any) -> T:
        close_old_connections()
        return function(*args)

    return sync_to_async(read, thread_sensitive=False)


def forgotten(since: int) -> bool:
    """Whether events after `since` may have been deleted already (retention keeps a day of
    them, deleting the oldest first): the event `since` names is gone itself. Nothing is gone
    after a page drawn when there were no events at all (0)."""
    oldest = Event.objects.order_by("pk").values_list("pk", flat=True).first()
    return since > 0 and oldest is not None and oldest > since


def number(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 19 else None
