"""The real worker runs queued work, on whichever database the suite runs on."""

import pytest
from django.core.management import call_command
from django_tasks import TaskResultStatus

from yixun.accounts.messaging import Message
from yixun.accounts.tasks import deliver_message
from yixun.worker.models import Delivery, Worker


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


class RefusingGateway:
    """An SMS gateway that is down (outside Yixun: a stand-in is fair)."""

    def send(self, message: Message) -> None:
        raise ConnectionError(f"gateway refused {message.to}")


@pytest.mark.django_db(transaction=True)
def test_a_message_the_gateway_refuses_is_marked_failed_in_both_logs(settings) -> None:
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    settings.YIXUN_MESSAGE_SENDER = "yixun.tests.test_task_worker.RefusingGateway"
    result = deliver_message.enqueue(to="+8613900000002", subject="值班提醒", body="今晚巡逻")

    call_command("run_worker", "--batch", "--worker-id", "w1", verbosity=0)

    result.refresh()
    assert result.status == TaskResultStatus.FAILED
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 1)
    assert "gateway refused 139****0002" in delivery.last_answer
    assert "13900000002" not in delivery.last_answer
