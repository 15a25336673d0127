"""Pushed updates at scale: one push process (uvicorn serving Yixun's ASGI application) holds
2,000 open event streams of 2,000 different signed-in volunteers following the shifts, and each
of a few changes is delivered to all of them. The issue's target: p99 at most 1 s.

Run by `make bench` and alone by `make bench-push` (on the bench database, with the demo):
`python bench/push.py [--connections 2000] [--redis]`. The changes are written by this process,
as a web process or the worker writes them: through the service that releases a place, whose
audit entry is the event; the push process learns of it from Redis (`--redis`, as a city runs)
or by looking at the table (a county's laptop, every YIXUN_LIVE_POLL_MILLISECONDS). Prints the
time to open the streams, the push process's memory with all of them open, and for each change
how many streams received it and the delays from its commit to each receipt (p50, p99, max).
Sessions, claims and events it made are deleted afterwards.
"""

import argparse
import asyncio
import os
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import F  # noqa: E402

from bench.people import Person, accept_notice, save_sessions  # noqa: E402
from yixun.lib.generations import forget_everything  # noqa: E402
from yixun.live.models import Event  # noqa: E402
from yixun.members.models import Member  # noqa: E402
from yixun.shifts.models import Claim, Shift  # noqa: E402
from yixun.shifts.services.claims import release_claim  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 1000.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Streams:
    """The browsers: one asyncio connection each, recording when each event id arrives."""

    def __init__(self, port: int, cookies: list[str]) -> None:
        self.port, self.cookies = port, cookies
        self.received: dict[str, list[float]] = {}
        self.open = 0
        self.failed = 0
        self.refusal = ""  # the first answer that was not 200

    async def one(self, cookie: str, ready: asyncio.Event) -> None:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            writer.write(
                (
                    "GET /live/events?topics=shifts HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    f"Cookie: {cookie}\r\nAccept: text/event-stream\r\n\r\n"
                ).encode()
            )
            await writer.drain()
            status = await reader.readline()
            if b" 200 " not in status:
                self.failed += 1
                self.refusal = self.refusal or status.decode(errors="replace").strip()
                return
            while (await reader.readline()).strip():  # the headers
                pass
            opened = False
            while line := await reader.readline():
                text = line.decode(errors="replace")
                if text.startswith("retry:") and not opened:
                    opened = True
                    self.open += 1
                    if self.open + self.failed == len(self.cookies):
                        ready.set()
                elif text.startswith("id: "):
                    self.received.setdefault(text[4:].strip(), []).append(time.time())
        except OSError:
            self.failed += 1

    async def run(
        self, changes: int, pause: float, publish: "asyncio.Queue[tuple[str, float]]"
    ) -> None:
        ready = asyncio.Event()
        started = time.perf_counter()
        tasks = []
        for cookie in self.cookies:
            tasks.append(asyncio.create_task(self.one(cookie, ready)))
            await asyncio.sleep(0)  # let each connect in turn
        try:
            await asyncio.wait_for(ready.wait(), 120)
        except TimeoutError:
            for task in tasks:
                task.cancel()
            raise RuntimeError(
                f"only {self.open} of {len(self.cookies)} streams opened in 120 s "
                f"({self.failed} refused or failed; first refusal: {self.refusal or '-'})"
            ) from None
        self.opened_in = time.perf_counter() - started
        await publish.put(("ready", 0.0))
        await asyncio.sleep(changes * pause + 5)
        for task in tasks:
            task.cancel()


