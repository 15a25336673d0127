"""Leases on running tasks. Each worker beats (Worker.last_seen_at); a task left RUNNING by a
worker not seen for a whole lease was lost with it (killed, out of memory, machine gone), and is
put back in the queue, or after too many such losses, marked failed where people will see it.

Every change to a task row here is a compare-and-set on its status and its list of workers,
the same fence the worker checks when it marks a task done: whichever of the two moves first
wins, and the other changes nothing."""

import datetime as dt
import logging
import os
import socket

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from yixun.audit import services as audit
from yixun.worker.models import Reclaim, Worker
from yixun.worker.services import deliveries

log = logging.getLogger("yixun.worker")
# Workers not seen for this long are forgotten: their reclaims, if any, are long done.
FORGET_AFTER = dt.timedelta(days=7)


class WorkerLost(Exception):
    """The worker running this task died holding it, too many times."""


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.YIXUN_TASK_LEASE_SECONDS)


def register(worker_id: str) -> Worker:
    """Say that this worker has started (or is back): its first heartbeat. Workers gone for
    a week are forgotten here, once per start, not in every worker's judging round."""
    now = timezone.now()
    Worker.objects.filter(last_seen_at__lt=now - FORGET_AFTER).delete()
    seen = {"host": socket.gethostname()[:200], "pid": os.getpid(), "last_seen_at": now}
    worker, _created = Worker.objects.update_or_create(
        pk=worker_id,
        defaults={**seen, "stopped_at": None},
        create_defaults={**seen, "started_at": now},
    )
    return worker


def beat(worker_id: str) -> None:
    if not Worker.objects.filter(pk=worker_id).update(last_seen_at=timezone.now()):
        register(worker_id)  # its row was forgotten (a week-long outage): write it again


def stop(worker_id: str) -> None:
    """A clean stop: the worker finished its task and holds none."""
    Worker.objects.filter(pk=worker_id).update(stopped_at=timezone.now())


def reclaim_lost_tasks(*, by: str, now: dt.datetime | None = None) -> list[Reclaim]:
    """Put back in the queue each task held by a worker gone for a lease; return the reclaims.

    A task is judged only once it has been running for a lease as well, so that a worker
    that never beats (a plain `db_worker`) still gets its lease."""
    now = now or timezone.now()
    cutoff = now - lease()
    alive = set(
        Worker.objects.filter(last_seen_at__gte=cutoff, stopped_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    held = DBTaskResult.objects.running().filter(started_at__lt=cutoff)
    reclaims = []
    for task in held.only("pk", "task_path", "worker_ids"):
        owner = task.worker_ids[-1] if task.worker_ids else ""
        if owner not in alive:
            reclaim = _reclaim(task, owner=owner, by=by, now=now)
            if reclaim is not None:
                reclaims.append(reclaim)
    return reclaims


def _reclaim(task: DBTaskResult, *, owner: str, by: str, now: dt.datetime) -> Reclaim | None:
    with transaction.atomic():
        number = Reclaim.objects.filter(task=task).count() + 1
        give_up = number > settings.YIXUN_TASK_MAX_RECLAIMS
        fields: dict[str, object] = {"status": TaskResultStatus.READY}
        if give_up:
            fields = {
                "status": TaskResultStatus.FAILED,
                "finished_at": now,
                "return_value": None,
                "exception_class_path": f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                "traceback": (
                    f"WorkerLost: the worker running this task died {number} times "
                    f"(last: {owner or 'unknown'}); it is not tried again.\n"
                ),
            }
            if deliveries.is_outward_path(task.task_path):  # never sent: drop what it held
                fields["args_kwargs"] = deliveries.ARGUMENTS_REMOVED
        moved = DBTaskResult.objects.filter(
            pk=task.pk, status=TaskResultStatus.RUNNING, worker_ids=task.worker_ids
        ).update(**fields)
        if not moved:  # finished after all, or another worker took it back first
            return None
        reclaim = Reclaim.objects.create(
            task=task,
            task_path=task.task_path[:200],
            lost_worker=owner,
            reclaimed_by=by,
            number=number,
            outcome=Reclaim.Outcome.ABANDONED if give_up else Reclaim.Outcome.REQUEUED,
            at=now,
        )
        data = {"task": str(task.pk), "path": task.task_path, "lost_worker": owner, "n": number}
        if give_up:
            log.error(
                "task %s (%s) lost its worker %s times: marked failed",
                task.pk,
                task.task_path,
                number,
            )
            audit.record(actor=None, action="worker.reclaim.abandoned", target=reclaim, data=data)
        else:
            log.warning(
                "task %s (%s) was held by worker %s, gone for a lease: queued again",
                task.pk,
                task.task_path,
                owner or "unknown",
            )
            audit.record(actor=None, action="worker.reclaim.requeued", target=reclaim, data=data)
    return reclaim


def release(task_id: str, fence: list[str]) -> bool:
    """Put back in the queue a task this worker was running when the database went away: its
    work was rolled back with the connection (or, for a send, is found by its key)."""
    return bool(
        DBTaskResult.objects.filter(
            pk=task_id, status=TaskResultStatus.RUNNING, worker_ids=fence
        ).update(status=TaskResultStatus.READY)
    )
