"""The demo county's patrol calendar: key sites, routes, a term calendar, templates, police
patrols, and weeks of shifts around today, most of them claimed, some with gaps."""

import datetime as dt
import itertools
import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.utils import timezone

from yixun.lib import geo
from yixun.members.models import Member, Skill, Squad
from yixun.places.models import Area, PoliceStation, Route, RouteStop, Site
from yixun.shifts.models import (
    Claim,
    ClaimRules,
    PolicePatrol,
    SafetyBriefing,
    SchoolHoliday,
    Shift,
    ShiftKind,
    ShiftTemplate,
    Term,
)
from yixun.shifts.services import planning, schooldays

CENTRE = (31.0617, 113.7736)  # the demo county seat, WGS-84
# What a town has, in name order: (kind, name pattern, watched from, until)
TOWN_SITES = (
    (Site.Kind.SCHOOL, "{town}中心小学", dt.time(7, 0), dt.time(18, 0)),
    (Site.Kind.SCHOOL, "{town}中学", dt.time(7, 0), dt.time(18, 0)),
    (Site.Kind.KINDERGARTEN, "{town}幼儿园", dt.time(7, 30), dt.time(17, 30)),
    (Site.Kind.MARKET, "{town}农贸市场", dt.time(6, 0), dt.time(20, 0)),
    (Site.Kind.BANK, "{town}信用社", dt.time(8, 30), dt.time(17, 30)),
    (Site.Kind.HOSPITAL, "{town}卫生院", None, None),
    (Site.Kind.PARK, "{town}文化广场", dt.time(16, 0), dt.time(23, 0)),
    (Site.Kind.STATION, "{town}客运站", dt.time(6, 0), dt.time(19, 0)),
    (Site.Kind.VENUE, "{town}夜市", dt.time(19, 0), dt.time(23, 59)),
)
SCHOOL_SLOTS = [["07:10", "08:00"], ["16:30", "17:30"]]


def near(rng: random.Random, point: tuple[float, float], km: float) -> tuple[Decimal, Decimal]:
    """A point within about `km` of another, rounded as a phone's GPS would give it."""
    lat = point[0] + rng.uniform(-km, km) / 111
    lon = point[1] + rng.uniform(-km, km) / 95
    return Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}")


