"""Claims per second on PostgreSQL, through the claiming service, against plain inserts.

Many threads claim places at once on a handful of shifts, as on the evening a month's
calendar opens: every claim runs the rules, the compare-and-set on the shift, the audit
entry and the queued reminders. The baseline inserts the same number of claim rows with
no rules at all, in the same run. Everything is rolled back afterwards (the demo county
stays as it was).
"""

import datetime as dt
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

from yixun.audit.models import AuditEntry  # noqa: E402
from yixun.members.models import Member  # noqa: E402
from yixun.places.models import Area  # noqa: E402
from yixun.shifts.models import Claim, ClaimRules, Shift, WaitlistEntry  # noqa: E402
from yixun.shifts.services import claims  # noqa: E402

THREADS = 8
SHIFTS = 40
CAPACITY = 10


def prepare() -> tuple[list[Shift], list[Member]]:
    rules = ClaimRules.current()
    rules.newcomer_patrols = 0  # put back in main()
    rules.save()
    area = Area.objects.filter(level=Area.Level.TOWN).first()
    # Daytime patrols far ahead, one a day: no rule about nights, minors or overlaps refuses anyone.
    first = timezone.localdate() + dt.timedelta(days=200)

    def at(n: int, hour: int) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(first + dt.timedelta(days=n), dt.time(hour)))

    shifts = Shift.objects.bulk_create(
        Shift(
            kind="patrol",
            area=area,
            min_people=1,
            capacity=CAPACITY,
            starts_at=at(n, 9),
            ends_at=at(n, 11),
        )
        for n in range(SHIFTS)
    )
    adults = Member.objects.filter(
        status="active",
        kind__in=["volunteer", "registered"],
        birth_date__lt=first - dt.timedelta(days=19 * 366),
    )
    members = list(adults.select_related("user", "squad")[: SHIFTS * CAPACITY])
    return shifts, members


def run_claims(shifts: list[Shift], members: list[Member]) -> float:
    """Each thread claims places for its share of members, one shift after another."""
    work = [(shifts[i % len(shifts)], member) for i, member in enumerate(members)]
    chunks = [work[i::THREADS] for i in range(THREADS)]
    errors: list[BaseException] = []

    def claim_all(chunk: list[tuple[Shift, Member]]) -> None:
        try:
            for shift, member in chunk:
                claims.claim_shift(shift=shift, member=member, actor=member.user)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim_all, args=(chunk,)) for chunk in chunks]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.perf_counter() - started
    if errors:
        raise errors[0]
    return took


def run_inserts(shifts: list[Shift], members: list[Member]) -> float:
    rows = [(shifts[i % len(shifts)], member) for i, member in enumerate(members)]
    chunks = [rows[i::THREADS] for i in range(THREADS)]

    def insert_all(chunk: list[tuple[Shift, Member]]) -> None:
        for shift, member in chunk:
            Claim.objects.create(shift=shift, member=member)
        connection.close()

    threads = [threading.Thread(target=insert_all, args=(chunk,)) for chunk in chunks]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def main() -> None:
    if connection.vendor != "postgresql":
        raise SystemExit("bench/claims.py measures PostgreSQL; run it through make bench")
    # Threads need their own connections and commits, so the work is undone by hand after:
    # the rules, the claims and shifts, their audit entries, and the reminders and messages queued.
    began = timezone.now()
    newcomer_patrols = ClaimRules.current().newcomer_patrols
    shifts, members = prepare()
    try:
        baseline = run_inserts(shifts, members)
        Claim.objects.filter(shift__in=shifts).delete()
        took = run_claims(shifts, members)
        count = Claim.objects.filter(shift__in=shifts, status="active").count()
    finally:
        with transaction.atomic():
            Claim.objects.filter(shift__in=shifts).delete()
            WaitlistEntry.objects.filter(shift__in=shifts).delete()
            Shift.objects.filter(pk__in=[s.pk for s in shifts]).delete()
            AuditEntry.objects.filter(at__gte=began).delete()
            DBTaskResult.objects.filter(enqueued_at__gte=began).delete()
            ClaimRules.objects.update(newcomer_patrols=newcomer_patrols)
    n = len(members)
    print(
        f"\nClaims on PostgreSQL, {THREADS} threads, {n} claims on {SHIFTS} shifts of {CAPACITY} places"
    )
    print(f"{'what':<26}{'per second':>12}{'vs inserts':>12}")
    print(f"{'plain inserts (baseline)':<26}{n / baseline:>12.0f}{1:>11.2f}x")
    print(
        f"{'claims through the rules':<26}{count / took:>12.0f}{(count / took) / (n / baseline):>11.2f}x"
    )


if __name__ == "__main__":
    main()
