"""Each push process's fan-out. One task per process reads the events written since it last
looked, woken by Redis when there is one and otherwise looking at the table every
YIXUN_LIVE_POLL_MILLISECONDS, and hands each event to the connections that follow its topic: one
query per wake-up, however many connections are open."""

import asyncio
import contextlib
import contextvars
import logging
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from yixun.live.models import Event
from yixun.live.publish import channel

log = logging.getLogger("yixun.live")
T = TypeVar("T")
# With Redis, the table is still looked at now and then, in case a wake-up was lost (Redis
# restarted, say): an event is late then, never missing.
SAFETY_SECONDS = 10.0
# How long an id missing below the newest is waited for: its transaction still committing.
GAP_SECONDS = 5.0
MAX_GAP = 1000
# A connection that falls this far behind (a phone on a slow link) is told to fetch its page's
# live parts afresh, instead of being sent every change it missed.
BACKLOG = 500


@dataclass(eq=False)
class Follower:
    topics: frozenset[str]
    queue: asyncio.Queue[Event | None] = field(default_factory=lambda: asyncio.Queue(BACKLOG))


class Hub:
    def __init__(self) -> None:
        self.followers: set[Follower] = set()
        self.last = 0
        self.gaps: dict[int, float] = {}  # ids not seen below `last`, and since when
        self.handed: set[int] = set()  # ids handed out at or above the lowest gap
        self.woken = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self.last = await latest_id()
        # Tasks of the process, not of the request that happened to start them: in a context of
        # their own, their database reads do not run on (and die with) that request's thread.
        self.tasks.append(asyncio.create_task(self.read(), context=contextvars.Context()))
        if settings.REDIS_URL:
            self.tasks.append(asyncio.create_task(self.listen(), context=contextvars.Context()))

    def follow(self, topics: frozenset[str]) -> Follower:
        follower = Follower(topics)
        self.followers.add(follower)
        return follower

    def unfollow(self, follower: Follower) -> None:
        self.followers.discard(follower)

    async def read(self) -> None:
        every = (
            SAFETY_SECONDS if settings.REDIS_URL else settings.YIXUN_LIVE_POLL_MILLISECONDS / 1000
        )
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.woken.wait(), every)
            self.woken.clear()
            try:
                await self.read_once()
            except Exception:  # the database is away: look again, later
                log.warning("Live events could not be read", exc_info=True)
                await asyncio.sleep(every)

    async def read_once(self, now: float | None = None) -> None:
        """Hand out the events written since the last look. Ids are taken in one order and
        committed in another (two claims at once): an id missing below the newest seen is
        looked for again for GAP_SECONDS, and handed out when its transaction commits; one
        that never does was rolled back."""
        now = time.monotonic() if now is None else now
        self.gaps = {pk: at for pk, at in self.gaps.items() if now - at < GAP_SECONDS}
        low = min(self.gaps, default=self.last + 1) - 1
        for event in await events_after(low):
            if event.pk in self.handed:
                continue
            # At most the last MAX_GAP ids: after a quiet day whose events retention deleted, the
            # next id may be far above the last one seen, and those between were never ours.
            self.gaps.update(
                dict.fromkeys(range(max(self.last + 1, event.pk - MAX_GAP), event.pk), now)
            )
            self.gaps.pop(event.pk, None)
            self.last = max(self.last, event.pk)
            self.handed.add(event.pk)
            self.hand_out(event)
        floor = min(self.gaps, default=self.last + 1)
        self.handed = {pk for pk in self.handed if pk >= floor}

    def hand_out(self, event: Event) -> None:
        for follower in self.followers:
            if event.topic not in follower.topics:
                continue
            try:
                follower.queue.put_nowait(event)
            except asyncio.QueueFull:  # too far behind: it starts afresh
                while not follower.queue.empty():
                    follower.queue.get_nowait()
                follower.queue.put_nowait(None)

    async def listen(self) -> None:
        """Redis tells of each event as its change commits; after a lost connection, the
        table is read at once, and listening starts again."""
        import redis.asyncio

        pause = 1.0
        while True:
            try:
                client = redis.asyncio.Redis.from_url(settings.REDIS_URL)
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(channel())
                    pause = 1.0
                    self.woken.set()
                    async for message in pubsub.listen():
                        if message["type"] == "message":
                            self.woken.set()
            except Exception:
                log.warning("Redis is away; live events come from the table", exc_info=True)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)


async def latest_id() -> int:
    return await sync_to_async(_fresh(_latest_id))()


def _fresh(function: Callable[..., T]) -> Callable[..., T]:
    """The hub's reads run for the life of the process, outside any request: each first drops a
    connection that failed or grew old, so that a restarted database is connected to afresh."""

    def read(*args: Any) -> T:
        close_old_connections()
        return function(*args)

    return read


def _latest_id() -> int:
    return Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def events_after_now(last: int, topics: frozenset[str] | None = None) -> list[Event]:
    """The events after `last` (of these topics), oldest first, at most BACKLOG."""
    found = Event.objects.filter(pk__gt=last).order_by("pk")
    if topics is not None:
        found = found.filter(topic__in=topics)
    return list(found[:BACKLOG])


async def events_after(last: int) -> list[Event]:
    return await sync_to_async(_fresh(events_after_now))(last)


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub]" = weakref.WeakKeyDictionary()
_starting: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock]" = (
    weakref.WeakKeyDictionary()
)


async def current() -> Hub:
    """The hub of this process's event loop, started by the first connection."""
    loop = asyncio.get_running_loop()
    lock = _starting.setdefault(loop, asyncio.Lock())
    async with lock:
        if loop not in _hubs:
            hub = Hub()
            await hub.start()
            _hubs[loop] = hub
    return _hubs[loop]
