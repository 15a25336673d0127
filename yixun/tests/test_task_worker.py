"""The real worker runs queued work, on whichever database the suite runs on. A message, once
sent or given up, leaves neither its text (a sign-in code, a reset link) nor its number in the
task table, its traceback or the worker's log; the delivery log keeps the masked number."""

import json
import logging

import pytest
from django.core.management import call_command
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from yixun.accounts.messaging import Message
from yixun.accounts.tasks import deliver_message
from yixun.worker.models import Delivery, Worker
from yixun.worker.services.deliveries import ARGUMENTS_REMOVED

CODE = "您的登录验证码是 482913，5 分钟内有效。"


def assert_nothing_kept(result_id: object) -> None:
    """The task's row holds no number and no message, in any of its fields."""
    row = DBTaskResult.objects.get(pk=result_id)
    assert row.args_kwargs == ARGUMENTS_REMOVED
    kept = json.dumps([row.args_kwargs, row.return_value, row.traceback], ensure_ascii=False)
    for secret in ("13900000002", "482913", "值班提醒"):
        assert secret not in kept


@pytest.mark.django_db(transaction=True)
def test_the_worker_delivers_a_queued_message(settings, outbox) -> None:
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    result = deliver_message.enqueue(
        to="+8613900000002", subject="值班提醒", body="明晚 20:00 城关巡逻"
    )
    assert result.status == TaskResultStatus.READY
    assert outbox == []  # queued, not sent

    call_command("run_worker", "--batch", "--worker-id", "w1", verbosity=0)

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert [(m.to, m.subject, m.key) for m in outbox] == [
        ("+8613900000002", "值班提醒", f"message-{result.id}")
    ]
    delivery = Delivery.objects.get()
    assert (delivery.key, delivery.recipient, delivery.status, delivery.attempts) == (
        f"message-{result.id}",
        "139****0002",
        Delivery.Status.SENT,
        1,
    )
    assert Worker.objects.get(pk="w1").stopped_at is not None  # it said it stopped


@pytest.mark.django_db(transaction=True)
def test_a_sent_message_leaves_no_code_or_number_in_the_task_table(settings, outbox) -> None:
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    result = deliver_message.enqueue(to="+8613900000002", subject="值班提醒", body=CODE)
    assert "482913" in json.dumps(DBTaskResult.objects.get().args_kwargs, ensure_ascii=False)

    call_command("run_worker", "--batch", "--worker-id", "w1", verbosity=0)

    assert [m.body for m in outbox] == [CODE]  # sent, and only then forgotten
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert_nothing_kept(result.id)
    assert Delivery.objects.get().recipient == "139****0002"  # what the delivery log needs


class RefusingGateway:
    """An SMS gateway that is down, and says what it refused (outside Yixun: a stand-in is
    fair). Gateways do repeat the number, and sometimes the text, in their errors."""

    def send(self, message: Message) -> None:
        raise ConnectionError(f"gateway refused {message.to}: {message.body}")


@pytest.mark.django_db(transaction=True)
def test_a_message_the_gateway_refuses_is_marked_failed_in_both_logs(settings, caplog) -> None:
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    settings.YIXUN_MESSAGE_SENDER = "yixun.tests.test_task_worker.RefusingGateway"
    result = deliver_message.enqueue(to="+8613900000002", subject="值班提醒", body=CODE)

    with caplog.at_level(logging.INFO, logger="yixun.worker"):
        call_command("run_worker", "--batch", "--worker-id", "w1", verbosity=0)

    result.refresh()
    assert result.status == TaskResultStatus.FAILED
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 1)
    assert "gateway refused 139****0002: [message]" in delivery.last_answer
    assert "13900000002" not in delivery.last_answer and "482913" not in delivery.last_answer
    # The task's error says what failed, with the answer as the delivery log has it, and
    # neither it, nor the task's arguments, nor the worker's log keep the number or the code.
    [error] = result.errors
    assert error.exception_class_path == "yixun.worker.services.deliveries.DeliveryFailed"
    assert "gateway refused 139****0002: [message]" in error.traceback
    assert_nothing_kept(result.id)
    assert "failed: DeliveryFailed(" in caplog.text
    assert "13900000002" not in caplog.text and "482913" not in caplog.text