def build(b: Any, *, towns: int, weeks_back: int, weeks_ahead: int) -> dict[str, int]:
    """Add the calendar to a demo county built by `county.Builder` (`b`)."""
    rng: random.Random = b.rng
    today = timezone.localdate()
    officer = b.patrollers[0]
    towns_used: list[Area] = b.towns[:towns]

    # Stations and their liaisons: the demo police login works at the county seat's station.
    stations = list(PoliceStation.objects.filter(areas__in=towns_used).distinct().order_by("pk"))
    for index, user in enumerate(b.police):
        stations[index % len(stations)].liaisons.add(user)

    # Key sites around each town centre, and a route through each town.
    sites_by_town: dict[int, list[Site]] = defaultdict(list)
    all_sites = []
    for index, town in enumerate(towns_used):
        centre = (
            CENTRE
            if index == 0
            else (CENTRE[0] + rng.uniform(-0.18, 0.18), CENTRE[1] + rng.uniform(-0.2, 0.2))
        )
        communities = [area for area in b.areas_list if area.parent_id == town.pk] or [town]
        short = town.name.removesuffix("镇")
        for kind, pattern, watch_from, watch_until in TOWN_SITES:
            latitude, longitude = near(rng, centre, 1.5)
            site = Site(
                name=pattern.format(town=short),
                kind=kind,
                area=rng.choice(communities),
                latitude=latitude,
                longitude=longitude,
                address=f"{town.name}{rng.randint(1, 300)}号",
                watch_from=watch_from,
                watch_until=watch_until,
                opening_hours=""
                if watch_from is None
                else f"{watch_from:%H:%M}-{watch_until:%H:%M}",
            )
            sites_by_town[town.pk].append(site)
            all_sites.append(site)
    Site.objects.bulk_create(all_sites)
    routes = []
    for town in towns_used:
        sites = sites_by_town[town.pk]
        stops = [
            sites[3],
            sites[6],
            sites[8],
            sites[7],
        ]  # market, square, night market, bus station
        routes.append(
            _route(f"{town.name}街区巡逻线", Route.Kind.ROAD, Route.Setting.TOWN, town, stops)
        )
        village_stops = [sites[5], sites[2]]
        routes.append(
            _route(
                f"{town.name}乡村巡逻线",
                Route.Kind.ROAD,
                Route.Setting.VILLAGE,
                town,
                village_stops,
            )
        )
    crossings = []
    for number in range(4):
        latitude, longitude = near(rng, CENTRE, 6)
        crossings.append(
            Site(
                name=f"铁路{number + 1}号道口",
                kind=Site.Kind.RAILWAY_CROSSING,
                area=towns_used[0],
                latitude=latitude,
                longitude=longitude,
                watch_from=dt.time(6, 0),
                watch_until=dt.time(22, 0),
            )
        )
    Site.objects.bulk_create(crossings)
    railway = _route(
        "铁路沿线巡逻线", Route.Kind.RAILWAY, Route.Setting.VILLAGE, towns_used[0], crossings
    )

    # The school year, with a holiday the public calendar does not know.
    year = today.year if today.month >= 8 else today.year - 1
    Term.objects.create(
        name=f"{year}年秋季学期", starts_on=dt.date(year, 9, 1), ends_on=dt.date(year + 1, 1, 20)
    )
    Term.objects.create(
        name=f"{year + 1}年春季学期",
        starts_on=dt.date(year + 1, 2, 24),
        ends_on=dt.date(year + 1, 7, 5),
    )
    SchoolHoliday.objects.create(
        name="校运会", starts_on=dt.date(year, 10, 24), ends_on=dt.date(year, 10, 24)
    )
    for missing in (
        y for y in (today.year, today.year + 1) if y not in schooldays.known_holiday_years()
    ):
        SchoolHoliday.objects.create(
            name=f"{missing}年元旦",
            starts_on=dt.date(missing, 1, 1),
            ends_on=dt.date(missing, 1, 1),
        )
    ClaimRules.current()
    SafetyBriefing.objects.create(
        kind=ShiftKind.TRAFFIC,
        version=1,
        title="交通整治安全须知",
        body="- 穿反光背心，站在民警指定位置\n- 不得拦截车辆，只做劝导\n- 夜间手持警示灯",
        published_by=officer,
    )

    # Templates: the plan officers keep.
    squads_by_town = defaultdict(list)
    for squad in b.all_squads:
        squads_by_town[squad.area_id].append(squad)
    templates = []
    for town in towns_used:
        schools = [s for s in sites_by_town[town.pk] if s.kind == Site.Kind.SCHOOL]
        gate = ShiftTemplate.objects.create(
            name=f"{town.name}护校安园", kind=ShiftKind.SCHOOL_GATE, weekdays=[0, 1, 2, 3, 4], school_days_only=True,
            slots=SCHOOL_SLOTS, min_people=2, capacity=3, starts_on=today - dt.timedelta(weeks=weeks_back),
            weeks_ahead=weeks_ahead,
        )  # fmt: skip
        gate.sites.set(schools)
        route = next(r for r in routes if r.area_id == town.pk and r.setting == Route.Setting.TOWN)
        evening = ShiftTemplate.objects.create(
            name=f"{town.name}周末夜巡", kind=ShiftKind.PATROL, route=route, weekdays=[4, 5], slots=[["20:00", "23:00"]],
            min_people=3, capacity=6, required_skills={Skill.FIRST_AID: 1}, starts_on=today - dt.timedelta(weeks=weeks_back),
            weeks_ahead=weeks_ahead,
        )  # fmt: skip
        daily = ShiftTemplate.objects.create(
            name=f"{town.name}日常巡逻", kind=ShiftKind.PATROL, area=town, weekdays=[0, 1, 2, 3, 4, 5, 6],
            slots=[["09:00", "11:00"], ["19:00", "21:00"]], min_people=2, capacity=4,
            squad=(squads_by_town.get(town.pk) or [None])[0], starts_on=today - dt.timedelta(weeks=weeks_back),
            weeks_ahead=weeks_ahead,
        )  # fmt: skip
        templates += [gate, evening, daily]
    templates.append(
        ShiftTemplate.objects.create(
            name="铁路沿线周巡",
            kind=ShiftKind.PATROL,
            route=railway,
            weekdays=[2, 6],
            slots=[["14:00", "17:00"]],
            min_people=2,
            capacity=4,
            starts_on=today - dt.timedelta(weeks=weeks_back),
            weeks_ahead=weeks_ahead,
        )
    )
    templates.append(
        ShiftTemplate.objects.create(
            name="版主值班",
            kind=ShiftKind.MODERATION,
            weekdays=[0, 1, 2, 3, 4, 5, 6],
            slots=[["08:00", "14:00"], ["14:00", "20:00"], ["20:00", "02:00"]],
            min_people=1,
            capacity=2,
            starts_on=today - dt.timedelta(weeks=weeks_back),
            weeks_ahead=weeks_ahead,
        )
    )
    templates.append(
        ShiftTemplate.objects.create(
            name="城关交通整治",
            kind=ShiftKind.TRAFFIC,
            area=towns_used[0],
            weekdays=[0, 3],
            slots=[["07:00", "09:00"]],
            min_people=3,
            capacity=5,
            required_skills={Skill.DRIVING: 1},
            starts_on=today - dt.timedelta(weeks=weeks_back),
            weeks_ahead=weeks_ahead,
        )
    )
    # Past weeks are history the plan never rewrites: made here as they would have been.
    for template in templates:
        _history(template, today - dt.timedelta(weeks=weeks_back), today)
        planning.generate(template=template, today=today)

    # Police patrols beside ours.
    county_seat = towns_used[0]
    market = next(s for s in sites_by_town[county_seat.pk] if s.kind == Site.Kind.MARKET)
    start = today - dt.timedelta(weeks=weeks_back)
    PolicePatrol.objects.bulk_create(
        [
            PolicePatrol(force="armed", station=stations[0], site=market, weekdays=list(range(7)),
                         starts=dt.time(19, 0), ends=dt.time(23, 0), valid_from=start, created_by=b.police[0]),
            PolicePatrol(force="full_time", station=stations[0], route=railway, weekdays=[0, 2, 4],
                         starts=dt.time(9, 0), ends=dt.time(12, 0), valid_from=start, created_by=b.police[0]),
            *[
                PolicePatrol(force="community", station=stations[i % len(stations)], area=town, weekdays=[1, 3],
                             starts=dt.time(9, 0), ends=dt.time(11, 0), valid_from=start, created_by=b.police[0])
                for i, town in enumerate(towns_used[1::2])
            ],
        ]
    )  # fmt: skip

    claims = _claims(b, rng, today)
    return {
        "sites": len(all_sites) + len(crossings),
        "routes": len(routes) + 1,
        "shifts": Shift.objects.count(),
        "claims": claims,
    }


