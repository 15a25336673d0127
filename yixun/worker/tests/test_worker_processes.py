"""Real worker processes on PostgreSQL. A worker is killed with SIGKILL while the group robot's
webhook holds its request, and another takes the task back after the lease; the database goes
away from a worker for 10 s, and it carries on. Either way every task runs, no database effect
happens twice (rows are counted), and a post cut off is sent again under the same delivery key.

PostgreSQL only: the worker processes need the test database that this test's data is in
(CI runs the suite on PostgreSQL too). Each test takes 10 to 20 s."""

import datetime as dt
import signal
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from yixun.audit.models import AuditEntry
from yixun.members.tasks import remind_policy_ending
from yixun.tips.models import Tip
from yixun.tips.services import alerts
from yixun.worker.models import Delivery, Reclaim, Worker
from yixun.worker.services.deliveries import ARGUMENTS_REMOVED
from yixun.worker.tests.processes import Proxy, Robot, Workers, wait_for

pytestmark = [
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs PostgreSQL (DATABASE_URL=postgres://…): worker processes share its test database",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def workers(transactional_db: None, tmp_path) -> Iterator[Workers]:
    started = Workers(tmp_path)
    yield started
    started.stop_all()


@pytest.fixture
def robot(settings) -> Iterator[Robot]:
    server = Robot()
    settings.YIXUN_TIP_ROBOTS = [server.url]
    yield server
    server.release()
    server.shutdown()
    server.server_close()


def announce_tip(text: str) -> None:
    """A new tip, as intake announces it: a message to the moderator and a post to the robot."""
    now = timezone.now()
    tip = Tip.objects.create(
        category="fire",
        text=text,
        is_urgent=True,
        ack_due_at=now + dt.timedelta(minutes=15),
        resolve_due_at=now + dt.timedelta(hours=24),
    )
    alerts.announce(tip.pk)


def remind_of(policy) -> None:
    """A task with database effects of its own: it queues a message to each officer."""
    remind_policy_ending.enqueue(policy.pk, policy.ends_on.isoformat(), 30)


def all_finished() -> bool:
    return not DBTaskResult.objects.exclude(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED]
    ).exists()


def tasks_by_name() -> Counter[str]:
    return Counter(
        path.rsplit(".", 1)[1] for path in DBTaskResult.objects.values_list("task_path", flat=True)
    )


def assert_each_effect_once(robot: Robot, *, cut_off: str) -> None:
    """Two tips and a policy reminder: three messages and two robot posts, each queued once
    and delivered once; the post that was cut off went out twice under one key."""
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {
        TaskResultStatus.SUCCESSFUL
    }
    assert tasks_by_name() == {
        "deliver_message": 3,  # the moderator twice, the officer once
        "deliver_to_robot": 2,
        "remind_policy_ending": 1,
    }
    robots = Delivery.objects.filter(channel=Delivery.Channel.ROBOT)
    assert {d.key: (d.status, d.attempts) for d in robots} == {
        key: (Delivery.Status.SENT, 2 if key == cut_off else 1)
        for key in set(robot.delivery_keys())
    }
    assert Counter(robot.delivery_keys()) == {
        key: 2 if key == cut_off else 1 for key in robot.delivery_keys()
    }
    messages = Delivery.objects.filter(channel=Delivery.Channel.MESSAGE)
    assert sorted(messages.values_list("recipient", "status", "attempts")) == [
        ("139****0005", "sent", 1),
        ("139****0005", "sent", 1),
        ("139****0007", "sent", 1),
    ]
    assert not AuditEntry.objects.filter(action="tips.robot.failed").exists()
    # Sent, the posts and messages keep neither their addresses nor their numbers and texts.
    sent = DBTaskResult.objects.filter(task_path__regex=r"\.deliver_(message|to_robot)$")
    assert [row.args_kwargs for row in sent] == [ARGUMENTS_REMOVED] * 5


def test_a_worker_killed_mid_request_is_replaced_and_nothing_happens_twice(
    queue, robot, workers, moderator, officer, policy
) -> None:
    first = workers.start("first", lease=3)
    wait_for("the first worker to start", lambda: Worker.objects.filter(pk="first").exists())
    robot.hold()
    announce_tip("商场门口发生火情，浓烟很大")
    wait_for("the robot to hold a post", robot.holding.is_set)
    [cut_off] = robot.delivery_keys()

    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    held = DBTaskResult.objects.get(task_path__endswith="deliver_to_robot")
    assert (held.status, held.worker_ids) == (TaskResultStatus.RUNNING, ["first"])
    robot.release()  # its answer goes nowhere: the worker that asked is dead

    announce_tip("河口村仓库起火")  # more work while no worker runs
    remind_of(policy)
    second = workers.start("second", lease=3)
    wait_for("every task to finish", all_finished, timeout=60)

    held.refresh_from_db()
    assert held.worker_ids == ["first", "second"]
    reclaim = Reclaim.objects.get()
    assert (reclaim.task_id, reclaim.lost_worker, reclaim.reclaimed_by, reclaim.outcome) == (
        held.pk,
        "first",
        "second",
        Reclaim.Outcome.REQUEUED,
    )
    assert AuditEntry.objects.filter(action="worker.reclaim.requeued").count() == 1
    assert_each_effect_once(robot, cut_off=cut_off)
    assert second.poll() is None


def test_the_worker_rides_out_a_ten_second_database_outage(
    queue, robot, workers, moderator, officer, policy
) -> None:
    db = connection.settings_dict
    proxy = Proxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
    steady = workers.start("steady", lease=3, port=proxy.port)
    wait_for("the worker to start", lambda: Worker.objects.filter(pk="steady").exists())
    robot.hold()
    announce_tip("商场门口发生火情，浓烟很大")
    wait_for("the robot to hold a post", robot.holding.is_set)
    [cut_off] = robot.delivery_keys()

    proxy.cut()  # the database stops, for this worker
    stopped_at = time.monotonic()
    robot.release()  # the post is answered, but the worker cannot record that it was sent
    announce_tip("河口村仓库起火")  # work queued during the outage
    remind_of(policy)
    time.sleep(max(0.0, 10 - (time.monotonic() - stopped_at)))
    assert steady.poll() is None, workers.log("steady")
    proxy.restore()
    wait_for("every task to finish", all_finished, timeout=60)

    assert steady.poll() is None, workers.log("steady")
    log = workers.log("steady")
    assert log.count("database unreachable") == 1, log  # once per outage, not per try
    assert log.count("database back after") == 1, log
    assert "cut off by the outage, is queued again" in log
    assert not Reclaim.objects.exists()  # it put back its own task; nobody had to take it
    assert_each_effect_once(robot, cut_off=cut_off)

    steady.send_signal(signal.SIGTERM)  # and it stops cleanly
    assert steady.wait(timeout=10) == 0
    assert Worker.objects.get(pk="steady").stopped_at is not None
    proxy.cut()
