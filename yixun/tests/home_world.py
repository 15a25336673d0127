"""A day in the county for the home-page tests: something waiting for every role of the cast.
`rows` repeats every list, so that a test can show the query count does not grow with the data."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import F
from django.utils import timezone

from yixun.accounts.models import User
from yixun.members.models import (
    Application,
    InsurancePolicy,
    Member,
    RulebookDocument,
    RulebookVersion,
    Squad,
)
from yixun.patrols.models import Duty, HoursCorrection, PatrolLog
from yixun.places.models import Area, PoliceStation, Site
from yixun.shifts.models import Claim, Shift
from yixun.tips.models import Tip


def shift_at(start: dt.datetime, place: Site, *, hours: float = 2, **extra: Any) -> Shift:
    return Shift.objects.create(
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        site=place,
        min_people=extra.pop("min_people", 1),
        capacity=extra.pop("capacity", 4),
        **extra,
    )


def put_on(shift: Shift, user: User) -> Claim:
    Shift.objects.filter(pk=shift.pk).update(taken=F("taken") + 1)
    return Claim.objects.create(shift=shift, member=Member.objects.get(user=user), claimed_by=user)


def checked_in(claim: Claim, *, late: int = 0, done_minutes: int | None = None) -> Duty:
    shift = claim.shift
    at = shift.starts_at + dt.timedelta(minutes=late)
    return Duty.objects.create(
        claim=claim,
        shift=shift,
        member=claim.member,
        squad=claim.member.squad,
        status=Duty.Status.ON_DUTY if done_minutes is None else Duty.Status.DONE,
        checked_in_at=at,
        check_in_method=Duty.CheckIn.GPS,
        late_minutes=late,
        checked_out_at=None if done_minutes is None else at + dt.timedelta(minutes=done_minutes),
        minutes=done_minutes or 0,
    )


def tip(number: int, **fields: Any) -> Tip:
    now = timezone.now()
    return Tip.objects.create(
        category=Tip.Category.PUBLIC_ORDER,
        text=f"城关镇菜市场门口有人吵架 {number}",
        ack_due_at=fields.pop("ack_due_at", now + dt.timedelta(hours=2)),
        resolve_due_at=now + dt.timedelta(days=2),
        **fields,
    )


def build_day(
    *,
    squad: Squad,
    leader: User,
    volunteer: User,
    volunteer2: User,
    moderator: User,
    police: User,
    officer: User,
    rows: int = 1,
) -> dict[str, Any]:
    now = timezone.now()
    station = PoliceStation.objects.create(name="城关派出所")
    station.liaisons.add(police)
    county = Area.objects.create(name="示范县", level="county")
    town = Area.objects.create(name="城关镇", level="town", parent=county, station=station)
    squad.area = town
    squad.save(update_fields=["area"])
    school = Site.objects.create(
        name="城关一中",
        kind="school",
        area=town,
        latitude=Decimal("31.000000"),
        longitude=Decimal("114.000000"),
    )
    for number in range(rows):  # key sites nobody patrols today
        Site.objects.create(
            name=f"城关市场{number}",
            kind="market",
            area=town,
            latitude=Decimal("31.010000"),
            longitude=Decimal(f"114.0{number:02d}000"),
        )

    # The volunteer's next patrol starts in ten minutes: check-in is open.
    following = shift_at(now + dt.timedelta(minutes=10), school, squad=squad)
    put_on(following, volunteer)
    for day in range(rows):
        put_on(shift_at(now + dt.timedelta(days=day + 2), school), volunteer)
    for day in range(rows):  # open places in the squad's town: 3 each
        shift_at(now + dt.timedelta(days=day + 1, hours=3), school, capacity=3)
    # Hours this month: one duty done at the start of the day (never last month's).
    earlier = shift_at(
        timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(0, 5))), school
    )
    checked_in(put_on(earlier, volunteer), done_minutes=90)
    PatrolLog.objects.create(shift=earlier, status=PatrolLog.Status.APPROVED, summary="平安。")
    other = RulebookDocument.objects.create(kind=RulebookDocument.Kind.OTHER, title="巡逻安全守则")
    version = RulebookVersion.objects.create(document=other, number=1, body="注意安全。")
    for number in range(rows):
        tip(number, reporter=volunteer, source=Tip.Source.MEMBER)

    # The leader's squad today: a shift begun half an hour ago; one came late, one did not come.
    today = shift_at(now - dt.timedelta(minutes=30), school, squad=squad)
    checked_in(put_on(today, volunteer2), late=15)
    put_on(today, leader)
    for day in range(rows):  # short of people
        shift_at(now + dt.timedelta(days=1, hours=day), school, squad=squad, min_people=2)
    for day in range(rows):  # logs to approve, each with a correction asked for
        done = shift_at(now - dt.timedelta(days=1, hours=day + 3), school, squad=squad)
        duty = checked_in(put_on(done, volunteer2), done_minutes=60)
        HoursCorrection.objects.create(
            duty=duty, minutes_before=60, minutes_asked=120, reason="忘记签退", asked_by=volunteer2
        )

    # Tips: waiting, one held by the moderator and overdue, one forwarded to the police.
    for number in range(rows):
        tip(100 + number)
    tip(
        200,
        assigned_to=moderator,
        is_urgent=True,
        status=Tip.Status.NEW,
        ack_due_at=now - dt.timedelta(minutes=5),
    )
    for number in range(rows):
        tip(300 + number, status=Tip.Status.FORWARDED, station=station, forwarded_at=now)
    tip(400, status=Tip.Status.FORWARDED, station=PoliceStation.objects.create(name="河口派出所"))

    # The officer: applications and a policy about to lapse.
    for number in range(rows):
        Application.objects.create(
            name=f"申请人{number}",
            phone=f"+861370000{number:04d}",
            notice_version=version,
            access_digest=f"digest-{number}",
            access_encrypted="x",
            id_number_digest=f"id-{number}",
        )
        InsurancePolicy.objects.create(
            insurer="中国人寿",
            number=f"CL-{number}",
            starts_on=timezone.localdate() - dt.timedelta(days=300),
            ends_on=timezone.localdate() + dt.timedelta(days=10),
            sum_insured=Decimal("100000"),
        )
    return {"town": town, "school": school, "next": following, "today": today}
