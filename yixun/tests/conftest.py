import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The environment of a fresh Yixun process: none of the test run's settings leak in."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("YIXUN_", "DJANGO_"))
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.pop("SECRET_KEY", None)
    env.pop("ALLOWED_HOSTS", None)
    env.update({"DJANGO_SETTINGS_MODULE": "yixun.settings", "YIXUN_DATA_DIR": str(tmp_path)})
    env.update(overrides)
    return env


def manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean_env(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def yixun_process(tmp_path: Path) -> Callable[..., object]:
    """Start Yixun under gunicorn in its own process, with the environment given."""

    @contextmanager
    def start(**env: str) -> Iterator[str]:
        port = free_port()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "yixun.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
            cwd=ROOT,
            env=clean_env(tmp_path, **env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        output = process.stdout.read().decode() if process.stdout else ""
                        raise RuntimeError(f"Yixun did not start:\n{output}") from None
                    time.sleep(0.1)
            # gunicorn binds at once but boots its worker (Django, the apps) on its own time,
            # which on a busy 2-core machine can pass a test's patience: wait for a first answer.
            fetch(f"{base}/healthz", timeout=60)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=10)

    return start


def fetch(
    url: str, headers: dict[str, str] | None = None, timeout: float = 10
) -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - a local test server
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return (
                response.status,
                response.headers.get("Content-Type", ""),
                response.read().decode(),
            )
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read().decode()
