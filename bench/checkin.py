"""Check-ins per second on PostgreSQL, through the duty service, against plain inserts.

Many threads check volunteers in at once, as when a county's evening patrols begin: each
volunteer scans their site's poster (method "qr" with the site's token, and the phone's
position) on a shift that began a few minutes ago, and every check-in runs the rules, the lock
on the claim, the audit entry and the queued closing of the shift. The baseline inserts the
same duty rows with no rules at all, in the same run. The shifts, claims, duties, audit entries
and queued tasks the run makes are deleted afterwards (the demo county stays as it was).
"""

import datetime as dt
import os
import sys
import threading
import time
from collections.abc import Callable
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
from yixun.patrols.models import Duty, DutyRules  # noqa: E402
from yixun.patrols.services import duty  # noqa: E402
from yixun.places.models import Site  # noqa: E402
from yixun.shifts.models import Claim, Shift  # noqa: E402

THREADS = 8
SHIFTS = 100
PLACES = 10
STARTED = dt.timedelta(minutes=5)  # the shifts began this long ago: nobody is late


def prepare() -> tuple[list[Shift], list[Claim]]:
    """Shifts at the county's sites that began a few minutes ago, each with its places taken,
    set straight into the tables: claiming is the calendar's business, measured elsewhere."""
    DutyRules.current()  # made once here, not by eight threads at once
    sites = list(Site.objects.filter(is_active=True).order_by("pk"))
    starts = timezone.now() - STARTED
    shifts = Shift.objects.bulk_create(
        Shift(
            kind="patrol",
            site=sites[n % len(sites)],
            min_people=1,
            capacity=PLACES,
            taken=PLACES,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
        )
        for n in range(SHIFTS)
    )
    adults = Member.objects.filter(
        status=Member.Status.ACTIVE,
        birth_date__lt=timezone.localdate() - dt.timedelta(days=19 * 366),
    ).order_by("pk")
    members = list(adults.select_related("user")[: SHIFTS * PLACES])
    if len(members) < SHIFTS * PLACES:
        raise SystemExit("bench/checkin.py needs the full demo county (make bench builds it)")
    Claim.objects.bulk_create(
        Claim(shift=shifts[n // PLACES], member=member, claimed_by=member.user)
        for n, member in enumerate(members)
    )
    claims = list(
        Claim.objects.filter(shift__in=shifts)
        .select_related("shift__site__area", "member__user", "member__squad")
        .order_by("pk")
    )
    return shifts, claims


def in_threads(work: list[Claim], step: Callable[[Claim], None]) -> float:
    """Run `step(claim)` for every claim from THREADS threads; return the seconds it took."""
    chunks = [work[n::THREADS] for n in range(THREADS)]
    errors: list[BaseException] = []

    def run(chunk: list[Claim]) -> None:
        try:
            for claim in chunk:
                step(claim)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(chunk,)) for chunk in chunks]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.perf_counter() - started
    if errors:
        raise errors[0]
    return took


def check_in(claim: Claim) -> None:
    site = claim.shift.site
    assert site is not None  # noqa: S101 - prepare() puts every shift at a site
    _duty, is_new = duty.check_in(
        claim=claim,
        actor=claim.member.user,
        method=Duty.CheckIn.QR,
        token=site.qr_token,
        point=site.point,
    )
    if not is_new:
        raise RuntimeError(f"claim {claim.pk} was checked in twice")


def insert(claim: Claim) -> None:
    site = claim.shift.site
    assert site is not None  # noqa: S101
    Duty.objects.create(
        claim=claim,
        shift=claim.shift,
        member=claim.member,
        squad=claim.member.squad,
        area=site.area,
        checked_in_at=timezone.now(),
        check_in_method=Duty.CheckIn.QR,
        latitude=site.latitude,
        longitude=site.longitude,
        distance_m=0,
        checked_in_by=claim.member.user,
    )


def main() -> None:
    if connection.vendor != "postgresql":
        raise SystemExit("bench/checkin.py measures PostgreSQL; run it through make bench")
    # Threads need their own connections and commits, so the work is undone by hand after:
    # the shifts, claims and duties, the audit entries, and the closings queued for the worker.
    began = timezone.now()
    shifts, claims = prepare()
    try:
        baseline = in_threads(claims, insert)
        Duty.objects.filter(shift__in=shifts).delete()
        took = in_threads(claims, check_in)
        count = Duty.objects.filter(shift__in=shifts, status=Duty.Status.ON_DUTY).count()
    finally:
        with transaction.atomic():
            Duty.objects.filter(shift__in=shifts).delete()
            Claim.objects.filter(shift__in=shifts).delete()
            Shift.objects.filter(pk__in=[s.pk for s in shifts]).delete()
            AuditEntry.objects.filter(at__gte=began).delete()
            DBTaskResult.objects.filter(enqueued_at__gte=began).delete()
    n = len(claims)
    print(
        f"\nCheck-ins on PostgreSQL, {THREADS} threads, {n} volunteers scanning in on {SHIFTS} "
        f"shifts that began {STARTED.seconds // 60} minutes ago"
    )
    print(f"{'what':<30}{'per second':>12}{'vs inserts':>12}")
    print(f"{'plain inserts (baseline)':<30}{n / baseline:>12.0f}{1:>11.2f}x")
    rate = count / took
    print(f"{'check-ins through the rules':<30}{rate:>12.0f}{rate / (n / baseline):>11.2f}x")


if __name__ == "__main__":
    main()
