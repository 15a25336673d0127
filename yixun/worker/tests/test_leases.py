"""A task left RUNNING by a worker that died is taken back after a lease: queued again, or after
too many losses marked failed, where the log and the audit trail show it. A run whose task was
taken back meanwhile commits nothing."""

import datetime as dt
import logging
import os

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from yixun.accounts.tasks import deliver_message
from yixun.audit.models import AuditEntry
from yixun.members.tasks import remind_policy_ending
from yixun.worker.models import Reclaim, Worker
from yixun.worker.runner import Runner
from yixun.worker.services import leases
from yixun.worker.services.deliveries import ARGUMENTS_REMOVED

LATER = dt.timedelta(seconds=121)  # two leases of 60 s, and a second


def runner(worker_id: str) -> Runner:
    leases.register(worker_id)
    return Runner(worker_id=worker_id, queue_names=["default"])


def queued_reminder(policy) -> DBTaskResult:
    result = remind_policy_ending.enqueue(policy.pk, policy.ends_on.isoformat(), 30)
    return DBTaskResult.objects.get(pk=result.id)


def messages_queued() -> int:
    return DBTaskResult.objects.filter(task_path__endswith="deliver_message").count()


def test_a_task_whose_worker_is_gone_for_a_lease_is_queued_again(
    queue, policy, officer, caplog
) -> None:
    task = queued_reminder(policy)
    assert runner("first").claim() == task
    with time_machine.travel(timezone.now() + LATER), caplog.at_level(logging.WARNING):
        second = runner("second")
        [reclaim] = leases.reclaim_lost_tasks(by="second")
        task.refresh_from_db()
        assert task.status == TaskResultStatus.READY
        assert (reclaim.lost_worker, reclaim.reclaimed_by, reclaim.number, reclaim.outcome) == (
            "first",
            "second",
            1,
            Reclaim.Outcome.REQUEUED,
        )
        entry = AuditEntry.objects.get(action="worker.reclaim.requeued")
        assert (entry.target_type, entry.target_id) == ("worker.reclaim", str(reclaim.pk))
        assert "held by worker first, gone for a lease: queued again" in caplog.text

        row = second.claim()
        assert row == task
        second.run_task(row)
    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert task.worker_ids == ["first", "second"]
    assert messages_queued() == 1  # the one officer, told once
    assert Worker.objects.get(pk="second").pid == os.getpid()  # who to look for, and where


def test_a_task_whose_worker_still_beats_is_left_alone(queue, policy, officer) -> None:
    task = queued_reminder(policy)
    runner("slow").claim()
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=59)):
        runner("other")
        assert leases.reclaim_lost_tasks(by="other") == []  # not a whole lease yet
    with time_machine.travel(timezone.now() + LATER):
        leases.beat("slow")  # a long task: its heartbeat thread still beats
        assert leases.reclaim_lost_tasks(by="other") == []
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING
    assert not Reclaim.objects.exists()


def test_a_task_that_keeps_killing_its_worker_is_given_up_and_reported(
    queue, policy, officer, settings, caplog
) -> None:
    settings.YIXUN_TASK_MAX_RECLAIMS = 2
    task = queued_reminder(policy)
    now = timezone.now()
    for n in range(3):
        with time_machine.travel(now + n * LATER):
            assert runner(f"doomed-{n}").claim() == task
        with time_machine.travel(now + (n + 1) * LATER), caplog.at_level(logging.WARNING):
            runner(f"judge-{n}")
            leases.reclaim_lost_tasks(by=f"judge-{n}")
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED
    assert list(Reclaim.objects.order_by("number").values_list("number", "outcome")) == [
        (1, "requeued"),
        (2, "requeued"),
        (3, "abandoned"),
    ]
    [error] = task.task_result.errors
    assert error.exception_class is leases.WorkerLost
    assert AuditEntry.objects.filter(action="worker.reclaim.abandoned").count() == 1
    assert "lost its worker 3 times: marked failed" in caplog.text
    assert messages_queued() == 0


def test_a_run_whose_task_was_taken_back_commits_nothing(queue, policy, officer) -> None:
    task = queued_reminder(policy)
    first = runner("first")
    stale = first.claim()
    with time_machine.travel(timezone.now() + LATER):
        second = runner("second")
        leases.reclaim_lost_tasks(by="second")
        fresh = second.claim()
        # The first worker was only slow, not dead: it finishes its run after all, but the
        # task is no longer its own, so its effects (a queued message) are rolled back.
        first.run_task(stale)
        assert messages_queued() == 0
        assert DBTaskResult.objects.get(pk=task.pk).status == TaskResultStatus.RUNNING
        second.run_task(fresh)
    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert messages_queued() == 1


def test_a_message_given_up_keeps_no_number_or_text(db, queue, settings) -> None:
    settings.YIXUN_TASK_MAX_RECLAIMS = 1
    result = deliver_message.enqueue(to="+8613900000002", subject="验证码", body="验证码 482913")
    now = timezone.now()
    for n in range(2):
        with time_machine.travel(now + n * LATER):
            assert runner(f"doomed-{n}").claim() is not None
        with time_machine.travel(now + (n + 1) * LATER):
            runner(f"judge-{n}")
            leases.reclaim_lost_tasks(by=f"judge-{n}")
    task = DBTaskResult.objects.get(pk=result.id)
    assert task.status == TaskResultStatus.FAILED  # never sent, and never will be
    assert task.args_kwargs == ARGUMENTS_REMOVED


def test_workers_gone_for_a_week_are_forgotten_when_a_worker_starts_not_each_round(db) -> None:
    leases.register("long-gone")  # it dies here
    leases.register("judge")
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        leases.beat("judge")  # still running, a week later
        with CaptureQueriesContext(connection) as judging:
            for _ in range(3):
                leases.reclaim_lost_tasks(by="judge")
        assert not [q for q in judging.captured_queries if "DELETE" in q["sql"].upper()]
        assert Worker.objects.filter(pk="long-gone").exists()
        leases.register("newcomer")
        assert set(Worker.objects.values_list("pk", flat=True)) == {"judge", "newcomer"}
