"""The heartbeat outlives whatever a beat raises. If its thread ended while the worker still
took tasks, the worker would look dead after a lease, and its long task would be taken back
and run a second time."""

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import ProgrammingError
from django.db.backends.signals import connection_created
from django.utils import timezone

from yixun.worker.models import Worker
from yixun.worker.runner import Heartbeat
from yixun.worker.services import leases
from yixun.worker.tests.processes import wait_for


class RefusingDatabase:
    """The database refuses the heartbeat's first updates with an error that is no outage (a
    permission taken away by a migration, say), then answers again. Installed through
    Django's own hook for wrapping the queries of a connection."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.lock = threading.Lock()

    def __call__(self, execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        if sql.startswith('UPDATE "worker_worker"'):
            with self.lock:
                refuse, self.refusals = self.refusals > 0, self.refusals - 1
            if refuse:
                raise ProgrammingError('permission denied for table "worker_worker"')
        return execute(sql, *args)

    def install(self, sender: Any, connection: Any, **kwargs: Any) -> None:
        heartbeat = threading.current_thread().name.startswith("heartbeat-")
        if heartbeat and self not in connection.execute_wrappers:
            connection.execute_wrappers.append(self)


@pytest.fixture
def refusing() -> Iterator[RefusingDatabase]:
    database = RefusingDatabase(refusals=2)
    connection_created.connect(database.install)
    yield database
    connection_created.disconnect(database.install)


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_keeps_beating_after_an_error_that_is_no_outage(refusing, caplog) -> None:
    leases.register("w")
    started = timezone.now()
    heartbeat = Heartbeat("w", every=0.05)
    with caplog.at_level(logging.ERROR, logger="yixun.worker"):
        heartbeat.start()
        try:
            wait_for(
                "a beat after the refusals",
                lambda: Worker.objects.get(pk="w").last_seen_at > started,
                timeout=5,
            )
            assert heartbeat.is_alive()
            time.sleep(0.2)
            assert heartbeat.is_alive()
        finally:
            heartbeat.stop()
    assert refusing.refusals < 0  # both refused, and beats went on
    failures = [r for r in caplog.records if "a heartbeat failed" in r.getMessage()]
    assert len(failures) == 2 and all(r.exc_info for r in failures)
