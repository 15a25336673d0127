"""A new tip's messages go out from the worker, not the request: taking a tip queues one task,
in the tip's own transaction, and that task queues a message per moderator and the two clocks."""

from collections import Counter

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from yixun.accounts.models import User
from yixun.tips.models import Tip
from yixun.tips.tasks import announce_tip
from yixun.tips.tests.conftest import send


@pytest.fixture
def queue(settings) -> None:
    """Tasks go to the database queue, as in production, for a worker to take."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }


def queued() -> Counter[str]:
    return Counter(
        path.rsplit(".", 1)[1] for path in DBTaskResult.objects.values_list("task_path", flat=True)
    )


def test_the_request_queues_one_task(
    queue: None, moderator: User, moderator2: User, django_assert_max_num_queries
) -> None:
    # …and the live event that tells the open queues, in the same transaction: one row.
    with django_assert_max_num_queries(16):
        send()
    assert queued() == {"announce_tip": 1}


def test_the_task_queues_a_message_per_moderator_and_the_clocks(
    queue: None, moderator: User, moderator2: User
) -> None:
    tip = send()
    announce_tip.call(tip.pk)
    assert queued() == {"announce_tip": 1, "deliver_message": 2, "check_clock": 2}


def test_the_task_is_taken_with_the_tip_or_not_at_all(queue: None, moderator: User) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        send()
        raise RuntimeError  # the request fails after the tip was written
    assert not Tip.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_a_spam_tip_is_not_announced(queue: None, moderator: User) -> None:
    send("加微信 http://spam.example 低价办证 http://spam.example 加微信 兼职刷单")
    assert Tip.objects.get().status == Tip.Status.SPAM
    assert not DBTaskResult.objects.exists()