def change(shift: Shift, member: Member) -> tuple[str, float]:
    """One change, as a web process makes it: a place claimed and released, the release's
    event timed from the moment its transaction commits."""
    Shift.objects.filter(pk=shift.pk).update(taken=F("taken") + 1)
    claim = Claim.objects.create(shift=shift, member=member, claimed_by=member.user)
    with transaction.atomic():
        release_claim(claim=claim, actor=member.user)
        last = Event.objects.order_by("-pk").values_list("pk", flat=True).first()
        committed: list[float] = []
        transaction.on_commit(lambda: committed.append(time.time()))
    return str(last), committed[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument("--changes", type=int, default=5)
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between changes")
    parser.add_argument(
        "--redis", action="store_true", help="wake the push process through REDIS_URL"
    )
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the server inherits it
    if hard < args.connections + 200:
        print(
            f"the open-file limit ({hard}) is below {args.connections} connections", file=sys.stderr
        )
        return 1

    if args.redis:
        # The Redis outlives the bench database, which run.py may have built anew: what it holds
        # of the people of an earlier build (their password hashes among them) would sign
        # every stream out.
        forget_everything()
    members = list(
        Member.objects.filter(status=Member.Status.ACTIVE).select_related("user").order_by("pk")
    )[: args.connections]
    people = [Person(m.user, m) for m in members]
    save_sessions(people)
    accept_notice(people)
    cookies = [p.cookie().removeprefix("Cookie: ").split(";")[0] for p in people]
    cookies = (cookies * (args.connections // len(cookies) + 1))[: args.connections]
    shift = (
        Shift.objects.filter(status=Shift.Status.SCHEDULED, taken__lt=F("capacity"))
        .order_by("-starts_at")
        .first()
    )
    assert shift is not None  # noqa: S101
    taker = members[0]

    port = free_port()
    env = {**os.environ, "YIXUN_LOG_LEVEL": "WARNING"}
    if not args.redis:
        env.pop("REDIS_URL", None)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "yixun.asgi:application",
            f"--port={port}",
            "--log-level=warning",
            "--lifespan=off",
            "--timeout-graceful-shutdown=2",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    streams = Streams(port, cookies)
    sent: list[tuple[str, float]] = []
    rss = 0.0

    async def drive() -> None:
        nonlocal rss
        signals: asyncio.Queue[tuple[str, float]] = asyncio.Queue()
        client = asyncio.create_task(streams.run(args.changes, args.pause, signals))
        ready = asyncio.create_task(signals.get())
        await asyncio.wait({ready, client}, return_when=asyncio.FIRST_COMPLETED)
        if not ready.done():  # the streams did not all open in time: say so, never hang
            ready.cancel()
            client.result()
        rss = rss_mb(server.pid)
        for _ in range(args.changes):
            await asyncio.sleep(args.pause)
            sent.append(await asyncio.to_thread(change, shift, taker))
        await client

    try:
        asyncio.run(drive())
    finally:
        server.terminate()
        server.wait(10)
        connection.close()
        Session.objects.filter(session_key__in=[p.session.session_key for p in people]).delete()
        Claim.objects.filter(shift=shift, member=taker, claimed_by=taker.user).delete()

    how = (
        "woken by Redis"
        if args.redis
        else (f"looking at the table every {settings.YIXUN_LIVE_POLL_MILLISECONDS} ms")
    )
    print(
        f"Pushed updates: one uvicorn process, {args.connections} streams of "
        f"{len(members)} volunteers following the shifts, {how}"
    )
    print(
        f"  streams open: {streams.open}, refused or failed: {streams.failed}; "
        f"all open in {streams.opened_in:.1f} s; the process's memory then {rss:.0f} MB"
    )
    worst = 0.0
    for n, (event_id, at) in enumerate(sent, 1):
        delays = [(t - at) * 1000 for t in streams.received.get(event_id, [])]
        p99 = percentile(delays, 0.99)
        worst = max(worst, p99 if delays else float("inf"))
        print(
            f"  change {n}: received by {len(delays)} of {streams.open}; "
            f"p50 {percentile(delays, 0.5):.0f} ms, p99 {p99:.0f} ms, max {max(delays, default=float('nan')):.0f} ms"
        )
    met = worst <= TARGET_MS and all(
        len(streams.received.get(e, [])) == streams.open for e, _ in sent
    )
    print(
        f"  target: every stream receives each change, p99 ≤ {TARGET_MS:.0f} ms: "
        f"{'meets' if met else 'misses'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
