"""What the process tests stand on: a real worker process, a TCP proxy in front of PostgreSQL
that a test can cut (the database "stops" for that worker alone, not for the other engineers'
tests that share the server), and a group robot's webhook that can hold a request."""

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)


def wait_for(what: str, check: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Proxy:
    """Forwards 127.0.0.1:<port> to the database. cut() closes every connection and stops
    listening (a client is refused, as by a stopped server); restore() listens again."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(32)
        self.port = listener.getsockname()[1]
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                _close(end)

    def cut(self) -> None:
        if self.listener is not None:
            _close(self.listener)
            self.listener = None
        with self.lock:
            for end in self.sockets:
                _close(end)
            self.sockets.clear()


def _close(end: socket.socket) -> None:
    with contextlib.suppress(OSError):
        end.shutdown(socket.SHUT_RDWR)
    end.close()


class Robot(ThreadingHTTPServer):
    """A group robot's webhook. Each post is recorded with its delivery key; with hold() the
    next post is kept waiting, unanswered, until release()."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), RobotHandler)
        self.posts: list[tuple[str, dict[str, Any]]] = []
        self.hold_next = False
        self.holding = threading.Event()
        self.released = threading.Event()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/cgi-bin/webhook/send?key=secret"

    def hold(self) -> None:
        self.hold_next, self.released = True, threading.Event()
        self.holding.clear()

    def release(self) -> None:
        self.released.set()

    def delivery_keys(self) -> list[str]:
        return [key for key, _body in self.posts]


class RobotHandler(BaseHTTPRequestHandler):
    server: Robot

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.posts.append((self.headers.get("Idempotency-Key", ""), body))
        if self.server.hold_next:
            self.server.hold_next = False
            self.server.holding.set()
            self.server.released.wait(timeout=60)
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"errcode": 0, "errmsg": "ok"}')
        except OSError:
            pass  # the worker that asked was killed

    def log_message(self, *args: object) -> None:
        pass


class Workers:
    """Start real `manage.py run_worker` processes on the test database; stop them all after."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[subprocess.Popen[bytes]] = []

    def database_url(self, port: int | None = None) -> str:
        db = connection.settings_dict
        user, password = db["USER"] or "", db["PASSWORD"] or ""
        auth = f"{user}:{password}@" if password else f"{user}@"
        return f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{port or db['PORT'] or 5432}/{db['NAME']}"

    def start(
        self, name: str, *, lease: int = 3, port: int | None = None
    ) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "yixun.settings",
            "DATABASE_URL": self.database_url(port),
            "YIXUN_TASK_LEASE_SECONDS": str(lease),
            "YIXUN_AUDIT_STRICT": "1",
            "YIXUN_LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        log = (self.log_dir / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "run_worker",
                "--worker-id",
                name,
                "--interval",
                "0.2",
                "--backoff-max",
                "2",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.started.append(process)
        return process

    def log(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(errors="replace")

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)
