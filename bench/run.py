"""Measure Yixun's endpoints against a bare Django view, in the same run, on PostgreSQL.

Starts Yixun under gunicorn (2 workers) on a scratch PostgreSQL database with
the demo county, drives each endpoint with wrk, and prints requests/s, p50,
p99 and the ratio to the baseline. Absolute numbers depend on the machine;
the ratios are what to compare between runs.
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG = {"host": "127.0.0.1", "port": 5432}
DATABASE = "yixun_bench"

# Public endpoints, driven with one URL.
PUBLIC = [
    ("baseline", "/bench/baseline"),
    ("healthz", "/healthz"),
    ("home (public)", "/"),
    ("login page", "/accounts/login/"),
    ("bulletins page", "/bulletins/"),
    ("bulletins feed", "/bulletins/feed.atom"),
]
# Endpoints driven through bench/requests.lua from the request files of bench/people.py: every
# request another volunteer (or officer), week, town or shift. name, kind of target.
PEOPLE = [
    ("calendar week", "volunteer"),
    ("my patrols", "volunteer"),
    ("duty page", "volunteer"),
    ("tip tracking", "volunteer"),
    ("home (volunteer)", "volunteer"),
    ("inbox", "volunteer"),
    ("volunteers mixed", "volunteer"),
    ("members page", "list"),
    ("shifts API", "list"),
    ("members API", "list"),
    ("claim", "write"),
    ("check-in", "write"),
]
# Public tip intake: POSTs made by a wrk script, each a new tip from a new address.
SCRIPTED = [("tip intake", "/api/v1/tips", "bench/tips_intake.lua", "write")]
# The targets: the least ratio to the baseline, and whether p99 is held to 8× the
# baseline's p99 (volunteers' pages) or errors to none (writes).
TARGETS = {"volunteer": 0.15, "list": 0.20, "write": 0.10}


@dataclass
class Result:
    name: str
    requests_per_second: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0  # non-2xx/3xx answers and socket errors
    kind: str = ""
    detail: str = ""  # statuses, socket errors, or why the endpoint could not be measured


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


def measure(
    name: str,
    url: str,
    options: list[str],
    *,
    seconds: int,
    connections: int,
    kind: str = "",
    env: dict[str, str] | None = None,
) -> Result:
    """One endpoint under wrk; a failure is reported in the result, never raised."""
    try:
        run = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "30s",
                "--latency",
                *options,
                url,
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=seconds + 60,
        )
        output = run.stdout
        if "Requests/sec" not in output or "50%" not in output:
            raise RuntimeError((output + run.stderr).strip()[-300:] or "wrk gave no measurement")
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
        p50 = milliseconds(re.search(r"^\s*50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
        p99 = milliseconds(re.search(r"^\s*99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
        failed = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
        errors = int(failed.group(1)) if failed else 0
        sockets = re.search(
            r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
        )
        if sockets:
            errors += sum(int(n) for n in sockets.groups())
        details = [line for line in output.splitlines() if line.startswith(("statuses:", "Socket"))]
        return Result(name, rate, p50, p99, errors, kind, "; ".join(details))
    except Exception as error:
        return Result(name, kind=kind, errors=-1, detail=f"not measured: {error}")


def preflight(base: str, file: Path) -> str:
    """The status of the first request of a file, to show a sign-in redirect or a refusal."""
    try:
        method, path, headers, body = file.read_text(encoding="utf-8").splitlines()[0].split("\t")
    except (OSError, IndexError, ValueError) as error:
        return f"no request to send ({error})"
    request = urllib.request.Request(
        base + path,
        method=method,
        data=body.encode() if body else None,
        headers=dict(h.split(": ", 1) for h in headers.split("|") if h),
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    try:
        answer = urllib.request.build_opener(NoRedirect).open(request, timeout=60)
        return str(answer.status)
    except urllib.error.HTTPError as error:
        return f"{error.code} {error.headers.get('Location', '')}".strip()
    except OSError as error:
        return f"no answer: {error}"


def verdict(result: Result, baseline: Result) -> tuple[str, str]:
    """The target of an endpoint, and whether the result meets it."""
    least = TARGETS.get(result.kind)
    if least is None:
        return "", ""
    ratio = result.requests_per_second / baseline.requests_per_second
    met = ratio >= least
    target = f"≥{least:.2f}×"
    if result.kind == "volunteer":
        target += f", p99≤{8 * baseline.p99_ms:.0f}"
        met = met and result.p99_ms <= 8 * baseline.p99_ms
    if result.kind == "write":
        target += ", 0 err"
        met = met and result.errors == 0
    return target, "yes" if met and result.errors >= 0 else "no"


def table(results: list[Result], baseline: Result) -> str:
    lines = [
        "| endpoint | req/s | p50 ms | p99 ms | ×baseline | target | meets | errors |",
        "|---|---:|---:|---:|---:|---|---|---:|",
    ]
    for r in results:
        if r.errors < 0:
            lines.append(f"| {r.name} | – | – | – | – | | no | {r.detail} |")
            continue
        ratio = r.requests_per_second / baseline.requests_per_second
        target, met = verdict(r, baseline)
        lines.append(
            f"| {r.name} | {r.requests_per_second:.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} "
            f"| {ratio:.2f}× | {target} | {met} | {r.errors} |"
        )
    return "\n".join(lines)


def run_script(command: list[str], env: dict[str, str]) -> None:
    """Another measurement: its output as it comes, its failure printed, never fatal."""
    try:
        done = subprocess.run(command, cwd=ROOT, env=env, timeout=3600)
        if done.returncode:
            print(f"{' '.join(command[1:])} exited with status {done.returncode}", flush=True)
    except Exception as error:
        print(f"{' '.join(command[1:])} failed: {error}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=8, help="how long to drive each endpoint")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--skip-large",
        action="store_true",
        help="skip bench/figures.py, which builds the large county first (about ten minutes)",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep the bench database if it has the demo already"
    )
    parser.add_argument(
        "--only",
        choices=["all", "rush", "push"],
        default="all",
        help="rush: the claim rush alone; push: the pushed updates alone",
    )
    args = parser.parse_args()
    if not shutil.which("wrk") and args.only == "all":
        print("make bench needs wrk: apt-get install -y wrk", file=sys.stderr)
        return 1

    data_dir = tempfile.mkdtemp(prefix="yixun-bench-")
    url = database_url(DATABASE) if args.reuse and has_demo() else prepare_database()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": url,
        "YIXUN_DATA_DIR": data_dir,
        "YIXUN_LOG_LEVEL": "WARNING",
        # The tip-intake script sends each tip from its own address in X-Forwarded-For.
        "YIXUN_TRUSTED_PROXIES": "1",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [*manage, "demo", "--if-empty", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    requests = Path(data_dir) / "requests"
    people = subprocess.run(
        [sys.executable, "bench/people.py", str(requests)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    summary = json.loads(people.stdout.strip().splitlines()[-1])
    print(
        f"{summary['volunteers']} volunteers signed in, of {summary['squads']} squads; "
        f"{summary['officers']} officers; URLs over {summary['weeks']} weeks and "
        f"{summary['towns']} towns",
        flush=True,
    )

    if args.only == "push":
        push(env)
        shutil.rmtree(data_dir, ignore_errors=True)
        return 0

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "yixun.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2"],
        cwd=ROOT,
        env=env,
    )
    results: list[Result] = []
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        wrk = {"seconds": args.seconds, "connections": args.connections}
        lua = ["-s", "bench/requests.lua"]
        if args.only == "all":
            for name, _kind in PEOPLE:  # what the first request of each gets
                print(
                    f"  {name}: first request answered {preflight(base, requests / f'{name}.txt')}"
                )
            for _name, path in PUBLIC:  # warm both workers and their connections
                subprocess.run(["wrk", "-t1", "-c4", "-d2s", base + path], capture_output=True)
            for name, _kind in PEOPLE[:6]:
                warm = {**env, "BENCH_REQUESTS": str(requests / f"{name}.txt")}
                subprocess.run(
                    ["wrk", "-t1", "-c4", "-d1s", *lua, base], env=warm, capture_output=True
                )
            results += [measure(name, base + path, [], **wrk) for name, path in PUBLIC]
            for name, kind in PEOPLE:
                file = {**env, "BENCH_REQUESTS": str(requests / f"{name}.txt")}
                results.append(measure(name, base, lua, **wrk, kind=kind, env=file))
                last = results[-1]
                print(
                    f"  {name}: {last.requests_per_second:.0f} req/s, p50 {last.p50_ms:.0f} ms, "
                    f"p99 {last.p99_ms:.0f} ms, errors {last.errors}; {last.detail}",
                    flush=True,
                )
            results += [
                measure(name, base + path, ["-s", script], **wrk, kind=kind)
                for name, path, script, kind in SCRIPTED
            ]
        if not results:  # the rush alone: its baseline, measured warm as in the full run
            subprocess.run(
                ["wrk", "-t1", "-c4", "-d2s", base + "/bench/baseline"], capture_output=True
            )
            results.append(measure("baseline", base + "/bench/baseline", [], **wrk))
        baseline = results[0]
        run_script(
            [
                sys.executable,
                "bench/rush.py",
                "--base",
                base,
                "--baseline-p99",
                f"{baseline.p99_ms}",
            ],
            env,
        )
        if args.only == "all":
            session = (requests / "home (volunteer).txt").read_text().split("sessionid=")[1]
            run_script(
                [
                    sys.executable,
                    "bench/paint.py",
                    "--base",
                    base,
                    "--session",
                    session.split(";")[0],
                ],
                env,
            )
    finally:
        server.terminate()
        try:
            server.wait(timeout=40)  # gunicorn lets its workers finish what they hold
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    if args.only == "all":
        scripts = [
            "bench/roster_import.py",
            "bench/claims.py",
            "bench/checkin.py",
            "bench/fan_out.py",
        ]
        if not args.skip_large:
            scripts.append("bench/figures.py")  # on a scratch database of its own
        for script in scripts:
            run_script([sys.executable, script], env)
        push(env)
        print(
            f"\ngunicorn 2 workers, PostgreSQL, no Redis, wrk {args.connections} connections, "
            f"{args.seconds}s each; baseline p99 {results[0].p99_ms:.1f} ms"
        )
        print(table(results, results[0]))
        for result in results:
            if result.detail:
                print(f"  {result.name}: {result.detail}")
    shutil.rmtree(data_dir, ignore_errors=True)
    return 0


def push(env: dict[str, str]) -> None:
    """2,000 open event streams in one push process: as a county runs it (the table looked at),
    and, where a Redis answers on this machine, as a city runs it (woken by Redis)."""
    run_script([sys.executable, "bench/push.py"], env)
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        print("(no Redis on 127.0.0.1:6379: the pushed updates woken by Redis are not measured)")
        return
    redis = {**env, "REDIS_URL": "redis://127.0.0.1:6379/3", "YIXUN_CACHE_PREFIX": "yixun-bench"}
    run_script([sys.executable, "bench/push.py", "--redis"], redis)


def has_demo() -> bool:
    try:
        with psycopg.connect(**PG, user="yixun", dbname=DATABASE) as connection:
            return bool(connection.execute("SELECT 1 FROM accounts_user LIMIT 1").fetchone())
    except psycopg.Error:
        return False


if __name__ == "__main__":
    sys.exit(main())
