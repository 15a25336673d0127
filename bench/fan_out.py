"""Publishing a bulletin, and its fan-out to 10,000 inboxes, on PostgreSQL.

(a) Approving a bulletin for every member (`approve_bulletin`) only queues the fan-out: it must
return within 200 ms however many people it is for. (b) The fan-out itself
(`yixun.bulletins.delivery.deliver`, in one transaction as the worker runs it: the audience, the
inbox rows in batches, the robots' and e-mails' tasks queued, the audit entry), against
inserting the same inbox rows alone with `bulk_create`, in the same run; the issue asks for at
most 2 s. The demo county has 2,000 members: scratch members are added to make 10,000, and they,
the bulletins, the queued tasks and the audit entries of the run are deleted afterwards.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

from yixun.accounts.models import RoleGrant, User  # noqa: E402
from yixun.accounts.roles import Role  # noqa: E402
from yixun.audit.models import AuditEntry  # noqa: E402
from yixun.bulletins import services  # noqa: E402
from yixun.bulletins.delivery import BATCH, deliver  # noqa: E402
from yixun.bulletins.models import Bulletin, InboxItem, Kind  # noqa: E402
from yixun.members.models import Member, Squad  # noqa: E402

PEOPLE = 10_000
ROUNDS = 3
PUBLISH_TARGET_MS = 200
FAN_OUT_TARGET_S = 2.0
PHONES = "+8619990"  # the scratch members' numbers: +86 1999 0xx xxxx, no demo number


def add_members(squads: list[Squad], count: int) -> list[int]:
    """Active members straight into the tables, as the roster import leaves them."""
    users = User.objects.bulk_create(
        [User(phone=f"{PHONES}{n:06d}", name=f"压测队员{n}") for n in range(count)],
        batch_size=2000,
    )
    Member.objects.bulk_create(
        [Member(user=u, squad=squads[n % len(squads)]) for n, u in enumerate(users)],
        batch_size=2000,
    )
    RoleGrant.objects.bulk_create(
        [RoleGrant(user=u, role=Role.VOLUNTEER) for u in users], batch_size=2000
    )
    return [u.pk for u in users]


def draft(writer: User, title: str) -> Bulletin:
    bulletin = services.save_bulletin(
        actor=writer, kind=Kind.NOTICE, title=title, body="压测通知：请忽略。", to_members=True
    )
    return services.submit_bulletin(actor=writer, bulletin=bulletin)


def publish(writer: User, approver: User, n: int) -> tuple[Bulletin, float]:
    """Approve one bulletin for every member; the seconds the service took."""
    bulletin = draft(writer, f"压测通知 {n}")
    started = time.perf_counter()
    bulletin = services.approve_bulletin(actor=approver, bulletin=bulletin)
    return bulletin, time.perf_counter() - started


def fan_out(bulletin: Bulletin) -> tuple[int, float]:
    started = time.perf_counter()
    with transaction.atomic():  # the worker runs a task in one transaction with marking it done
        reached = deliver(bulletin.pk, bulletin.revision)
    return reached, time.perf_counter() - started


def insert_only(bulletin: Bulletin, people: list[int]) -> float:
    """The baseline: the same rows, in the same batches, and nothing else."""
    started = time.perf_counter()
    with transaction.atomic():
        now = timezone.now()
        for start in range(0, len(people), BATCH):
            InboxItem.objects.bulk_create(
                [
                    InboxItem(user_id=pk, bulletin=bulletin, revision=0, delivered_at=now)
                    for pk in people[start : start + BATCH]
                ],
                ignore_conflicts=True,
            )
    return time.perf_counter() - started


def main() -> None:
    if connection.vendor != "postgresql":
        raise SystemExit("bench/fan_out.py measures PostgreSQL; run it through make bench")
    writer = User.objects.filter(role_grants__role=Role.MODERATOR).order_by("pk").first()
    approver = User.objects.filter(role_grants__role=Role.OFFICER).order_by("pk").first()
    squads = list(Squad.objects.order_by("pk"))
    if writer is None or approver is None or not squads:
        raise SystemExit("bench/fan_out.py needs the demo county (make bench builds it)")
    began = timezone.now()
    made: list[int] = []
    bulletins: list[int] = []
    try:
        probe = draft(writer, "压测：数人数")
        bulletins.append(probe.pk)
        count = services.audience(probe).count()
        made = add_members(squads, max(0, PEOPLE - count))
        people = list(services.audience(probe).values_list("pk", flat=True))
        publishing, fanning, inserting = [], [], []
        for n in range(ROUNDS):
            baseline = draft(writer, f"压测基线 {n}")
            bulletins.append(baseline.pk)
            inserting.append(insert_only(baseline, people))
            bulletin, took = publish(writer, approver, n)
            bulletins.append(bulletin.pk)
            publishing.append(took)
            reached, took = fan_out(bulletin)
            if reached != len(people):
                raise RuntimeError(f"the fan-out reached {reached} of {len(people)}")
            fanning.append(took)
    finally:
        with transaction.atomic():
            Bulletin.objects.filter(pk__in=bulletins).delete()  # their inbox rows go with them
            Member.objects.filter(user_id__in=made).delete()
            RoleGrant.objects.filter(user_id__in=made).delete()
            User.objects.filter(pk__in=made).delete()
            AuditEntry.objects.filter(at__gte=began).delete()
            DBTaskResult.objects.filter(enqueued_at__gte=began).delete()
    base, fan = statistics.median(inserting), statistics.median(fanning)
    print(
        f"\nBulletins on PostgreSQL: one for every member, {len(people):,} people "
        f"({len(made):,} scratch members beside the demo's); medians of {ROUNDS} rounds"
    )
    print(f"{'what':<44}{'seconds':>10}{'vs inserts':>12}{'target':>10}")
    print(f"{'inbox rows by bulk_create alone (baseline)':<44}{base:>10.3f}{1:>11.2f}x")
    print(f"{'the fan-out (deliver)':<44}{fan:>10.3f}{fan / base:>11.2f}x{'≤ 2 s':>10}")
    worst = max(publishing) * 1000
    print(
        f"publishing (approve_bulletin): worst of {ROUNDS} {worst:.0f} ms, "
        f"median {statistics.median(publishing) * 1000:.0f} ms (target ≤ {PUBLISH_TARGET_MS} ms); "
        f"fan-out {'meets' if fan <= FAN_OUT_TARGET_S else 'misses'} its target, "
        f"publishing {'meets' if worst <= PUBLISH_TARGET_MS else 'misses'} its target"
    )


if __name__ == "__main__":
    main()
