"""Each person's day on the first screen: one function per role, each reading through the owning
app's doors (`visible_to`, `worked_on_by`, its services) in a fixed number of queries, whatever
the size of the county. A person with several roles gets every section of theirs."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from yixun.accounts.roles import Role, roles_of
from yixun.lib import fragments
from yixun.members.models import (
    Application,
    InsurancePolicy,
    Member,
    RulebookVersion,
    led_squad_ids,
    member_of,
    squads_led_by,
)
from yixun.members.services.insurance import lapsing_policies
from yixun.patrols.models import Duty, DutyRules
from yixun.patrols.services.waiting import corrections_waiting, logs_to_approve
from yixun.patrols.services.watch import watch_on_duty
from yixun.patrols.views.now import on_duty_rows
from yixun.places.models import Area
from yixun.places.services import map_centre
from yixun.shifts.cards import SHARED_SECONDS
from yixun.shifts.models import Claim, Shift
from yixun.shifts.services.coverage import week_coverage
from yixun.shifts.services.rules import q_place_within
from yixun.stats import figures
from yixun.tips.models import Tip
from yixun.tips.services.duty import moderators_on_duty
from yixun.tips.services.tracking import reporter_view

MEMBERS = frozenset({Role.VOLUNTEER, Role.SQUAD_LEADER, Role.MODERATOR, Role.OFFICER})
SHOWN = 5  # rows of a list on the first screen; the count says how many there are in all
AHEAD = dt.timedelta(days=14)  # how far ahead open places are counted
SHORT_AHEAD = dt.timedelta(days=7)  # how far ahead a leader is told of shifts short of people
PLACES = ("shift__area", "shift__route", "shift__site")
# The figures shown beside last month's; the figures page has them all.
FIGURES = ("duties", "volunteers", "hours", "inspections", "tips_solved")


def sections_for(user: Any, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    roles = roles_of(user)
    found: dict[str, Any] = {}
    if roles & MEMBERS:
        found["volunteer"] = volunteer(user, now)
        # Leading is a squad's appointment, not only a role: a deputy leads without the badge.
        found["leader"] = leader(user, now)
    if Role.MODERATOR in roles:
        found["moderator"] = moderator(user, now)
    if Role.POLICE in roles:
        found["police"] = police(user, now)
    if Role.OFFICER in roles:
        found["officer"] = officer(user, now)
    return {name: section for name, section in found.items() if section is not None}


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def volunteer(user: Any, now: dt.datetime) -> dict[str, Any] | None:
    """The next patrol and the coming ones, open places nearby, hours this month, rules newly
    published, and the tips this person sent."""
    member = member_of(user)
    if member is None or member.status != Member.Status.ACTIVE:
        return None
    rules = DutyRules.current()
    coming = list(
        Claim.objects.active()
        .filter(member=member, shift__status=Shift.Status.SCHEDULED, shift__ends_at__gt=now)
        .filter(Q(duty__isnull=True) | Q(duty__status=Duty.Status.ON_DUTY))
        .select_related("duty")
        .order_by("shift__starts_at", "pk")[: SHOWN + 1]
    )
    # Their shifts, places and leaders apart: PostgreSQL took 3 ms to plan the eight tables
    # joined in one query, and a fifth of that as two.
    shifts = Shift.objects.select_related("area", "route", "site", "squad__leader").in_bulk(
        {claim.shift_id for claim in coming}
    )
    for claim in coming:
        claim.shift = shifts[claim.shift_id]
    following = None
    if coming:
        claim = coming[0]
        shift = claim.shift
        duty = getattr(claim, "duty", None)
        opens = shift.starts_at - dt.timedelta(minutes=rules.open_minutes_before)
        squad = shift.squad or member.squad
        following = {
            "claim": claim,
            "shift": shift,
            "leader": squad.leader if squad and squad.leader else None,
            "opens_at": opens,
            "on_duty": duty is not None,
            "can_check_in": duty is None and opens <= now < shift.ends_at,
        }
    area = member.squad.area if member.squad else None
    open_places: dict[str, Any] = {"shifts": 0, "places": 0, "area": area, "url": ""}
    if area is not None:
        nearby = open_shifts(area, member.squad_id, now)
        if nearby:
            mine = set(  # by dates, as the calendar reads them: not a hundred ids listed
                Claim.objects.active()
                .filter(
                    member=member,
                    shift__starts_at__gt=now,
                    shift__starts_at__lt=now + AHEAD,
                )
                .values_list("shift_id", flat=True)
            )
            nearby = {pk: free for pk, free in nearby.items() if pk not in mine}
        open_places.update(
            shifts=len(nearby),
            places=sum(nearby.values()),
            url=reverse("shifts:week") + "?" + urlencode({"area": str(area.pk), "open": "on"}),
        )
    minutes = (
        Duty.objects.counted()
        .filter(
            member=member,
            checked_in_at__gte=timezone.make_aware(
                dt.datetime.combine(_month_start(timezone.localdate(now)), dt.time.min)
            ),
        )
        .aggregate(minutes=Sum("minutes"))["minutes"]
        or 0
    )
    notices = recent_notices(now)
    tips = [
        reporter_view(tip)
        for tip in Tip.objects.visible_to(user)
        .filter(reporter=user)
        .select_related("merged_into")
        .prefetch_related("messages")
        .order_by("-created_at")[:SHOWN]
    ]
    return {
        "member": member,
        "next": following,
        "coming": coming[1 : SHOWN + 1],
        "open": open_places,
        "hours": round(minutes / 60, 1),
        "notices": notices,
        "tips": tips,
    }


def open_shifts(area: Area, squad_id: int | None, now: dt.datetime) -> dict[int, int]:
    """The shifts of the coming days in this area with free places, open to this squad, and
    how many places each has: the same for every member of the squad, so shared for a few
    seconds (as the calendar's rows are)."""
    return fragments.kept(
        fragments.key("open-shifts", (area.path, squad_id)),
        SHARED_SECONDS,
        lambda: dict(
            Shift.objects.scheduled()
            .filter(starts_at__gt=now, starts_at__lt=now + AHEAD, taken__lt=F("capacity"))
            .filter(Q(squad__isnull=True) | Q(squad_id=squad_id))
            .exclude(kind=Shift.Kind.MODERATION)
            .filter(q_place_within(area.path))
            .values_list("pk", F("capacity") - F("taken"))
        ),
    )


def recent_notices(now: dt.datetime) -> list[RulebookVersion]:
    """Rules published in the last 30 days, the same for every member: shared for a minute."""
    return fragments.kept(
        fragments.key("recent-notices", (now.date(),)),
        60,
        lambda: list(
            RulebookVersion.objects.filter(published_at__gte=now - dt.timedelta(days=30))
            .select_related("document")
            .order_by("-published_at")[:3]
        ),
    )


def _attendance(claim: Claim, now: dt.datetime, late_after: dt.timedelta) -> str:
    duty = getattr(claim, "duty", None)
    if duty is not None and duty.status == Duty.Status.NO_SHOW:
        return "absent"
    if duty is not None:
        return "late" if duty.is_late else "in"
    return "absent" if now > claim.shift.starts_at + late_after else "expected"


def leader(user: Any, now: dt.datetime) -> dict[str, Any] | None:
    """Today's shifts of the squads this person leads, who came; shifts short of people; logs
    and corrections waiting."""
    if not led_squad_ids(user):  # read with the person: most people lead no squad
        return None
    led = list(squads_led_by(user))
    rules = DutyRules.current()
    today = timezone.localdate(now)
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    claims = (
        Claim.objects.visible_to(user)
        .active()
        .filter(shift__status=Shift.Status.SCHEDULED)
        .filter(shift__starts_at__gte=start, shift__starts_at__lt=start + dt.timedelta(days=1))
        .filter(Q(shift__squad__in=led) | Q(member__squad__in=led))
        .select_related(*PLACES, "member__user", "duty")
        .order_by("shift__starts_at", "shift_id", "member__user__name_pinyin")
    )
    late_after = dt.timedelta(minutes=rules.late_after_minutes)
    shifts: dict[int, dict[str, Any]] = {}
    for claim in claims:
        row = shifts.setdefault(
            claim.shift_id, {"shift": claim.shift, "people": [], "in": 0, "late": 0, "absent": 0}
        )
        state = _attendance(claim, now, late_after)
        row["people"].append({"name": claim.member.name, "state": state})
        if state in ("in", "late", "absent"):
            row[state] += 1
        if state == "late":
            row["in"] += 1  # late is checked in, late
    short = (
        Shift.objects.scheduled()
        .filter(squad__in=led, starts_at__gt=now, starts_at__lt=now + SHORT_AHEAD)
        .filter(taken__lt=F("min_people"))
        .select_related("area", "route", "site")
        .order_by("starts_at", "pk")
    )
    logs = logs_to_approve(user, now).select_related("area", "route", "site")
    corrections = corrections_waiting(user)
    return {
        "squads": led,
        "today": list(shifts.values()),
        "short": list(short[:SHOWN]),
        "short_count": short.count(),
        "logs": list(logs[:SHOWN]),
        "logs_count": logs.count(),
        "corrections_count": corrections.count(),
    }


def moderator(user: Any, now: dt.datetime) -> dict[str, Any]:
    """Tips waiting and overdue, the ones this moderator holds, and who else is on duty."""
    queue = Tip.objects.worked_on_by(user).in_queue()
    counts = queue.aggregate(
        waiting=Count("pk"),
        urgent=Count("pk", filter=Q(is_urgent=True)),
        overdue=Count(
            "pk",
            filter=Q(status=Tip.Status.NEW, ack_due_at__lt=now)
            | Q(status=Tip.Status.ACKNOWLEDGED, resolve_due_at__lt=now),
        ),
        held=Count("pk", filter=Q(assigned_to=user)),
    )
    held = list(queue.filter(assigned_to=user).order_by("-is_urgent", "ack_due_at", "pk")[:SHOWN])
    return {
        **counts,
        "held_tips": held,
        "on_duty": [person for person in moderators_on_duty(now) if person.pk != user.pk],
    }


def police(user: Any, now: dt.datetime) -> dict[str, Any]:
    """Tips forwarded to this liaison's stations and not yet accepted; who is on duty now, on a
    small map; today's key sites that nobody patrols."""
    forwarded = (
        Tip.objects.worked_on_by(user)
        .filter(status=Tip.Status.FORWARDED)
        .select_related("station")
        .order_by("-is_urgent", "forwarded_at", "pk")
    )
    rows = on_duty_rows(watch_on_duty(user=user))
    markers = [
        {"lat": row["point"][0], "lon": row["point"][1], "label": f"{row['name']} · {row['place']}"}
        for row in rows
        if row["point"]
    ]
    county = Area.objects.filter(parent__isnull=True).order_by("pk").first()
    gaps = (
        week_coverage(area=county, first=timezone.localdate(now), days=1).sites_with_gaps
        if county
        else []
    )
    return {
        "forwarded": list(forwarded[:SHOWN]),
        "forwarded_count": forwarded.count(),
        "on_duty_count": len(rows),
        "markers": markers,
        "centre": map_centre(),
        "tiles": settings.YIXUN_MAP_TILES,
        "attribution": settings.YIXUN_MAP_ATTRIBUTION,
        "gaps": [week.site for week in gaps[:SHOWN]],
        "gaps_count": len(gaps),
    }


def officer(user: Any, now: dt.datetime) -> dict[str, Any]:
    """Applications, insurance about to lapse, logs and corrections waiting, and this month's
    figures beside last month's."""
    today = timezone.localdate(now)
    lapsing = list(
        lapsing_policies(30, today)
        .filter(pk__in=InsurancePolicy.objects.visible_to(user).values("pk"))
        .order_by("ends_on")[:SHOWN]
    )
    logs = logs_to_approve(user, now).select_related("area", "route", "site", "squad")
    corrections = corrections_waiting(user).select_related(
        "duty__member__user", "duty__shift__area", "duty__shift__route", "duty__shift__site"
    )
    this_month = _month_start(today)
    last_month = _month_start(this_month - dt.timedelta(days=1))
    now_figures = figures.compute(figures.Scope(first=this_month, last=today))
    then_figures = figures.compute(
        figures.Scope(first=last_month, last=this_month - dt.timedelta(days=1))
    )
    return {
        "applications": Application.objects.visible_to(user).open().count(),
        "lapsing": lapsing,
        "logs": list(logs[:SHOWN]),
        "logs_count": logs.count(),
        "corrections": list(corrections[:SHOWN]),
        "corrections_count": corrections.count(),
        "figures": [
            {
                "name": name,
                "label": figures.BY_NAME[name].label,
                "now": now_figures[name],
                "then": then_figures[name],
            }
            for name in FIGURES
        ],
        "this_month": this_month,
        "last_month": last_month,
    }
