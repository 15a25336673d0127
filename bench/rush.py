"""The claim rush: 2,000 different volunteers each open the calendar and claim a place, all
within 60 seconds, on shifts with fewer places than takers (40 shifts of 30 places in one town).

Run by bench/run.py against its running server (`--base http://127.0.0.1:PORT`), or on its own
by `make bench-rush`. Each taker is a real session of a demo member; takers arrive evenly over
the minute, each on a thread of its own (plain http.client, no redirects followed), and open
the week of the shifts in their town, then POST the claim form with their CSRF token. Prints:
requests answered and not, p50/p99 of each step against 50 times the baseline's p99, and from
the database: nobody overbooked (active claims ≤ capacity, and `taken` agrees), and every taker
with a place or a waiting-list entry. Everything the rush made is deleted afterwards.
"""

import argparse
import datetime as dt
import http.client
import os
import random
import sys
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.contrib.sessions.models import Session  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.people import Person, accept_notice, save_sessions  # noqa: E402
from yixun.members.models import Member  # noqa: E402
from yixun.places.models import Area  # noqa: E402
from yixun.shifts.models import Claim, ClaimRules, Shift, WaitlistEntry  # noqa: E402

TAKERS, SHIFTS, PLACES, WITHIN = 2000, 40, 30, 60.0
THREADS = 400
TIMEOUT = 60.0


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def prepare() -> tuple[list[Shift], list[Person], Area]:
    rules = ClaimRules.current()
    rules.newcomer_patrols = 0
    rules.save()
    town = Area.objects.filter(level=Area.Level.TOWN).order_by("pk").first()
    assert town is not None  # noqa: S101
    first = timezone.localdate() + dt.timedelta(days=150)
    first += dt.timedelta(days=7 - first.weekday())  # a Monday: the whole rush in one week

    def at(n: int, hour: int) -> dt.datetime:
        day = first + dt.timedelta(days=n % 7)
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour + 3 * (n // 7) % 12)))

    # Forty daytime patrols in one week: the week view shows them all.
    shifts = Shift.objects.bulk_create(
        Shift(
            kind="patrol",
            area=town,
            min_people=1,
            capacity=PLACES,
            starts_at=at(n, 7),
            ends_at=at(n, 7) + dt.timedelta(hours=2),
            notes="bench rush",
        )
        for n in range(SHIFTS)
    )
    members = list(
        Member.objects.filter(status=Member.Status.ACTIVE)
        .select_related("user")
        .order_by("pk")[:TAKERS]
    )
    takers = [Person(m.user, m) for m in members]
    save_sessions(takers)
    accept_notice(takers)
    return shifts, takers, town


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", required=True, help="the running server, http://host:port")
    parser.add_argument("--baseline-p99", type=float, default=0.0, help="ms, of the same run")
    args = parser.parse_args()
    base = urllib.parse.urlsplit(args.base)
    shifts, takers, town = prepare()
    connection.close()  # the threads below use HTTP only
    week = f"{shifts[0].starts_at.astimezone(timezone.get_current_timezone()):%Y-%m-%d}"
    rng = random.Random(7)
    latencies: dict[str, list[float]] = {"calendar": [], "claim": []}
    statuses: Counter[str] = Counter()
    lock = threading.Lock()

    def ask(step: str, method: str, path: str, headers: dict[str, str], body: str = "") -> None:
        started = time.perf_counter()
        try:
            client = http.client.HTTPConnection(base.hostname, base.port, timeout=TIMEOUT)
            client.request(method, path, body=body or None, headers=headers)
            status = str(client.getresponse().status)
            client.close()
        except (OSError, http.client.HTTPException) as error:
            status = f"no answer ({type(error).__name__})"
        took = (time.perf_counter() - started) * 1000
        with lock:
            statuses[f"{step} {status}"] += 1
            if not status.startswith("no answer"):
                latencies[step].append(took)

    start = time.perf_counter() + 1.0

    def take(index: int, person: Person) -> None:
        time.sleep(max(0.0, start + index * WITHIN / TAKERS - time.perf_counter()))
        cookie = person.cookie().removeprefix("Cookie: ")
        ask("calendar", "GET", f"/calendar/?start={week}&area={town.pk}", {"Cookie": cookie})
        shift = rng.choice(shifts)
        ask(
            "claim",
            "POST",
            f"/shifts/{shift.pk}/claim/",
            {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
            f"csrfmiddlewaretoken={person.csrf}",
        )

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(take, range(len(takers)), takers))
    took = time.perf_counter() - start

    limit = 50 * args.baseline_p99
    answered = sum(n for key, n in statuses.items() if "no answer" not in key)
    print(f"\nThe claim rush: {len(takers)} takers, {SHIFTS} shifts × {PLACES} places in {town}")
    print(f"  all requests sent and answered in {took:.1f} s (arrivals spread over {WITHIN:.0f} s)")
    print(
        f"  requests answered: {answered} of {2 * len(takers)}; not answered: {2 * len(takers) - answered}"
    )
    print("  statuses: " + ", ".join(f"{k}: {n}" for k, n in sorted(statuses.items())))
    for step, values in latencies.items():
        p99 = percentile(values, 0.99)
        verdict = "meets" if limit and p99 <= limit else "misses"
        print(
            f"  {step:<9} p50 {percentile(values, 0.5):7.0f} ms  p99 {p99:7.0f} ms"
            f"  (target ≤ 50 × baseline p99 = {limit:.0f} ms: {verdict})"
        )
    overbooked = 0
    for shift in Shift.objects.filter(pk__in=[s.pk for s in shifts]):
        active = Claim.objects.active().filter(shift=shift).count()
        if active > shift.capacity or shift.taken != active:
            overbooked += 1
    claimed = set(
        Claim.objects.active().filter(shift__in=shifts).values_list("member_id", flat=True)
    )
    waiting = set(
        WaitlistEntry.objects.filter(shift__in=shifts).values_list("member_id", flat=True)
    )
    members = {p.member.pk for p in takers if p.member}
    neither = members - claimed - waiting
    print(
        f"  places taken: {len(claimed)} of {SHIFTS * PLACES}; on a waiting list: {len(waiting - claimed)}"
    )
    print(f"  shifts overbooked (or `taken` wrong): {overbooked}")
    print(f"  takers with neither a place nor a waiting-list entry: {len(neither)}")

    WaitlistEntry.objects.filter(shift__in=shifts).delete()
    Shift.objects.filter(pk__in=[s.pk for s in shifts]).delete()  # and their claims
    Session.objects.filter(session_key__in=[p.session.session_key for p in takers]).delete()
    good = answered == 2 * len(takers) and not overbooked and not neither
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
