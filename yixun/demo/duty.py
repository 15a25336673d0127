"""The demo county's duty: who came to the shifts that have ended and what their patrols did, a
few photos, and the association's history of patrols back to December 2011.

Everything is written with bulk_create, as an import would write it: no services, no audit
rows, no reminders (only the closing of shifts on now is queued, as check-in queues it), so
that 2,000 members' years of patrols build in seconds. The figures
(`yixun.stats.figures`) then come out of these records alone. Nothing here sets a total: the
chances in `WORK` and each size's pace are tuned so that the full county's figures over all
years read like the field report's (6,700+ inspections, 200+ accidents, 1,800+ people helped).
"""

import bisect
import datetime as dt
import io
import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from yixun.lib import geo
from yixun.lib.images import clean_photo
from yixun.members.models import Member
from yixun.patrols.models import (
    Duty,
    DutyRules,
    Finding,
    Incident,
    IncidentKind,
    Inspection,
    PatrolLog,
    Photo,
)
from yixun.patrols.services.duty import schedule_closing
from yixun.places.models import Area, Route, RouteStop, Site
from yixun.shifts.models import Claim, Shift, ShiftKind

BEGAN = dt.date(2011, 12, 1)  # the first patrol with the police
BATCH = 1000  # shifts written up at a time: the large county never holds its years in memory
PHOTOS = 12
NO_SHOW, LATE, BY_LEADER, AUTO_CLOSED = 0.03, 0.08, 0.03, 0.03
APPROVED = 0.9  # of the logs of shifts over for a day and a half
# From when the patrols went beyond the county seat's streets (field report: roads to railways,
# town to villages): every town by the sixth year, village roads in 2015, the railway in 2016.
ALL_TOWNS_AFTER = dt.timedelta(days=6 * 365)
ROUTES_SINCE = {"village": dt.date(2015, 3, 1), "railway": dt.date(2016, 6, 1)}
LULLS = ((dt.date(2020, 1, 24), dt.date(2020, 4, 30), 0.2),)  # (first, last, pace): the epidemic


