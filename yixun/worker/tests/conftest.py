import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from yixun.members.models import InsurancePolicy


@pytest.fixture
def queue(settings) -> None:
    """Tasks go to the database queue, as in production, for a worker to take."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }


@pytest.fixture
def policy(db: None) -> InsurancePolicy:
    today = timezone.localdate()
    return InsurancePolicy.objects.create(
        insurer="人保财险",
        number="PA-2026-001",
        starts_on=today - dt.timedelta(days=300),
        ends_on=today + dt.timedelta(days=30),
        sum_insured=Decimal(100000),
    )
