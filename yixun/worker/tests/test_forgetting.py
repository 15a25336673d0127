"""The task table is no archive. A task that sent something out (a message with its sign-in code
or reset link, a robot's post to its secret address) is blanked when it is done; other tasks
keep their arguments for a week, to look into; then every finished task is deleted."""

import datetime as dt
import json
import logging

import pytest
import time_machine
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from yixun.accounts.tasks import deliver_message
from yixun.members.tasks import remind_policy_ending
from yixun.tips.services import alerts
from yixun.worker.models import Delivery, Reclaim
from yixun.worker.runner import Runner
from yixun.worker.services import leases
from yixun.worker.services.deliveries import ARGUMENTS_REMOVED
from yixun.worker.tests.processes import Robot


def run_next(worker: Runner) -> DBTaskResult:
    row = worker.claim()
    assert row is not None
    worker.run_task(row)
    row.refresh_from_db()
    return row


def test_a_post_done_keeps_no_secret_and_a_reminder_keeps_its_arguments(
    queue, policy, officer
) -> None:
    robot = Robot()
    try:
        url = robot.url.replace("?key=secret", "?key=0f9e3c7d-secret")
        alerts.deliver_to_robot.enqueue(url, "商场门口发生火情", 0, "robot-k1")
        worker = Runner(worker_id="w", queue_names=["default"])
        posted = run_next(worker)
    finally:
        robot.shutdown()
        robot.server_close()
    assert (posted.status, robot.delivery_keys()) == (TaskResultStatus.SUCCESSFUL, ["robot-k1"])
    assert posted.args_kwargs == ARGUMENTS_REMOVED
    assert "0f9e3c7d" not in json.dumps(posted.args_kwargs)
    assert posted.task_result.args == []  # still a task result django-tasks can read
    assert Delivery.objects.get().status == Delivery.Status.SENT

    remind_policy_ending.enqueue(policy.pk, policy.ends_on.isoformat(), 30)
    reminded = run_next(worker)
    assert reminded.status == TaskResultStatus.SUCCESSFUL
    assert reminded.args_kwargs["args"] == [policy.pk, policy.ends_on.isoformat(), 30]


@pytest.mark.django_db(transaction=True)
def test_finished_tasks_are_deleted_after_a_week(queue, policy, officer, caplog) -> None:
    now = timezone.now()
    with time_machine.travel(now - dt.timedelta(days=8)):
        # A reminder whose first worker died (so it has a reclaim), and the message it queued.
        remind_policy_ending.enqueue(policy.pk, policy.ends_on.isoformat(), 30)
        leases.register("dead")
        assert Runner(worker_id="dead", queue_names=["default"]).claim() is not None
    with time_machine.travel(now - dt.timedelta(days=8) + dt.timedelta(minutes=3)):
        leases.register("old")
        assert len(leases.reclaim_lost_tasks(by="old")) == 1
        old = Runner(worker_id="old", queue_names=["default"])
        assert run_next(old).task_path.endswith("remind_policy_ending")
        assert run_next(old).task_path.endswith("deliver_message")
        # Queued long ago for a day still to come: not finished, so kept however old.
        waiting = deliver_message.using(run_after=now + dt.timedelta(days=30)).enqueue(
            to="+8613900000002", subject="活动提醒", body="下月警营开放日"
        )
    deliver_message.enqueue(to="+8613900000002", subject="值班提醒", body="今晚巡逻")
    recent = run_next(Runner(worker_id="new", queue_names=["default"]))
    assert DBTaskResult.objects.count() == 4 and Reclaim.objects.count() == 1

    with caplog.at_level(logging.INFO, logger="yixun.worker"):
        assert Runner(worker_id="pruner", queue_names=["default"], batch=True).round() is False

    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {
        recent.pk,
        DBTaskResult.objects.get(pk=waiting.id).pk,
    }
    assert not Reclaim.objects.exists()  # the audit trail still has it
    assert Delivery.objects.count() == 2  # the delivery log is kept
    assert "deleted 2 tasks that finished before" in caplog.text