def hm(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


@dataclass(frozen=True)
class Work:
    """What a kind of shift does: where, when, with how many, and what it tends to meet."""

    weight: int  # how often the history has it
    since: dt.date
    place: str  # route (or a town), town, school, square
    slots: tuple[tuple[str, str], ...]
    people: tuple[int, int]
    sites: int  # how many of the place's sites it may inspect
    inspect: float  # the chance it inspects each of them
    incidents: tuple[tuple[str, float], ...]  # (kind, chance per shift)
    site_kinds: tuple[str, ...] = ()  # the sites it inspects, when not all of the place's


K = IncidentKind
WORK = {
    ShiftKind.PATROL: Work(
        34, BEGAN, "route", (("19:00", "21:00"), ("20:00", "23:00"), ("09:00", "11:00")), (2, 4),
        3, 0.3, ((K.PERSON_HELPED, 0.16), (K.DISPUTE_MEDIATED, 0.05), (K.POLICE_ASSISTED, 0.04),
                 (K.HAZARD, 0.04), (K.OTHER, 0.03), (K.ACCIDENT_SETTLED, 0.01)),
    ),
    ShiftKind.SCHOOL_GATE: Work(
        8, dt.date(2013, 9, 1), "school", (("07:10", "08:00"), ("16:30", "17:30")), (2, 3),
        1, 0.2, ((K.PERSON_HELPED, 0.04), (K.PUBLICITY, 0.03), (K.OTHER, 0.02)),
    ),
    ShiftKind.TRAFFIC: Work(
        16, dt.date(2012, 5, 1), "town", (("07:00", "09:00"), ("17:00", "19:00")), (3, 4),
        1, 0.1, ((K.ACCIDENT_SETTLED, 0.4), (K.PUBLICITY, 0.15), (K.PERSON_HELPED, 0.3),
                 (K.POLICE_ASSISTED, 0.05)),
    ),
    ShiftKind.VENUE_CHECK: Work(
        30, dt.date(2012, 3, 1), "town", (("20:00", "23:00"),), (3, 4),
        4, 0.9, ((K.POLICE_ASSISTED, 0.2), (K.HAZARD, 0.12), (K.PERSON_HELPED, 0.15),
                 (K.DISPUTE_MEDIATED, 0.04)),
        site_kinds=(Site.Kind.VENUE, Site.Kind.MARKET, Site.Kind.STATION, Site.Kind.BANK),
    ),
    ShiftKind.EVENT_DUTY: Work(
        4, dt.date(2014, 1, 1), "square", (("18:00", "21:00"),), (3, 5),
        1, 0.5, ((K.PUBLICITY, 0.9), (K.PERSON_HELPED, 0.35)),
    ),
    ShiftKind.SPECIAL_OPERATION: Work(
        8, dt.date(2015, 1, 1), "town", (("19:00", "23:00"),), (4, 5),
        4, 0.7, ((K.POLICE_ASSISTED, 0.6), (K.PUBLICITY, 0.2), (K.PERSON_HELPED, 0.3),
                 (K.HAZARD, 0.1)),
    ),
}  # fmt: skip
# What people write, by kind of incident: (account, people helped).
ACCOUNTS: dict[str, tuple[tuple[str, int], ...]] = {
    K.ACCIDENT_SETTLED: (
        ("{place}附近两车轻微剐蹭，队员设置警示、疏导交通，双方拍照后撤离，协商解决。", 0),
        ("{place}路口电动车与行人相撞，队员护送伤者就医，协助交警处理。", 1),
        ("{place}附近货车与三轮车剐蹭，队员维持秩序，双方当场和解。", 0),
        ("{place}附近一辆摩托车侧滑，队员扶起骑车人并处理擦伤，车辆移至路边。", 1),
    ),
    K.PERSON_HELPED: (
        ("{place}一名小女孩的腿卡在铁质长椅缝隙中，队员与家长合力施救，十分钟后安全脱困。", 1),
        ("在{place}发现一名走失老人，队员联系家属，将其安全送回家中。", 1),
        ("{place}一名男子醉酒倒地，队员将其扶起，通知家属接回。", 1),
        ("{place}有群众突发不适，队员拨打120并陪同等候救护车。", 1),
        ("{place}附近一辆小车陷入路边沟渠，队员协助车内一家人脱困。", 3),
        ("帮助在{place}迷路的两名外地学生联系上带队老师。", 2),
        ("暴雨后{place}附近路段积水，队员协助四名被困群众转移。", 4),
    ),
    K.DISPUTE_MEDIATED: (
        ("{place}两名摊贩因占道经营发生口角，队员劝解后双方和解。", 0),
        ("{place}附近两车因停车位发生争执，队员调解后双方握手言和。", 0),
        ("{place}一对夫妻在街头争吵，队员耐心劝导，二人平静回家。", 0),
    ),
    K.POLICE_ASSISTED: (
        ("协助民警在{place}盘查可疑人员。", 0),
        ("协助民警在{place}维持现场秩序、疏散围观群众。", 0),
        ("配合民警在{place}寻找走失儿童，半小时后找到并交还家长。", 1),
        ("协助民警在{place}开展场所清查。", 0),
    ),
    K.PUBLICITY: (
        ("在{place}开展防范电信诈骗宣传，发放传单、讲解典型案例。", 0),
        ("在{place}开展交通安全宣传，提醒电动车驾乘人员佩戴头盔。", 0),
        ("在{place}开展防溺水、防火安全宣传。", 0),
        ("在{place}开展禁毒宣传。", 0),
    ),
    K.HAZARD: (
        ("{place}附近路灯损坏，夜间照明不足，已报社区维修。", 0),
        ("{place}门前井盖缺失，已设置警示并报市政部门。", 0),
        ("{place}消防通道被车辆占用，已劝离并报告。", 0),
    ),
    K.OTHER: (
        ("为{place}附近问路的外地游客指路。", 0),
        ("在{place}拾到钱包一个，已交派出所招领。", 0),
        ("提醒{place}附近商户锁好未关的卷帘门。", 0),
    ),
}
NOTES = {
    Finding.NORMAL: ("", "", "", "秩序良好。", "安保人员在岗。"),
    Finding.ADVICE: ("提醒商户关好门窗。", "建议增加夜间照明。", "提醒保安加强巡查。", "建议清理门前堆放物。"),
    Finding.HAZARD: ("消防通道堆放杂物。", "灭火器已过期。", "监控摄像头损坏。", "后门未上锁。", "护栏松动。"),
}  # fmt: skip
SUMMARY_WORDS: dict[str, str] = {
    K.ACCIDENT_SETTLED: "处置交通事故", K.PERSON_HELPED: "救助群众", K.DISPUTE_MEDIATED: "调解纠纷",
    K.POLICE_ASSISTED: "协助民警", K.PUBLICITY: "开展安全宣传", K.HAZARD: "上报隐患", K.OTHER: "其他事项",
}  # fmt: skip
LEADER_REASONS = (
    "手机没电，队长代为签到。",
    "扫码失败，队长现场核实。",
    "新队员不会扫码，队长代签。",
)
ENDINGS = ("全程秩序良好。", "按时收队，已与辖区民警交接。", "队员注意安全，无人受伤。", "")


def key(rng: random.Random) -> uuid.UUID:
    """An idempotency key from the seed, so the same seed writes the same rows."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def near(rng: random.Random, point: geo.Point, metres: float) -> geo.Point:
    return (
        point[0] + rng.uniform(-metres, metres) / 111_000,
        point[1] + rng.uniform(-metres, metres) / 95_000,
    )


@dataclass
class Turn:
    """One shift to write up, and where it is: the sites it checks in at and inspects."""

    shift: Shift
    claims: list[Claim]
    squads: dict[int, int | None]  # member id → the squad their duty counts for, then
    area_id: int | None
    sites: list[Site]
    place: str  # what accounts call the place
    by_position: bool  # an area, not a site: volunteers often check in by GPS


@dataclass
class Written:
    """What a batch made, for the photos and the counts."""

    counts: Counter[str] = field(default_factory=Counter)
    moments: list[tuple[PatrolLog, Inspection | Incident]] = field(default_factory=list)


class Writer:
    """Writes duties, logs, inspections and incidents for shifts, in bulk."""

    def __init__(self, b: Any, rng: random.Random) -> None:
        self.rng = rng
        self.rules = DutyRules.current()
        self.users = {member.pk: member.user_id for member in b.all_members}
        self.leaders = {squad.pk: squad.leader_id for squad in b.all_squads}
        self.officer = b.patrollers[0].pk
        self.written = Written()

    def leader_of(self, squad_id: int | None, not_user: int | None = None) -> int:
        leader = self.leaders.get(squad_id or 0)
        return leader if leader and leader != not_user else self.officer

    def write(self, turns: list[Turn], *, approve_before: dt.datetime, keep: bool) -> None:
        """Duties for the claims, and a log with its records for each shift someone came to."""
        duties, logs, inspections, incidents = [], [], [], []
        for turn in turns:
            done = []
            for claim in turn.claims:
                duty = self.duty(turn, claim)
                duties.append(duty)
                if duty.status == Duty.Status.DONE:
                    done.append(duty)
            if not done:
                continue
            log = PatrolLog(
                shift=turn.shift,
                squad_id=turn.shift.squad_id,
                area_id=turn.area_id,
                created_at=min(d.checked_in_at for d in done if d.checked_in_at),
            )
            found, met = self.entries(turn, log, done)
            self.summarise(log, turn, done, found, met, approve_before)
            logs.append(log)
            inspections += found
            incidents += met
            if keep:
                self.written.moments += [(log, i) for i in found if i.finding == Finding.HAZARD]
                self.written.moments += [(log, n) for n in met if n.kind != K.OTHER]
        Duty.objects.bulk_create(duties, batch_size=BATCH)
        PatrolLog.objects.bulk_create(logs, batch_size=BATCH)
        Inspection.objects.bulk_create(inspections, batch_size=BATCH)
        Incident.objects.bulk_create(incidents, batch_size=BATCH)
        self.written.counts.update(
            duties=len(duties),
            logs=len(logs),
            inspections=len(inspections),
            incidents=len(incidents),
        )

    def check_in(self, turn: Turn, claim: Claim, at: dt.datetime) -> dict[str, Any]:
        """How a member checked in: the site's code, their position, or their leader's word."""
        rng, user = self.rng, self.users[claim.member_id]
        squad = turn.squads[claim.member_id] or turn.shift.squad_id
        values: dict[str, Any] = {"checked_in_at": at, "checked_in_by_id": user}
        if not turn.sites or rng.random() < BY_LEADER:
            values.update(
                check_in_method=Duty.CheckIn.LEADER,
                checked_in_by_id=self.leader_of(squad, not_user=user),
                manual_reason=rng.choice(LEADER_REASONS),
            )
            return values
        site = rng.choice(turn.sites)
        by_position = turn.by_position and rng.random() < 0.6
        values["check_in_method"] = Duty.CheckIn.GPS if by_position else Duty.CheckIn.QR
        if by_position or rng.random() < 0.6:  # a scan sends the phone's position when it has one
            point = near(rng, site.point, 120 if by_position else 60)
            values.update(
                latitude=Decimal(f"{point[0]:.6f}"),
                longitude=Decimal(f"{point[1]:.6f}"),
                distance_m=round(geo.distance_m(point, site.point)),
            )
        return values

    def duty(self, turn: Turn, claim: Claim, *, now: dt.datetime | None = None) -> Duty:
        """A claim's duty: done (some late, a few closed by the system), or a no-show. With
        `now`, the shift is on: the member is on duty if they have checked in by then."""
        rng, shift = self.rng, turn.shift
        base = {  # ids, not objects: a descriptor per field is slow a million times over
            "claim_id": claim.pk,
            "shift_id": shift.pk,
            "member_id": claim.member_id,
            "squad_id": turn.squads[claim.member_id],
            "area_id": turn.area_id,
        }
        if now is None and rng.random() < NO_SHOW:
            return Duty(
                **base, status=Duty.Status.NO_SHOW, created_at=shift.ends_at + self.rules.grace
            )
        length = int((shift.ends_at - shift.starts_at).total_seconds() // 60)
        late = rng.random() < LATE
        offset = rng.randint(11, max(11, min(45, length // 2))) if late else rng.randint(-20, 8)
        at = shift.starts_at + dt.timedelta(minutes=offset, seconds=rng.randrange(60))
        values = self.check_in(turn, claim, at)
        late_minutes = offset if offset > self.rules.late_after_minutes else 0
        if now is not None:
            return Duty(**base, **values, late_minutes=late_minutes, created_at=at)
        user = self.users[claim.member_id]
        if rng.random() < AUTO_CLOSED:  # nobody checked out: closed at the end, flagged
            out, method, by = shift.ends_at, Duty.CheckOut.AUTO, None
        else:
            out = shift.ends_at + dt.timedelta(
                minutes=rng.randint(-12, 15), seconds=rng.randrange(60)
            )
            by_leader = rng.random() < 0.1
            method = Duty.CheckOut.LEADER if by_leader else Duty.CheckOut.SELF
            squad = turn.squads[claim.member_id] or shift.squad_id
            by = self.leader_of(squad, not_user=user) if by_leader else user
            out = max(out, at + dt.timedelta(minutes=5))
        return Duty(
            **base,
            **values,
            status=Duty.Status.DONE,
            late_minutes=late_minutes,
            checked_out_at=out,
            check_out_method=method,
            checked_out_by_id=by,
            minutes=self.rules.service_minutes(start=at, end=out, shift_minutes=length),
            created_at=at,
        )

    def entries(
        self, turn: Turn, log: PatrolLog, done: list[Duty]
    ) -> tuple[list[Inspection], list[Incident]]:
        """The sites the patrol inspected and what it dealt with, at times within the shift."""
        rng, shift = self.rng, turn.shift
        work = WORK[ShiftKind(shift.kind)]
        span = int((shift.ends_at - shift.starts_at).total_seconds() // 60)

        def moment() -> dt.datetime:
            return shift.starts_at + dt.timedelta(minutes=rng.randint(5, max(5, span - 5)))

        def recorder() -> tuple[int, int | None]:
            member_id = rng.choice(done).member_id
            return member_id, turn.squads[member_id]

        sites = [s for s in turn.sites if not work.site_kinds or s.kind in work.site_kinds]
        inspections = []
        for site in rng.sample(sites, min(work.sites, len(sites))):
            if rng.random() >= work.inspect:
                continue
            draw = rng.random()
            finding = (
                Finding.HAZARD if draw < 0.05 else Finding.ADVICE if draw < 0.14 else Finding.NORMAL
            )
            at, (member_id, squad_id) = moment(), recorder()
            inspections.append(
                Inspection(
                    log=log, site=site, finding=finding, note=rng.choice(NOTES[finding]),
                    occurred_at=at, recorded_at=at + dt.timedelta(minutes=rng.randint(1, 20)),
                    recorded_by_id=member_id, squad_id=squad_id, area_id=site.area_id, key=key(rng),
                )
            )  # fmt: skip
        incidents = []
        for kind, chance in work.incidents:
            if rng.random() >= chance:
                continue
            account, helped = rng.choice(ACCOUNTS[kind])
            where = rng.choice(turn.sites) if turn.sites else None
            point = near(rng, where.point, 300) if where else None
            leaflets = rng.randrange(30, 301, 10) if kind == K.PUBLICITY else 0
            at, (member_id, squad_id) = moment(), recorder()
            incidents.append(
                Incident(
                    log=log, kind=kind, place=where.name if where else turn.place,
                    latitude=Decimal(f"{point[0]:.6f}") if point else None,
                    longitude=Decimal(f"{point[1]:.6f}") if point else None,
                    account=account.format(place=where.name if where else turn.place),
                    people_helped=helped, leaflets=leaflets,
                    people_reached=leaflets + rng.randrange(0, 400) if leaflets else 0,
                    occurred_at=at, recorded_at=at + dt.timedelta(minutes=rng.randint(1, 30)),
                    recorded_by_id=member_id, squad_id=squad_id, area_id=log.area_id, key=key(rng),
                )
            )  # fmt: skip
        return inspections, incidents

    def summarise(
        self,
        log: PatrolLog,
        turn: Turn,
        done: list[Duty],
        found: list[Inspection],
        met: list[Incident],
        approve_before: dt.datetime,
    ) -> None:
        """The leader's summary, and their approval once the shift is a day and a half old."""
        rng = self.rng
        recent = turn.shift.ends_at > approve_before
        if recent and rng.random() < 0.4:
            return  # not written up yet
        late = sum(1 for d in done if d.late_minutes)
        hazards = sum(1 for i in found if i.finding == Finding.HAZARD)
        kinds = Counter(SUMMARY_WORDS[n.kind] for n in met)
        parts = [f"{len(done)}名队员到岗" + (f"（{late}人迟到）" if late else "")]
        if found:
            parts.append(f"巡查{len(found)}处场所" + (f"，发现隐患{hazards}处" if hazards else ""))
        parts += [f"{label}{count}起" for label, count in kinds.items()]
        log.summary = "，".join(parts) + "。" + rng.choice(ENDINGS)
        if not recent and rng.random() < APPROVED:
            squad = turn.shift.squad_id or turn.squads[done[0].member_id]
            log.status = PatrolLog.Status.APPROVED
            log.approved_by_id = self.leader_of(squad)
            log.approved_at = turn.shift.ends_at + dt.timedelta(hours=rng.randint(1, 30))


class Places:
    """The county's sites and routes, loaded once: what each shift checks in at and inspects."""

    def __init__(self) -> None:
        self.sites = list(Site.objects.filter(is_active=True).select_related("area"))
        self.route_sites: dict[int, list[Site]] = defaultdict(list)
        by_pk = {site.pk: site for site in self.sites}
        for stop in RouteStop.objects.filter(site__isnull=False).order_by("route", "position"):
            if stop.site_id in by_pk:
                self.route_sites[stop.route_id].append(by_pk[stop.site_id])
        self._within: dict[int, list[Site]] = {}

    def within(self, area: Area) -> list[Site]:
        if area.pk not in self._within:
            self._within[area.pk] = [s for s in self.sites if s.area.path.startswith(area.path)]
        return self._within[area.pk]

    def turn(self, shift: Shift, claims: list[Claim], squads: dict[int, int | None]) -> Turn:
        if shift.site is not None:
            return Turn(
                shift, claims, squads, shift.site.area_id, [shift.site], shift.site.name, False
            )
        if shift.route is not None:
            sites = self.route_sites[shift.route.pk]
            return Turn(shift, claims, squads, shift.route.area_id, sites, shift.route.name, False)
        area = shift.area
        sites = self.within(area) if area else []
        return Turn(shift, claims, squads, area.pk if area else None, sites, str(area or ""), True)


def recent(b: Any) -> dict[str, int]:
    """Duties and logs for the calendar's shifts that have begun: done for those over, on duty
    now for those on now (their closing queued, as check-in queues it), and a few photos."""
    rng: random.Random = b.rng
    now = timezone.now()
    writer, places = Writer(b, rng), Places()
    members = {member.pk: member for member in b.all_members}
    begun = (
        Shift.objects.scheduled()
        .filter(starts_at__lte=now)
        .exclude(kind=ShiftKind.MODERATION)  # online: nobody checks in at a place
        .select_related("site__area", "route", "area")
        .order_by("starts_at", "pk")
    )
    claims: dict[int, list[Claim]] = defaultdict(list)
    for claim in (
        Claim.objects.active()
        .filter(shift__in=begun.values("pk"))
        .order_by("shift", "pk")
        .only("pk", "shift_id", "member_id")
    ):
        claims[claim.shift_id].append(claim)
    over: list[Turn] = []
    on: list[Turn] = []
    for shift in begun:
        taken = claims.get(shift.pk, [])
        squads = {c.member_id: members[c.member_id].squad_id for c in taken}
        turn = places.turn(shift, taken, squads)
        (over if shift.ends_at + writer.rules.grace <= now else on).append(turn)
    for start in range(0, len(over), BATCH):
        writer.write(
            over[start : start + BATCH], approve_before=now - dt.timedelta(hours=36), keep=True
        )
    on_duty, closing = [], []
    for turn in on:
        came = [
            duty
            for claim in turn.claims
            if (duty := writer.duty(turn, claim, now=now)).checked_in_at
            and duty.checked_in_at <= now  # the others have not come yet
        ]
        on_duty += came
        if came:
            closing.append(turn.shift)
    Duty.objects.bulk_create(on_duty)
    for shift in closing:  # as check-in queues it: the worker closes what is left open
        schedule_closing(shift)
    return {
        **writer.written.counts,
        "duties": writer.written.counts["duties"] + len(on_duty),
        "on_duty": len(on_duty),
        "photos": photos(rng, writer.written.moments),
    }


def photos(rng: random.Random, moments: list[tuple[PatrolLog, Inspection | Incident]]) -> int:
    """A handful of photos on hazards and incidents, re-encoded as an upload would be."""
    chosen = rng.sample(moments, min(PHOTOS, len(moments)))
    for log, record in sorted(chosen, key=lambda pair: pair[1].occurred_at):
        picture = picture_of(rng, record.occurred_at)
        clean = clean_photo(SimpleUploadedFile("photo.jpg", picture, "image/jpeg"))
        inspection = record if isinstance(record, Inspection) else None
        incident = record if isinstance(record, Incident) else None
        photo = Photo(
            log=log,
            inspection=inspection,
            incident=incident,
            caption=(inspection.note if inspection else incident.account if incident else "")[:60],
            uploaded_by_id=record.recorded_by_id,
            uploaded_at=record.recorded_at,
            key=key(rng),
        )
        photo.image.save("photo.jpg", clean.content, save=False)
        photo.save()
    return len(chosen)


def picture_of(rng: random.Random, at: dt.datetime) -> bytes:
    """A small made-up street photo with a phone camera's time stamp."""
    image = Image.new("RGB", (480, 360), (rng.randrange(90, 150), rng.randrange(130, 190), 220))
    draw = ImageDraw.Draw(image)
    for _ in range(6):  # buildings
        x, height = rng.randrange(0, 440), rng.randrange(60, 170)
        grey = rng.randrange(120, 200)
        draw.rectangle((x, 230 - height, x + rng.randrange(40, 110), 230), fill=(grey, grey, grey))
    draw.rectangle((0, 230, 480, 360), fill=(70, 70, 75))  # the road
    for x in range(0, 480, 60):
        draw.rectangle((x, 292, x + 30, 298), fill=(235, 235, 235))
    x = rng.randrange(60, 400)  # a volunteer in a reflective vest
    draw.ellipse((x, 200, x + 24, 224), fill=(230, 190, 160))
    draw.rectangle((x - 4, 224, x + 28, 290), fill=(255, 140, 0))
    draw.rectangle((x - 4, 250, x + 28, 256), fill=(220, 255, 60))
    stamp = f"{timezone.localtime(at):%Y-%m-%d %H:%M}"
    draw.text((10, 338), stamp, fill=(255, 210, 0))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


@dataclass
class Town:
    """A town with key sites, as the history patrols it."""

    area: Area
    sites: list[Site]
    routes: list[tuple[Route, dt.date]]  # and from when it was patrolled
    squads: list[int] = field(default_factory=list)

    def sites_of(self, kind: str) -> list[Site]:
        return [site for site in self.sites if site.kind == kind]


class History:
    """Shifts from December 2011 to the calendar's first week, and all they did.

    On a day, as many shifts as `pace` times the members who could patrol then (joined, and
    of age): the association grows as its members do. A member patrols at most once a day.
    """

    def __init__(self, b: Any, *, pace: float) -> None:
        self.rng: random.Random = b.rng
        self.pace = pace
        self.progress = b.progress
        self.writer = Writer(b, self.rng)
        self.places = Places()
        self.tz = timezone.get_current_timezone()
        self.founded = {squad.pk: squad.founded_on for squad in b.all_squads}
        routes: dict[int, list[tuple[Route, dt.date]]] = defaultdict(list)
        for route in Route.objects.order_by("pk"):
            since = ROUTES_SINCE.get(route.kind if route.kind == "railway" else route.setting)
            routes[route.area_id].append((route, since or BEGAN))
        self.towns = []
        for area in Area.objects.filter(level=Area.Level.TOWN).order_by("pk"):
            if sites := self.places.within(area):
                self.towns.append(Town(area, sites, routes[area.pk]))
        by_area = {town.area.pk: town for town in self.towns}
        for squad in b.all_squads:
            if squad.area_id in by_area:
                by_area[squad.area_id].squads.append(squad.pk)
        # Who could patrol from when: joined, and eighteen. Earliest first, for bisect.
        ready = sorted(
            ((self.ready_on(member), member.pk, member) for member in b.all_members),
            key=lambda row: (row[0], row[1]),
        )
        self.members = [member for _day, _pk, member in ready]
        self.starts = [day for day, _pk, _member in ready]
        self.squad_members: dict[int, list[Member]] = defaultdict(list)
        self.squad_starts: dict[int, list[dt.date]] = defaultdict(list)
        for day, _pk, member in ready:
            if member.squad_id:
                self.squad_members[member.squad_id].append(member)
                self.squad_starts[member.squad_id].append(day)

    @staticmethod
    def ready_on(member: Member) -> dt.date:
        if member.birth_date is None:
            return member.joined_on
        adult = member.birth_date + dt.timedelta(days=18 * 365 + 5)
        return max(member.joined_on, adult)

    def build(self, end: dt.date) -> dict[str, int]:
        rng, turns = self.rng, []
        shifts = claims = 0
        day = BEGAN
        while day < end:
            ready = bisect.bisect_right(self.starts, day)
            mean = self.pace * ready * (1.3 if day.weekday() >= 5 else 1.0)
            mean *= next((pace for a, z, pace in LULLS if a <= day <= z), 1.0)
            count = int(mean) + (rng.random() < mean - int(mean)) + (day == BEGAN)
            kinds = [(kind, work.weight) for kind, work in WORK.items() if work.since <= day]
            if day.month == day.day == 1:
                self.progress(f"history {day.year}")
            used: set[int] = set()
            for _ in range(count):
                kind = rng.choices([k for k, _w in kinds], [w for _k, w in kinds])[0]
                if (turn := self.shift(day, kind, ready, used)) is not None:
                    turns.append(turn)
            if len(turns) >= BATCH or (turns and day + dt.timedelta(days=1) >= end):
                shifts += len(turns)
                claims += self.save(turns)
                turns = []
            day += dt.timedelta(days=1)
        return {**self.writer.written.counts, "shifts": shifts, "claims": claims}

    def shift(self, day: dt.date, kind: str, ready: int, used: set[int]) -> Turn | None:
        rng = self.rng
        no_school = day.weekday() >= 5 or day.month in (1, 2, 7, 8)  # weekends and holidays
        if kind == ShiftKind.SCHOOL_GATE and no_school:
            kind = ShiftKind.PATROL
        work = WORK[ShiftKind(kind)]
        share = min(1.0, (day - BEGAN) / ALL_TOWNS_AFTER)
        town = rng.choice(self.towns[: 1 + int((len(self.towns) - 1) * share)])
        site = route = area = None
        if work.place == "school":
            site = rng.choice(town.sites_of(Site.Kind.SCHOOL) or town.sites)
        elif work.place == "square":
            site = rng.choice(town.sites_of(Site.Kind.PARK) or town.sites)
        elif work.place == "route":
            open_routes = [r for r, since in town.routes if since <= day]
            if open_routes and rng.random() < 0.5:
                route = rng.choice(open_routes)
        if site is None and route is None:
            area = town.area
        start, finish = (hm(text) for text in rng.choice(work.slots))
        starts_at = dt.datetime.combine(day, start, tzinfo=self.tz)
        ends_at = dt.datetime.combine(day, finish, tzinfo=self.tz)
        # A shift claimed for a squad founded by then is patrolled by its members.
        squads = [pk for pk in town.squads if self.founded[pk] <= day]
        squad = rng.choice(squads) if squads and rng.random() < 0.4 else None
        wanted = rng.randint(*work.people)
        pool, size = self.members, ready
        if squad is not None:
            size_in_squad = bisect.bisect_right(self.squad_starts[squad], day)
            if size_in_squad >= wanted * 2:
                pool, size = self.squad_members[squad], size_in_squad
        chosen: list[Member] = []
        for _ in range(wanted * 4):
            if len(chosen) == wanted:
                break
            member = pool[rng.randrange(size)]
            if member.pk not in used:
                used.add(member.pk)
                chosen.append(member)
        if not chosen:
            return None
        shift = Shift(
            kind=kind, starts_at=starts_at, ends_at=ends_at, area_id=area.pk if area else None,
            route_id=route.pk if route else None, site_id=site.pk if site else None,
            min_people=min(work.people[0], len(chosen)), capacity=wanted + rng.randint(0, 1),
            taken=len(chosen), squad_id=squad, uid=key(rng),
            created_at=starts_at - dt.timedelta(days=14), updated_at=starts_at - dt.timedelta(days=14),
        )  # fmt: skip
        claims = [
            Claim(
                shift=shift,
                member_id=member.pk,
                claimed_at=starts_at
                - dt.timedelta(days=rng.randint(1, 10), minutes=rng.randrange(600)),
                claimed_by_id=member.user_id,
            )
            for member in chosen
        ]
        squads_then = {
            m.pk: m.squad_id if m.squad_id and self.founded[m.squad_id] <= day else None
            for m in chosen
        }
        if site is not None:
            return Turn(shift, claims, squads_then, site.area_id, [site], site.name, False)
        if route is not None:
            sites = self.places.route_sites[route.pk]
            return Turn(shift, claims, squads_then, route.area_id, sites, route.name, False)
        return Turn(shift, claims, squads_then, town.area.pk, town.sites, town.area.name, True)

    def save(self, turns: list[Turn]) -> int:
        Shift.objects.bulk_create([turn.shift for turn in turns], batch_size=BATCH)
        claims = [claim for turn in turns for claim in turn.claims]
        Claim.objects.bulk_create(claims, batch_size=BATCH)
        self.writer.write(turns, approve_before=timezone.now(), keep=False)
        return len(claims)


def history(b: Any, *, pace: float) -> dict[str, int]:
    """The association's patrols before the calendar's weeks, back to its first in 2011."""
    return History(b, pace=pace).build(b.today - dt.timedelta(weeks=b.plan.weeks_back))
