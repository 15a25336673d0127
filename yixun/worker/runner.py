"""The task worker's loop: django-tasks-db's queue and its way of taking a task (a row lock,
skipping rows other workers hold), with what it lacks:

- A database outage does not end the worker. Each failed round closes the connections and
  waits longer (exponential backoff with jitter, up to a cap); the outage is logged once when
  it starts and once when it ends. A task cut off by it is put back in the queue.
- Leases. A heartbeat thread keeps this worker's row fresh, even during a long task; a task
  held by a worker gone for a lease is taken back (services/leases.py).
- Database effects once. A task runs in one transaction with the update that marks it done,
  and that update is a compare-and-set on the task's list of workers: if the task was taken
  back meanwhile, the update matches nothing and the whole run is rolled back. Killed
  mid-task, the database rolls the run back by itself. Tasks that send something out are
  `@outward` and run outside a transaction, made safe by their delivery key
  (services/deliveries.py). Their arguments (a sign-in code, a phone number, a robot's secret
  address) are blanked in the update that marks them done: nothing is kept once it was sent.
- Finished tasks are deleted after a week (services/pruning.py), by one of these rounds now
  and then.
- SIGTERM and SIGINT stop it cleanly: the task at hand is finished first; a second signal
  stops it at once (the task is then reclaimed after the lease).
"""

import logging
import random
import signal
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext, suppress
from dataclasses import dataclass
from traceback import format_exception
from types import FrameType
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.db import (
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
    connections,
    transaction,
)
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks.signals import task_finished, task_started
from django_tasks_db.compat import TaskContext
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from yixun.worker.services import leases, pruning
from yixun.worker.services.deliveries import ARGUMENTS_REMOVED, is_outward

log = logging.getLogger("yixun.worker")

# What a lost or refused connection raises (psycopg and sqlite3 alike, through Django).
DATABASE_ERRORS = (OperationalError, InterfaceError)
# How often each worker deletes the finished tasks past keeping: a DELETE that scans the
# table, cheap while it holds only a week of tasks, but not for every round of every worker.
PRUNE_EVERY = 600.0


@dataclass
class Backoff:
    """How long to wait before the next try while the database does not answer: doubling from
    `base` up to `cap`, each wait drawn between half and all of it, so that many workers that
    lost the same database do not all come back in the same instant."""

    base: float = 0.5
    cap: float = 30.0
    failures: int = 0
    since: float = 0.0

    def fail(self) -> float:
        """Count a failed try; return how long to wait before the next."""
        if self.failures == 0:
            self.since = time.monotonic()
        self.failures += 1
        ceiling = min(self.cap, self.base * 2 ** min(self.failures - 1, 32))
        return ceiling / 2 + random.random() * ceiling / 2  # noqa: S311 - jitter, not a secret

    def succeed(self) -> float | None:
        """Count a try that worked; return how long the outage lasted, if there was one."""
        if self.failures == 0:
            return None
        self.failures = 0
        return time.monotonic() - self.since


class LeaseLost(Exception):
    """The task was taken back from this worker while it ran (it was judged gone)."""


class Heartbeat(threading.Thread):
    """Beats every quarter of a lease in a thread of its own, so that a long task does not
    make its worker look dead. A beat that fails is tried again at the next: whatever it
    raised, the thread must not end while the worker still takes tasks, or its long tasks are
    taken back and run twice. Outages are the main loop's to report; anything else is logged."""

    def __init__(self, worker_id: str, every: float) -> None:
        super().__init__(name=f"heartbeat-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.every = every
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.wait(self.every):
                try:
                    leases.beat(self.worker_id)
                except Exception as error:
                    if not isinstance(error, DATABASE_ERRORS):
                        log.exception("worker %s: a heartbeat failed", self.worker_id)
                    with suppress(Exception):
                        connection.close()  # the next beat starts on a fresh connection
        finally:
            with suppress(Exception):
                connection.close()

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=5)


