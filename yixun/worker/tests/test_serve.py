"""`make run` (scripts/serve) keeps the task worker running: killed, it is started again; a TERM
stops the web server and the worker, cleanly. PostgreSQL only, as the other process tests."""

import os
import signal
import socket
import subprocess

import pytest
from django.conf import settings

from yixun.worker.models import Worker
from yixun.worker.tests.processes import ROOT, Workers, wait_for

pytestmark = [
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="needs PostgreSQL (DATABASE_URL=postgres://…): the served processes share its test database",
    ),
    pytest.mark.django_db(transaction=True),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_make_run_starts_the_worker_again_when_it_dies(transactional_db, tmp_path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "yixun.settings",
        "DATABASE_URL": Workers(tmp_path).database_url(),
        "HOST": "127.0.0.1",
        "PORT": str(free_port()),
        "WORKERS": "1",
        "WORKER_RESTART_DELAY": "0.2",
    }
    log = (tmp_path / "serve.log").open("wb")
    serve = subprocess.Popen(
        ["scripts/serve"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        first = wait_for("the worker to start", Worker.objects.first, timeout=60)
        # The links it sends (reminders, outside any request) carry the address served.
        environ = open(f"/proc/{first.pid}/environ", "rb").read().split(b"\0")  # noqa: SIM115
        assert f"YIXUN_SITE_URL=http://127.0.0.1:{env['PORT']}".encode() in environ
        os.kill(first.pid, signal.SIGKILL)
        second = wait_for(
            "another worker to start",
            lambda: Worker.objects.exclude(pk=first.pk).first(),
            timeout=60,
        )
        assert alive(second.pid)
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)
        wait_for("the worker to stop", lambda: not alive(second.pid), timeout=10)
        second.refresh_from_db()
        assert second.stopped_at is not None  # it stopped cleanly, not killed
        output = (tmp_path / "serve.log").read_text()
        assert "The task worker exited (status 137); starting it again" in output
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
