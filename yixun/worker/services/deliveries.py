"""The delivery log: every message and webhook post Yixun sends, found by a key before it is
sent. A task that sends is `@outward`: the worker runs it outside a transaction, so that the
log's row (and its attempt count) is committed before the request leaves, and survives the
worker being killed mid-request. The re-run then sends again under the same key, so that a
receiver that drops duplicates can, and the log still holds one row, with attempts=2.

A sending task:

    delivery = deliveries.begin(key=key, channel=..., recipient=..., retry=attempt)
    if delivery is None:      # sent, or settled, by an earlier run
        return
    try:
        answer = post(..., key)
    except OSError as error:
        with transaction.atomic():
            if deliveries.record_failure(delivery, answer=str(error), final=...):
                ...           # queue the retry, or record the failure: once, whoever wins
        return
    deliveries.record_sent(delivery, answer=answer)

What an outward task was given (a message with its one-time code or reset link, a phone
number, a robot's address with its secret) is needed only until it is sent: when the worker
marks the task done, sent or failed for good, it blanks the task row's arguments in the same
update (ARGUMENTS_REMOVED). The delivery log keeps what it needs: a masked recipient.
"""

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.utils import get_module_path
from django_tasks_db.compat import Task

from yixun.worker.models import Delivery

F_ = TypeVar("F_", bound=Callable[..., Any])
_OUTWARD: set[str] = set()
# An outward task's arguments once it is done: still readable as a task's (django-tasks-db
# reads "args" and "kwargs"), and saying why they are empty.
ARGUMENTS_REMOVED: dict[str, Any] = {"args": [], "kwargs": {}, "removed": "sent or given up"}


class DeliveryFailed(Exception):
    """A send failed. It carries only what may be kept (the answer with the number masked),
    never the original error, whose text may hold the number or the message."""


def outward(func: F_) -> F_:
    """Mark a task that sends something out of Yixun (put it under `@task()`). The worker runs
    it outside a transaction; its only database writes go through this module, by key."""
    _OUTWARD.add(get_module_path(func))
    return func


def is_outward(task: Task[Any, Any]) -> bool:
    return task.module_path in _OUTWARD


def is_outward_path(task_path: str) -> bool:
    """Whether the task stored under this path sends something out (importing it registers it)."""
    try:
        import_string(task_path)
    except ImportError:
        return False
    return task_path in _OUTWARD


def key_of(*parts: object) -> str:
    """A key made from what is sent, for work queued before keys were: stable across runs."""
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:48]


def begin(
    *, key: str, channel: str, recipient: str, retry: int = 0, about: str = ""
) -> Delivery | None:
    """Find or create the delivery and count one more attempt, committed before the caller
    sends. None when there is nothing left to send: it was sent, it failed for good, or this
    retry's outcome was recorded by an earlier run (which queued the next one)."""
    delivery, _created = Delivery.objects.get_or_create(
        key=key, defaults={"channel": channel, "recipient": recipient[:200], "about": about}
    )
    if delivery.status != Delivery.Status.QUEUED or delivery.retry > retry:
        return None
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(attempts=F("attempts") + 1, attempted_at=now)
    delivery.refresh_from_db(fields=["attempts", "attempted_at"])
    return delivery


def record_sent(delivery: Delivery, *, answer: str = "") -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENT, sent_at=timezone.now(), last_answer=answer[:500]
    )


def record_failure(delivery: Delivery, *, answer: str, final: bool) -> bool:
    """Record that this try failed: for good (`final`), or with a retry to come. Returns
    whether this run recorded it; only that run queues the retry or reports the failure."""
    return bool(
        Delivery.objects.filter(
            pk=delivery.pk, status=Delivery.Status.QUEUED, retry=delivery.retry
        ).update(
            status=Delivery.Status.FAILED if final else Delivery.Status.QUEUED,
            retry=F("retry") + 1,
            last_answer=answer[:500],
        )
    )