class Runner:
    def __init__(
        self,
        *,
        worker_id: str,
        queue_names: list[str],
        backend_name: str = "default",
        interval: float = 1.0,
        batch: bool = False,
        backoff_cap: float = 30.0,
    ) -> None:
        self.worker_id = worker_id
        self.queue_names = queue_names
        self.backend_name = backend_name
        self.interval = interval
        self.batch = batch
        self.backoff = Backoff(cap=backoff_cap)
        self.lease = leases.lease().total_seconds()
        self.running = True
        self.wake = threading.Event()
        self.registered = False
        # Others' heartbeats stop in an outage too: judge them only after a whole lease of
        # being connected, this worker's start included, so that they have had time to beat.
        self.judge_from = time.monotonic() + self.lease
        self.next_reclaim = 0.0
        self.next_prune = 0.0
        self.interrupted: tuple[str, list[str]] | None = None  # a task an outage cut off

    # The loop.

    def run(self) -> None:
        log.info("worker %s started on queues %s", self.worker_id, ",".join(self.queue_names))
        restore_signals = self.install_signals()
        heartbeat = Heartbeat(self.worker_id, every=max(0.5, self.lease / 4))
        heartbeat.start()
        try:
            while self.running:
                if not self.round():
                    break
        finally:
            heartbeat.stop()
            with suppress(*DATABASE_ERRORS):  # stopping in an outage: the lease tells the others
                leases.stop(self.worker_id)
            connections.close_all()
            restore_signals()
            log.info("worker %s stopped", self.worker_id)

    def round(self) -> bool:
        """One turn of the loop: take one task and run it, or wait. False when a batch is done."""
        try:
            close_old_connections()  # as after a request: drop broken or outlived connections
            if not self.registered:
                leases.register(self.worker_id)
                self.registered = True
            elif self.backoff.failures:
                leases.beat(self.worker_id)  # the first thing after an outage: I am still here
            self.recovered()
            if self.interrupted is not None:
                task_id, fence = self.interrupted
                if leases.release(task_id, fence):
                    log.warning("task %s, cut off by the outage, is queued again", task_id)
                self.interrupted = None
            self.reclaim_if_due()
            self.prune_if_due()
            row = self.claim()
        except DATABASE_ERRORS as error:
            self.outage(error)
            return True
        if row is None:
            if self.batch:
                return False
            self.sleep(self.interval)
            return True
        try:
            self.run_task(row)
        except DATABASE_ERRORS as error:
            self.interrupted = (str(row.pk), list(row.worker_ids))
            self.outage(error)
        return True

    def claim(self) -> DBTaskResult | None:
        tasks = DBTaskResult.objects.ready().filter(
            backend_name=self.backend_name, queue_name__in=self.queue_names
        )
        try:
            with exclusive_transaction(tasks.db):
                row = tasks.get_locked()
                if row is not None:
                    row.claim(self.worker_id)
        except OperationalError as error:
            if is_locked_database_exception(error):  # SQLite busy: try again next round
                return None
            raise
        return row

    def reclaim_if_due(self) -> None:
        now = time.monotonic()
        if now < self.judge_from or now < self.next_reclaim:
            return
        self.next_reclaim = now + max(0.5, self.lease / 4)
        leases.reclaim_lost_tasks(by=self.worker_id)

    def prune_if_due(self) -> None:
        now = time.monotonic()
        if now < self.next_prune:
            return
        self.next_prune = now + PRUNE_EVERY
        pruning.prune_finished_tasks()

    # Outages.

    def outage(self, error: BaseException) -> None:
        if self.backoff.failures == 0:
            log.warning(
                "database unreachable (%s): worker %s waits and retries with backoff",
                str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__,
                self.worker_id,
            )
        delay = self.backoff.fail()
        connections.close_all()
        self.sleep(delay)

    def recovered(self) -> None:
        lasted = self.backoff.succeed()
        if lasted is not None:
            log.warning("database back after %.1f s: worker %s resumes", lasted, self.worker_id)
            self.judge_from = time.monotonic() + self.lease

    def database_answers(self) -> bool:
        connection.close()
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
        except DATABASE_ERRORS:
            return False
        return True

    # Running one task.

    def run_task(self, row: DBTaskResult) -> None:
        fence = list(row.worker_ids)
        try:
            task = row.task
            result = row.task_result
        except (ImportError, SuspiciousOperation) as error:  # its code is gone
            self.fail(row, fence, error)
            return
        backend = type(task.get_backend())
        task_started.send(sender=backend, task_result=result)
        # A sending task is not wrapped: its delivery row must be committed before it sends.
        outward = is_outward(task)
        scope: AbstractContextManager[Any] = nullcontext() if outward else transaction.atomic()
        try:
            with scope:
                if task.takes_context:
                    value = task.call(
                        TaskContext(task_result=result), *result.args, **result.kwargs
                    )
                else:
                    value = task.call(*result.args, **result.kwargs)
                self.finish(row, fence, value=value, forget=outward)
        except LeaseLost:
            log.warning(
                "task %s (%s) was taken back while worker %s ran it: its run here is void",
                row.pk,
                row.task_path,
                self.worker_id,
            )
            return
        except DATABASE_ERRORS as error:
            if not self.database_answers():
                raise  # an outage, not the task's fault: it is queued again afterwards
            self.fail(row, fence, error, forget=outward)
        except Exception as error:
            self.fail(row, fence, error, forget=outward)
        row.refresh_from_db()
        task_finished.send(sender=backend, task_result=row.task_result)

    def fail(
        self, row: DBTaskResult, fence: list[str], error: Exception, *, forget: bool = False
    ) -> None:
        with suppress(LeaseLost):  # taken back: the other run's outcome stands
            self.finish(row, fence, error=error, forget=forget)
        log.error("task %s (%s) failed: %r", row.pk, row.task_path, error)

    def finish(
        self,
        row: DBTaskResult,
        fence: list[str],
        *,
        value: Any = None,
        error: BaseException | None = None,
        forget: bool = False,
    ) -> None:
        """Mark the task done, if it is still ours; raise LeaseLost if it is not. With `forget`
        (a task that sent something out), its arguments are blanked in the same update: done,
        it is never run again, and what it carried (a code, a link, a number) is not kept."""
        if error is None:
            # Stored as django-tasks-db stores it (its set_successful), in the task's transaction.
            fields: dict[str, Any] = {
                "status": TaskResultStatus.SUCCESSFUL,
                "return_value": value,
                "exception_class_path": "",
                "traceback": "",
            }
        else:
            fields = _failure_fields(error)
        if forget:
            fields["args_kwargs"] = ARGUMENTS_REMOVED
        moved = DBTaskResult.objects.filter(
            pk=row.pk, status=TaskResultStatus.RUNNING, worker_ids=fence
        ).update(finished_at=timezone.now(), **fields)
        if not moved:
            raise LeaseLost(row.pk)

    # Signals and waiting.

    def sleep(self, seconds: float) -> None:
        self.wake.wait(seconds)

    def install_signals(self) -> Callable[[], None]:
        """Stop cleanly on SIGINT, SIGTERM and SIGQUIT; return what puts the old handlers back."""
        if threading.current_thread() is not threading.main_thread():
            return lambda: None  # only the main thread may handle signals
        previous = {
            number: signal.signal(number, self.shutdown)
            for number in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)
        }

        def restore() -> None:
            for number, handler in previous.items():
                signal.signal(number, handler)

        return restore

    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        if not self.running:
            log.warning("%s again: worker %s stops now", signal.strsignal(signum), self.worker_id)
            raise SystemExit(1)
        log.warning(
            "%s: worker %s stops after the task at hand", signal.strsignal(signum), self.worker_id
        )
        self.running = False
        self.wake.set()


def _failure_fields(error: BaseException) -> dict[str, Any]:
    # The fields django-tasks-db's set_failed writes, written here under the fence.
    return {
        "status": TaskResultStatus.FAILED,
        "return_value": None,
        "exception_class_path": f"{type(error).__module__}.{type(error).__qualname__}",
        "traceback": "".join(format_exception(error)),
    }
