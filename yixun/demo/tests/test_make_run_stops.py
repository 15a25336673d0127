"""Stopping `make run` (Ctrl-C: SIGINT to the whole process group) is a normal way to stop the
demo: scripts/serve stops the web server and the worker and exits 0, so make reports no error,
and nothing is left running, even when the worker was still starting. PostgreSQL only, as the
other process tests (the served processes share the test database)."""

import os
import signal
import socket
import subprocess
import time

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
        return int(probe.getsockname()[1])


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


def group(pgid: int) -> list[str]:
    """The processes still in a process group."""
    found = subprocess.run(
        ["ps", "-o", "pid=,args=", "-g", str(pgid)], capture_output=True, text=True
    )
    return [line for line in found.stdout.splitlines() if line.strip()]


def serve(tmp_path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "yixun.settings",
        "DATABASE_URL": Workers(tmp_path).database_url(),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WORKERS": "1",
    }

    def as_a_terminal_starts_it() -> None:  # Ctrl-C's SIGINT is not ignored in the group
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    return subprocess.Popen(
        ["scripts/serve"],
        cwd=ROOT,
        env=env,
        stdout=(tmp_path / "serve.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=as_a_terminal_starts_it,
    )


@pytest.mark.parametrize("worker_started", [True, False])
def test_ctrl_c_stops_make_run_cleanly(transactional_db, tmp_path, worker_started) -> None:
    port = free_port()
    process = serve(tmp_path, port)
    try:
        wait_for("the web server to listen", lambda: listening(port), timeout=60)
        if worker_started:
            wait_for("the worker to start", Worker.objects.first, timeout=60)
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=90) == 0
        output = (tmp_path / "serve.log").read_text()
        assert "Yixun has stopped." in output
        assert "Traceback" not in output
        time.sleep(0.5)
        assert group(process.pid) == []  # neither the web server nor the worker is left
    finally:
        if process.poll() is None or group(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
