"""Count events in the database, so every web process sees the same count.

Used for password sign-in (growing waits per number and address, limits per
address and per number), for sending one-time codes, and to throttle
password-reset requests, applications and tips. Keys are stored hashed. Rows
older than a day are swept as new ones come in, so no window is longer than a day.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from django.db.models import Count, Max, QuerySet
from django.utils import timezone
from django.utils.translation import ngettext

from yixun.accounts.models import Attempt, digest

KEEP = dt.timedelta(days=1)


def note(kind: str, key: str) -> int:
    """Count one event; returns its row's id, a ticket that `forget` can take back."""
    now = timezone.now()
    attempt = Attempt.objects.create(kind=kind, key_digest=digest(key), at=now)
    Attempt.objects.filter(at__lt=now - KEEP).delete()
    return attempt.pk


def _events(kind: str, key: str, *, since: dt.datetime, before: int | None) -> QuerySet[Attempt]:
    rows = Attempt.objects.filter(kind=kind, key_digest=digest(key), at__gt=since)
    if before is not None:
        rows = rows.filter(pk__lt=before)
    return rows


def retry_after(
    kind: str, key: str, *, limit: int, window: dt.timedelta, before: int | None = None
) -> dt.timedelta | None:
    """How long until the key is under its limit again, or None if it is under it now.

    An event exactly `window` old has left the window. With `before` (a ticket), only
    the events counted before that one are looked at.
    """
    now = timezone.now()
    recent = list(
        _events(kind, key, since=now - window, before=before)
        .order_by("-at")
        .values_list("at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return None
    # The oldest of the last `limit` events leaving the window frees one place.
    return max(recent[-1] + window - now, dt.timedelta(seconds=1))


def backoff(
    kind: str,
    key: str,
    *,
    free: int,
    first: dt.timedelta,
    longest: dt.timedelta,
    window: dt.timedelta,
    before: int | None = None,
) -> dt.timedelta | None:
    """How long until the next try, when each event past `free` doubles the wait, up to `longest`.

    The wait runs from the latest event: after `free` events the next waits `first`,
    after one more twice that, and so on. None if no wait is due now.
    """
    now = timezone.now()
    seen = _events(kind, key, since=now - window, before=before).aggregate(
        count=Count("pk"), latest=Max("at")
    )
    over = seen["count"] - free
    if over < 0:
        return None
    wait = min(first * 2 ** min(over, 20), longest)
    remaining = seen["latest"] + wait - now
    return remaining if remaining > dt.timedelta(0) else None


def forget(tickets: Iterable[int]) -> None:
    Attempt.objects.filter(pk__in=list(tickets)).delete()


def clear(kind: str, key: str) -> None:
    Attempt.objects.filter(kind=kind, key_digest=digest(key)).delete()


class Rule(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def key(self) -> str: ...

    def wait(self, *, before: int | None = None) -> dt.timedelta | None: ...


@dataclass(frozen=True)
class Window:
    """At most `limit` events of this key within `window`."""

    kind: str
    key: str
    limit: int
    window: dt.timedelta

    def wait(self, *, before: int | None = None) -> dt.timedelta | None:
        return retry_after(self.kind, self.key, limit=self.limit, window=self.window, before=before)


@dataclass(frozen=True)
class Backoff:
    """`free` events, then a wait that doubles with each further one, up to `longest`."""

    kind: str
    key: str
    free: int
    first: dt.timedelta
    longest: dt.timedelta
    window: dt.timedelta = KEEP

    def wait(self, *, before: int | None = None) -> dt.timedelta | None:
        return backoff(
            self.kind,
            self.key,
            free=self.free,
            first=self.first,
            longest=self.longest,
            window=self.window,
            before=before,
        )


class Throttled(Exception):
    """An event refused by a rule; `wait` is how long until the longest-waiting rule allows it."""

    def __init__(self, rule: Rule, wait: dt.timedelta) -> None:
        super().__init__(f"{rule.kind} must wait {wait}")
        self.rule = rule
        self.wait = wait


def _longest_wait(rules: Sequence[Rule], tickets: dict[tuple[str, str], int]) -> Throttled | None:
    worst: Throttled | None = None
    for rule in rules:
        wait = rule.wait(before=tickets.get((rule.kind, rule.key)))
        if wait is not None and (worst is None or wait > worst.wait):
            worst = Throttled(rule, wait)
    return worst


def admit(rules: Sequence[Rule]) -> list[int]:
    """Count one event under every rule, or raise Throttled (counting nothing) if one refuses.

    The event is counted first and then judged by the events counted before it, each in
    its own autocommitted row: a burst of parallel requests then sees itself, where
    check-then-count would let every request of the burst through before any was counted.
    Returns the tickets, for `forget` when the event turns out not to count (a right password).
    """
    refusal = _longest_wait(rules, {})
    if refusal is not None:  # the common refusal costs no write
        raise refusal
    tickets: dict[tuple[str, str], int] = {}
    for rule in rules:
        if (rule.kind, rule.key) not in tickets:
            tickets[(rule.kind, rule.key)] = note(rule.kind, rule.key)
    refusal = _longest_wait(rules, tickets)
    if refusal is not None:
        forget(tickets.values())
        raise refusal
    return list(tickets.values())


def wait_text(wait: dt.timedelta) -> str:
    """How long someone must wait ("30 seconds", "4 minutes"), rounded up, in their language."""
    seconds = max(1, int(wait.total_seconds() + 0.999))
    if seconds < 60:
        return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
    minutes = (seconds + 59) // 60
    if minutes < 120:
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    hours = (minutes + 59) // 60
    return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
