"""The worker outlives an unreachable database: it waits longer after each failed try, with
jitter, says so once per outage, and carries on when the database is back."""

import logging
import socket

import pytest
from django.db import connection
from django_tasks import TaskResultStatus

from yixun.accounts.tasks import deliver_message
from yixun.worker.runner import Backoff, Runner


def test_the_wait_doubles_up_to_its_cap_and_is_jittered() -> None:
    backoff = Backoff(base=1.0, cap=8.0)
    waits = [backoff.fail() for _ in range(6)]
    for wait, ceiling in zip(waits, [1, 2, 4, 8, 8, 8], strict=True):
        assert ceiling / 2 <= wait <= ceiling
    assert len({round(w, 6) for w in waits[3:]}) > 1  # jittered, not in step with other workers
    lasted = backoff.succeed()
    assert lasted is not None and lasted >= 0
    assert backoff.failures == 0 and backoff.succeed() is None


def unreachable(settings_dict: dict, tmp_path) -> dict:
    """Where the database is not: a closed port, or an SQLite file in a missing folder."""
    if connection.vendor == "postgresql":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        return {"HOST": "127.0.0.1", "PORT": str(port)}
    return {"NAME": str(tmp_path / "missing" / "yixun.sqlite3")}


@pytest.mark.django_db(transaction=True)
def test_the_worker_waits_out_an_unreachable_database(queue, outbox, tmp_path, caplog) -> None:
    result = deliver_message.enqueue(to="+8613900000002", subject="值班提醒", body="今晚巡逻")
    worker = Runner(worker_id="steady", queue_names=["default"], backoff_cap=0.05)
    worker.backoff.base = 0.01
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(unreachable(saved, tmp_path))
    try:
        with caplog.at_level(logging.WARNING, logger="yixun.worker"):
            for _ in range(4):
                assert worker.round() is True  # no exception: it waits and tries again
            assert worker.backoff.failures == 4
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
    with caplog.at_level(logging.WARNING, logger="yixun.worker"):
        assert worker.round() is True
    messages = [r.getMessage() for r in caplog.records if r.name == "yixun.worker"]
    assert sum("database unreachable" in m for m in messages) == 1  # once per outage
    assert sum("database back after" in m for m in messages) == 1
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert [m.subject for m in outbox] == ["值班提醒"]
