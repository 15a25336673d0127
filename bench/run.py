"""Measure Yixun's endpoints against a bare Django view, in the same run, on PostgreSQL.

Starts Yixun under gunicorn (2 workers) on a scratch PostgreSQL database with
the demo county, drives each endpoint with wrk, and prints requests/s, p50,
p99 and the ratio to the baseline. Absolute numbers depend on the machine;
the ratios are what to compare between runs.
"""

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG = {"host": "127.0.0.1", "port": 5432}
DATABASE = "yixun_bench"

# name, path, who asks (public, officer session, officer token). Later issues add theirs here.
ENDPOINTS = [
    ("baseline", "/bench/baseline", "public"),
    ("healthz", "/healthz", "public"),
    ("home", "/", "public"),
    ("login page", "/accounts/login/", "public"),
    ("members page", "/members/", "session"),
    ("members API", "/api/v1/members", "token"),
    ("calendar week", "/calendar/", "session"),
    ("shifts API", "/api/v1/shifts", "token"),
]
OFFICER = "13800000001"  # the demo county's officer

SESSION = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from yixun.accounts.models import User
user = User.objects.get(phone="+86{phone}")
session = SessionStore()
session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(user.pk), "yixun.accounts.backends.PhoneRoleBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(session.session_key)
"""


@dataclass
class Result:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def prepare_database(name: str = DATABASE) -> str:
    """Create an empty scratch database (dropping an old one) and return its DATABASE_URL."""
    with psycopg.connect(**PG, user="postgres", dbname="postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_roles WHERE rolname = 'yixun'").fetchone():
            connection.execute("CREATE ROLE yixun LOGIN CREATEDB")
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name} OWNER yixun")
    return database_url(name)


def database_url(name: str) -> str:
    return f"postgres://yixun@{PG['host']}:{PG['port']}/{name}"


def drop_database(name: str) -> None:
    with psycopg.connect(**PG, user="postgres", dbname="postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def milliseconds(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if found is None:
        raise RuntimeError(f"wrk wrote a latency Yixun cannot read: {text!r}")
    value, unit = found.groups()
    return (
        float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}[unit]
    )


# Public tip intake: POSTs made by a wrk script, each a new tip from a new address.
SCRIPTED = [("tip intake", "/api/v1/tips", "bench/tips_intake.lua")]


def measure(name: str, url: str, headers: list[str], *, seconds: int, connections: int) -> Result:
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *headers, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Requests/sec" not in output or "50%" not in output:
        raise RuntimeError(f"wrk gave no measurement for {name}:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = milliseconds(re.search(r"^\s*50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    p99 = milliseconds(re.search(r"^\s*99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = int(failed.group(1)) if failed else 0
    return Result(name, rate, p50, p99, errors)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=8, help="how long to drive each endpoint")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--skip-large",
        action="store_true",
        help="skip bench/figures.py, which builds the large county first (about ten minutes)",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("make bench needs wrk: apt-get install -y wrk", file=sys.stderr)
        return 1

    data_dir = tempfile.mkdtemp(prefix="yixun-bench-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": prepare_database(),
        "YIXUN_DATA_DIR": data_dir,
        "YIXUN_LOG_LEVEL": "WARNING",
        # The tip-intake script sends each tip from its own address in X-Forwarded-For.
        "YIXUN_TRUSTED_PROXIES": "1",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [*manage, "demo", "-v0"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )
    ask: dict[str, list[str]] = {"public": []}
    for who, command in (
        ("session", [*manage, "shell", "-c", SESSION.format(phone=OFFICER)]),
        ("token", [*manage, "issue_token", OFFICER, "--name", "bench"]),
    ):
        run = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
        secret = run.stdout.strip().splitlines()[-1]  # shell may print a banner first
        header = (
            f"Cookie: sessionid={secret}" if who == "session" else f"Authorization: Bearer {secret}"
        )
        ask[who] = ["-H", header]

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "yixun.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2"],
        cwd=ROOT,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        for _name, path, who in ENDPOINTS:  # warm both workers and their connections
            warm = ["wrk", "-t1", "-c4", "-d2s", *ask[who], base + path]
            subprocess.run(warm, capture_output=True, check=True)
        results = [
            measure(name, base + path, ask[who], seconds=args.seconds, connections=args.connections)
            for name, path, who in ENDPOINTS
        ]
        results += [
            measure(
                name,
                base + path,
                ["-s", script],
                seconds=args.seconds,
                connections=args.connections,
            )
            for name, path, script in SCRIPTED
        ]
    finally:
        server.terminate()
        server.wait(timeout=10)

    scripts = ["bench/roster_import.py", "bench/claims.py", "bench/checkin.py"]
    if not args.skip_large:
        scripts.append("bench/figures.py")  # on a scratch database of its own
    for script in scripts:
        subprocess.run([sys.executable, script], cwd=ROOT, env=env, check=True)

    baseline = results[0].requests_per_second
    setup = f"wrk {args.connections} connections, {args.seconds}s each"
    print(f"\ngunicorn 2 workers, PostgreSQL, {setup}")
    print(f"{'endpoint':<14}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'vs baseline':>13}{'errors':>8}")
    for result in results:
        ratio = result.requests_per_second / baseline if baseline else 0.0
        print(
            f"{result.name:<14}{result.requests_per_second:>9.0f}{result.p50_ms:>9.1f}"
            f"{result.p99_ms:>9.1f}{ratio:>12.2f}x{result.errors:>8}"
        )
    shutil.rmtree(data_dir, ignore_errors=True)
    return 1 if any(result.errors for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
