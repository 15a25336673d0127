"""The real worker runs queued work, on whichever database the suite runs on."""

import pytest
from django.core.management import call_command
from django_tasks import TaskResultStatus

from yixun.accounts.tasks import deliver_message


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_delivers_a_queued_message(settings, outbox) -> None:
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    result = deliver_message.enqueue(
        to="+8613900000002", subject="值班提醒", body="明晚 20:00 城关巡逻"
    )
    assert result.status == TaskResultStatus.READY
    assert outbox == []  # queued, not sent

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert [(m.to, m.subject) for m in outbox] == [("+8613900000002", "值班提醒")]