def _route(name: str, kind: str, setting: str, area: Area, stops: list[Site]) -> Route:
    length = sum(geo.distance_m(a.point, b.point) for a, b in itertools.pairwise(stops))
    route = Route.objects.create(
        name=name, kind=kind, setting=setting, area=area, length_m=round(length)
    )
    RouteStop.objects.bulk_create(
        RouteStop(
            route=route,
            position=index,
            site=site,
            name=site.name,
            latitude=site.latitude,
            longitude=site.longitude,
        )
        for index, site in enumerate(stops)
    )
    return route


def _history(template: ShiftTemplate, first: dt.date, last: dt.date) -> None:
    """The shifts a template made before today, keyed as generate() keys them."""
    now = timezone.now()
    Shift.objects.bulk_create(
        [
            Shift(template=template, template_key=key, squad=template.squad, **values)
            for key, values in planning.planned(template, first, last).items()
            if values["starts_at"] <= now
        ],
        batch_size=1000,
    )


def _claims(b: Any, rng: random.Random, today: dt.date) -> int:
    """Fill the calendar as a real association would be: the past mostly full, the coming week
    nearly so, later weeks thinning out, and a few shifts left under their minimum."""
    now = timezone.now()
    members_by_squad: dict[int | None, list[Member]] = defaultdict(list)
    for member in b.all_members:
        if member.status == Member.Status.ACTIVE and not member.is_minor:
            members_by_squad[member.squad_id].append(member)
    moderators = [m for m in b.all_members if m.user_id in {u.pk for u in b.moderator_users}]
    squads_by_area: dict[int, list[Squad]] = defaultdict(list)
    for squad in b.all_squads:
        squads_by_area[squad.area_id].append(squad)
    busy: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    claims = []
    updates = []
    shifts = Shift.objects.select_related("site__area", "route", "area").order_by("starts_at")
    for shift in shifts:
        days_ahead = (shift.starts_at - now).days
        fill = (
            0.95 if days_ahead < 0 else 0.85 if days_ahead < 7 else 0.5 if days_ahead < 21 else 0.25
        )
        if shift.kind == ShiftKind.MODERATION:
            pool = moderators
        else:
            area_id = (
                shift.site.area.parent_id
                if shift.site
                else shift.route.area_id
                if shift.route
                else shift.area_id
            )
            candidates = squads_by_area.get(area_id or 0) or b.all_squads
            squad = shift.squad or rng.choice(candidates)
            pool = members_by_squad.get(squad.pk, [])
        wanted = (
            shift.capacity if rng.random() < fill else rng.randint(0, max(0, shift.min_people - 1))
        )
        taken = 0
        for member in rng.sample(pool, min(len(pool), wanted * 3)):
            if taken >= wanted:
                break
            if any(
                start < shift.ends_at and end > shift.starts_at for start, end in busy[member.pk]
            ):
                continue
            busy[member.pk].append((shift.starts_at, shift.ends_at))
            claims.append(
                Claim(
                    shift=shift,
                    member=member,
                    # Some days before the shift, and never later than now.
                    claimed_at=min(
                        shift.starts_at - dt.timedelta(days=rng.randint(1, 10)),
                        now - dt.timedelta(minutes=rng.randint(5, 60 * 24 * 5)),
                    ),
                )
            )
            taken += 1
        if taken:
            shift.taken = taken
            updates.append(shift)
    Claim.objects.bulk_create(claims, batch_size=2000)
    Shift.objects.bulk_update(updates, ["taken"], batch_size=2000)
    return len(claims)
