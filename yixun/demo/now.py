"""Volunteers on duty now, whenever the demo starts: the on-duty map is never empty.

The demo county is built once, so the people it put on duty have gone home a day later.
`refresh` runs at every start (`manage.py demo --if-empty`, `demo --refresh-duty`): it keeps one
patrol per chosen town running now, with people checked in at a site of the town and their
phones' positions. Each of those patrols has a fixed uid per town, so a start while it is still
on changes nothing, and a later start replaces it: the rows never pile up across restarts.
"""

import datetime as dt
import random
import uuid
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from yixun.audit.models import AuditEntry
from yixun.demo.duty import near
from yixun.lib import geo
from yixun.members.models import Member, Squad
from yixun.patrols.models import Duty, PatrolLog
from yixun.patrols.services.duty import schedule_closing
from yixun.places.models import Area, Site
from yixun.shifts.models import Claim, Shift, ShiftKind

# The towns with a patrol on now (the first of the demo's towns), and how it looks.
TOWNS = 4
PEOPLE = 4
LENGTH = dt.timedelta(hours=4)
STARTED = dt.timedelta(minutes=40)  # ago
ENOUGH_LEFT = dt.timedelta(hours=1)  # a patrol ending sooner is replaced
NAMESPACE = uuid.UUID("6f1d3c1e-3b7a-4a53-9d55-0c1f1d2e3a40")


def uid_of(town: Area) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"yixun-demo/on-duty-now/{town.name}")


def is_demo() -> bool:
    """Only the demo county gets patrols made up for it, never a real association's database."""
    return AuditEntry.objects.filter(action="demo.association.built").exists()


def towns() -> list[Area]:
    """The towns that have a patrol on whenever the demo starts."""
    return list(Area.objects.filter(level=Area.Level.TOWN).order_by("pk")[:TOWNS])


def refresh(now: dt.datetime | None = None) -> dict[str, int]:
    """Make sure a patrol is on now, with people checked in, in each of the first towns.
    Returns how many people are on duty in those patrols and in how many towns."""
    if not is_demo():
        return {"on_duty": 0, "towns": 0}
    now = now or timezone.now()
    chosen = towns()
    on_duty = 0
    with transaction.atomic():
        for town in chosen:
            shift = Shift.objects.filter(uid=uid_of(town)).first()
            if shift is None or not (shift.starts_at <= now <= shift.ends_at - ENOUGH_LEFT):
                if shift is not None:
                    remove(shift)
                shift = patrol(town, now)
            on_duty += Duty.objects.on_duty().filter(shift=shift).count() if shift else 0
    return {"on_duty": on_duty, "towns": len(chosen)}


def remove(shift: Shift) -> None:
    """A patrol made for an earlier start, with whatever was recorded on it since."""
    for log in PatrolLog.objects.filter(shift=shift):
        log.delete()
    Duty.objects.filter(shift=shift).delete()
    shift.delete()  # its claims and waiting list go with it


def patrol(town: Area, now: dt.datetime) -> Shift | None:
    rng = random.Random(f"{town.pk}-{now:%Y%m%d%H}")  # noqa: S311 - made-up positions
    sites = list(Site.objects.filter(is_active=True, area__path__startswith=town.path))
    squads = list(Squad.objects.filter(area=town).order_by("pk"))
    if not sites or not squads:
        return None
    site, squad = rng.choice(sites), squads[0]
    starts_at = (now - STARTED).replace(second=0, microsecond=0)
    ends_at = starts_at + LENGTH
    busy = Claim.objects.active().filter(shift__starts_at__lt=ends_at, shift__ends_at__gt=starts_at)
    adult = now.date() - dt.timedelta(days=18 * 366)
    people = list(
        Member.objects.filter(squad__in=squads, status=Member.Status.ACTIVE, birth_date__lt=adult)
        .exclude(pk__in=busy.values("member_id"))
        .order_by("pk")[:PEOPLE]
    )
    if not people:
        return None
    shift = Shift.objects.create(
        kind=ShiftKind.PATROL,
        site=site,
        squad=squad,
        starts_at=starts_at,
        ends_at=ends_at,
        min_people=min(2, len(people)),
        capacity=len(people) + 2,
        taken=len(people),
        uid=uid_of(town),
        created_at=starts_at - dt.timedelta(days=7),
        updated_at=starts_at - dt.timedelta(days=7),
    )
    for member in people:
        claim = Claim.objects.create(
            shift=shift,
            member=member,
            claimed_by=member.user,
            claimed_at=starts_at - dt.timedelta(days=rng.randint(1, 6), minutes=rng.randrange(600)),
        )
        at = min(now, starts_at + dt.timedelta(minutes=rng.randint(-10, 8)))
        point = near(rng, site.point, 60)
        Duty.objects.create(
            claim=claim,
            shift=shift,
            member=member,
            squad=member.squad,
            area=site.area,
            status=Duty.Status.ON_DUTY,
            checked_in_at=at,
            check_in_method=Duty.CheckIn.QR,
            checked_in_by=member.user,
            latitude=Decimal(f"{point[0]:.6f}"),
            longitude=Decimal(f"{point[1]:.6f}"),
            distance_m=round(geo.distance_m(point, site.point)),
            created_at=at,
        )
    schedule_closing(shift)  # as check-in queues it: the worker closes it after its end
    return shift
