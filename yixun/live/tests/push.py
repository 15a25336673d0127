"""A real push process for tests: uvicorn serving Yixun's ASGI application in a process of its
own, on the test database (SQLite's file or PostgreSQL's), and a plain HTTP client that reads
its server-sent events. Changes are written by the test's own process, as a web process or the
worker would: what reaches the client has crossed from one process to another."""

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import Client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    return (
        f"postgres://{user}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    )


class PushServer:
    def __init__(self, data_dir: Path) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "yixun.settings",
            "DATABASE_URL": database_url(),
            "SECRET_KEY": settings.SECRET_KEY,  # the test's sessions are signed with it
            "YIXUN_FIELD_KEYS": ",".join(settings.YIXUN_FIELD_KEYS),
            "YIXUN_DATA_DIR": str(data_dir),
            "YIXUN_LIVE_POLL_MILLISECONDS": "100",
            "YIXUN_LIVE_KEEPALIVE_SECONDS": "1",
            "YIXUN_LOG_LEVEL": "WARNING",
        }
        if settings.REDIS_URL:  # the same Redis channel and cache as this test process
            env["YIXUN_CACHE_PREFIX"] = caches["default"].key_prefix
        else:  # the same cache files, as the processes of one machine share them
            (data_dir / "cache").symlink_to(settings.CACHES["default"]["LOCATION"])
        self.env = env  # for other processes of the same install (a task worker)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "yixun.asgi:application",
                "--host=127.0.0.1",
                f"--port={self.port}",
                "--log-level=warning",
                "--lifespan=off",
            ],
            env=env,
            cwd=settings.BASE_DIR,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("the push server did not start") from None
                time.sleep(0.1)
        raise RuntimeError("the push server did not start in 30 s")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        time.sleep(0.5)  # PostgreSQL lets go of its sessions, or the test database cannot go


def session_of(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@dataclass
class Received:
    id: str
    event: str
    data: dict[str, Any]


class Stream:
    """One page's connection to the push server."""

    def __init__(
        self,
        server: PushServer,
        user: Any,
        topics: str,
        *,
        last: int | None = None,
        since: int | None = None,
    ) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        headers = {"Accept": "text/event-stream"}
        if user is not None:
            headers["Cookie"] = f"sessionid={session_of(user)}"
        if last is not None:
            headers["Last-Event-ID"] = str(last)
        query = f"/live/events?topics={topics}" + (f"&since={since}" if since is not None else "")
        self.connection.request("GET", query, headers=headers)
        self.response = self.connection.getresponse()
        self.status = self.response.status
        if self.status == 200:  # the stream follows its topics once it says how to retry
            while self.response.fp.readline().strip():
                pass

    def next(self, seconds: float = 5.0) -> Received | None:
        """The next event (not a comment), or None when none comes within `seconds` (the
        stream cannot be read after that)."""
        deadline = time.monotonic() + seconds
        self.connection.sock.settimeout(seconds)  # type: ignore[union-attr]
        fields: dict[str, str] = {}
        while time.monotonic() < deadline:
            try:
                line = self.response.fp.readline().decode()
            except TimeoutError:
                return None
            if not line:
                return None
            line = line.rstrip("\n")
            if line == "":
                if "event" in fields:
                    return Received(
                        fields.get("id", ""), fields["event"], json.loads(fields["data"])
                    )
                fields = {}
            elif not line.startswith(":"):
                name, _, value = line.partition(": ")
                fields[name] = value
        return None

    def close(self) -> None:
        self.connection.close()


@pytest.fixture(scope="module")
def push_process(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PushServer]:
    """One push process for a module's tests (it starts in seconds): each test's people and
    objects are new, and it reads them from the database as they are committed."""
    started = PushServer(tmp_path_factory.mktemp("push"))
    yield started
    started.stop()


@pytest.fixture
def server(transactional_db: None, push_process: PushServer) -> PushServer:
    return push_process
