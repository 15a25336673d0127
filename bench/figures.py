"""The association's figures over a million duty records, against the same aggregates in raw SQL.

Builds a scratch PostgreSQL database with `manage.py demo --size large` (about a million
duties, inspections and incidents since 2011; minutes), then times `figures.compute()` for
the whole county over all years, for one squad and for one town, against the same aggregates
written by hand (one COUNT/SUM query per table: duties, inspections, incidents, and the tips
counted since) and run on the same connection, in the same run. Prints the median of each,
the ratio (the issue asks for at most 3×) and how many queries compute ran: a fixed number,
the same for every scope and size. The scratch database is dropped afterwards unless --keep;
--reuse measures a database an earlier --keep left.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import database_url, drop_database, prepare_database  # noqa: E402

DATABASE = "yixun_bench_figures"
ROUNDS = 7


def build(url: str) -> float:
    """Migrate the scratch database and build the large county in it; return the seconds."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": url,
        "YIXUN_DATA_DIR": tempfile.mkdtemp(prefix="yixun-bench-figures-"),
        "YIXUN_LOG_LEVEL": "WARNING",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    started = time.perf_counter()
    subprocess.run([*manage, "demo", "--size", "large", "-v0"], cwd=ROOT, env=env, check=True)
    return time.perf_counter() - started


def measure(built: float | None) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from yixun.members.models import Member, Squad
    from yixun.patrols.models import Duty, Incident, Inspection
    from yixun.places.models import Area
    from yixun.stats import figures
    from yixun.tips.models import Tip

    if connection.vendor != "postgresql":
        raise SystemExit("bench/figures.py measures PostgreSQL")
    with connection.cursor() as cursor:  # fresh statistics and visibility, as a live system has
        cursor.execute("VACUUM ANALYZE")
    duty, inspection, incident, tip, member, area_table = (
        m._meta.db_table for m in (Duty, Inspection, Incident, Tip, Member, Area)
    )

    def by_hand(squad: Squad | None, area: Area | None) -> dict[str, float]:
        """The same three aggregates, in SQL written by hand."""
        where, params, tips_where = "", [], ""
        if squad is not None:
            where, params = " AND squad_id = %s", [squad.pk]
            # A squad's tips are those its members reported.
            tips_where = f" AND reporter_id IN (SELECT user_id FROM {member} WHERE squad_id = %s)"  # noqa: S608
        if area is not None:
            where = f" AND area_id IN (SELECT id FROM {area_table} WHERE path LIKE %s)"  # noqa: S608 - our table's name
            params = [area.path + "%"]
            tips_where = where
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(id), COUNT(DISTINCT member_id), SUM(minutes) FROM {duty}"  # noqa: S608
                f" WHERE status = 'done'{where}",
                params,
            )
            duties, volunteers, minutes = cursor.fetchone()
            cursor.execute(
                f"SELECT COUNT(id), COUNT(id) FILTER (WHERE finding = 'hazard')"  # noqa: S608
                f" FROM {inspection} WHERE TRUE{where}",
                params,
            )
            inspections, hazards = cursor.fetchone()
            cursor.execute(
                "SELECT COUNT(id) FILTER (WHERE kind = 'hazard'),"  # noqa: S608
                " COUNT(id) FILTER (WHERE kind = 'accident'),"
                " COUNT(id) FILTER (WHERE kind = 'dispute'),"
                " COUNT(id) FILTER (WHERE kind = 'police'),"
                f" SUM(people_helped), SUM(people_reached) FROM {incident} WHERE TRUE{where}",
                params,
            )
            reported, accidents, disputes, police, helped, reached = cursor.fetchone()
            cursor.execute(
                f"SELECT COUNT(id) FROM {tip} WHERE outcome = 'case_solved'{tips_where}",  # noqa: S608
                params,
            )
            (solved,) = cursor.fetchone()
        return {
            "duties": duties, "volunteers": volunteers, "hours": round((minutes or 0) / 60, 1),
            "inspections": inspections, "hazards": hazards, "hazards_reported": reported,
            "accidents": accidents, "disputes": disputes, "police_assisted": police,
            "people_helped": helped or 0, "people_reached": reached or 0, "tips_solved": solved,
        }  # fmt: skip

    squad = Squad.objects.annotate(n=Count("duties")).order_by("-n").first()
    town = Area.objects.filter(level=Area.Level.TOWN).order_by("pk").first()
    scopes = [  # names in ASCII: Chinese characters are two columns wide in a terminal
        ("whole county", None, None),
        ("the busiest squad", squad, None),
        ("the county seat", None, town),
    ]
    counts = (Duty.objects.count(), Inspection.objects.count(), Incident.objects.count())
    print(
        f"\nFigures on PostgreSQL over all years: {counts[0]:,} duties, {counts[1]:,} "
        f"inspections, {counts[2]:,} incidents ({sum(counts):,} records)"
        + (f"; the large county built in {built:.0f} s" if built is not None else "")
    )
    print(f"{'scope':<22}{'compute ms':>12}{'raw SQL ms':>12}{'ratio':>8}{'queries':>9}")
    for name, squad_, area in scopes:
        scope = figures.Scope(squad=squad_, area=area)
        with CaptureQueriesContext(connection) as queries:
            computed = figures.compute(scope)  # also warms the caches for both
        written = by_hand(squad_, area)
        differ = {k for k in computed if computed[k] != written.get(k)}
        if differ:  # a figure added to compute must be added here too, or the race is unfair
            raise SystemExit(f"compute and the raw SQL differ on {sorted(differ)} for {name}")
        ours, theirs = [], []
        for _ in range(ROUNDS):  # alternate, so both meet the same cache and load
            started = time.perf_counter()
            figures.compute(scope)
            ours.append(time.perf_counter() - started)
            started = time.perf_counter()
            by_hand(squad_, area)
            theirs.append(time.perf_counter() - started)
        a, b = statistics.median(ours) * 1000, statistics.median(theirs) * 1000
        print(f"{name:<22}{a:>12.1f}{b:>12.1f}{a / b:>7.2f}x{len(queries):>9}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true", help="measure the kept database")
    args = parser.parse_args()
    url = database_url(DATABASE) if args.reuse else prepare_database(DATABASE)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DATABASE_URL"] = url
    try:
        built = None if args.reuse else build(url)
        measure(built)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(DATABASE)


if __name__ == "__main__":
    main()
