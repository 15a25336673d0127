"""The demo county's two years of events, and the ones coming up.

Police open days, law talks and filial-piety talks, anti-fraud campaigns, blood drives and
clean-ups with the partner organisations, trainings and meetings: each made by an officer through
`save_event`, its registrations (the public's and the members', with cancellations, a waiting
list promoted in turn, no-shows and walk-ins) written in bulk as the services would have left
them, and closed with the staff's summary through `close_event`. Trainings grant what they teach
through the door's `grant_training`; some events carry event-duty shifts whose members earned
their hours. Everything is then dated back to when it happened, the audit trail included.

What is still to come goes through the services as a person would: the next police open day,
a few days away with places left, is the first public event the home page shows."""

import dataclasses
import datetime as dt
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Case, F, Max, Value, When
from django.utils import timezone
from PIL import Image, ImageDraw

from yixun.accounts.models import User
from yixun.audit.models import AuditEntry
from yixun.events.models import CODE_ALPHABET, CODE_LENGTH, Event, EventPhoto, Registration
from yixun.events.services import door, manage
from yixun.events.services import registration as registrations
from yixun.lib import geo
from yixun.lib.errors import DomainError
from yixun.members.models import Member, PartnerOrganisation, Squad
from yixun.patrols.models import Duty, DutyRules, PatrolLog
from yixun.places.models import Area, Site
from yixun.shifts.models import BriefingAcknowledgement, Claim, SafetyBriefing, Shift, ShiftKind
from yixun.shifts.services import claims as shift_claims
from yixun.shifts.services import setup

from . import names
from .event_themes import (
    BLOOD_HOUSE,
    CAMPAIGN_SITES,
    COMING,
    CULTURE_CENTRE,
    FIXED,
    MEETING_ROOM,
    OFFICE,
    PLANNED,
    THEMES,
    TRAFFIC_TRAINING,
    VENUE_BRIEFING,
    Theme,
)
from .patrols import CENTRE

SPAN = dt.timedelta(days=730)  # two years back
REPORTED_AFTER = dt.timedelta(days=3)  # events younger than this await their staff's report
DUTY_SINCE = dt.timedelta(days=365)  # event-duty shifts in the calendar from a year back
PHOTOGRAPHED = 7  # the last closed events that have photos of the day
Kind = Event.Kind
Audience = Event.Audience


@dataclass
class Person:
    name: str
    phone: str
    member: Member | None = None


@dataclass
class Place:
    name: str
    address: str
    area: Area
    point: tuple[float, float]
    squad: Squad | None = None


@dataclass
class Happened:
    """What the door saw at one past event."""

    registrations: list[Registration] = field(default_factory=list)
    door: list[User] = field(default_factory=list)


class Events:
    def __init__(self, b: Any) -> None:
        self.b = b
        self.rng: random.Random = b.rng
        self.now = timezone.now()
        self.tz = timezone.get_current_timezone()
        self.officers: list[User] = [b.patrollers[0], *b.patrollers[-(b.plan.officers - 1) :]]
        self.officer = self.officers[0]
        self.county: Area = b.areas_list[0]
        self.partners = {p.kind: p for p in PartnerOrganisation.objects.all()}
        self.members: list[Member] = [
            m for m in b.all_members if m.status == Member.Status.ACTIVE and not m.is_minor
        ]
        leaders = {user.pk for user in b.leaders}
        self.leaders: list[Member] = [m for m in self.members if m.user_id in leaders]
        self.codes: set[str] = set(Registration.objects.values_list("code", flat=True))
        self.public = [
            Person(names.person_name(self.rng), f"+86{names.mobile(self.rng, b.taken_phones)}")
            for _ in range(min(240, 60 + len(self.members) // 8))
        ]
        self.rules = DutyRules.current()
        self.towns = self.towns_with_sites()
        self.count = 0
        self.registered = 0
        self.closed: list[tuple[Event, str]] = []

    def towns_with_sites(self) -> list[tuple[Area, list[Site], list[Area]]]:
        sites = list(Site.objects.filter(is_active=True).select_related("area"))
        towns = []
        for town in self.b.towns:
            communities = [a for a in self.b.areas_list if a.parent_id == town.pk]
            inside = {town.pk, *(a.pk for a in communities)}
            here = [s for s in sites if s.area_id in inside]
            if here:
                towns.append((town, here, communities or [town]))
        return towns

    # Where an event happens.

    def place(self, theme: Theme, index: int, title: str = "") -> Place:
        rng = self.rng
        town, sites, communities = self.towns[index % len(self.towns)]
        short = town.name.removesuffix("镇")
        middle = sites[0].point
        squads = [s for s in self.b.all_squads if s.area_id == town.pk]
        squad = rng.choice(squads) if squads and rng.random() < 0.4 else None
        if theme.place == "station":
            station = town.station.name if town.station else f"{short}派出所"
            return Place(station, f"{town.name}人民路 {rng.randint(1, 99)} 号", town,
                         self.near(middle, 0.6), squad)  # fmt: skip
        if theme.place in ("community", "elderly"):
            community = rng.choice(communities)
            room = "居委会活动室" if theme.place == "community" else "老年活动中心"
            return Place(f"{community.name}{room}", f"{community.name}", community,
                         self.near(middle, 1.2), squad)  # fmt: skip
        if theme.place == "site":
            kind = CAMPAIGN_SITES.get(title, Site.Kind.PARK)
            site = rng.choice([s for s in sites if s.kind == kind] or sites)
            return Place(site.name, site.address, site.area, site.point, squad)
        if theme.place == "river":
            return Place(
                f"{short}河堤公园", f"{town.name}滨河路", town, self.near(middle, 1.5), squad
            )
        name, address = {
            "office": OFFICE, "meeting": MEETING_ROOM, "hall": CULTURE_CENTRE, "blood": BLOOD_HOUSE,
        }[theme.place]  # fmt: skip
        return Place(name, address, self.county, self.near(CENTRE, 0.4))

    def near(self, point: tuple[float, float], km: float) -> tuple[float, float]:
        return (
            point[0] + self.rng.uniform(-km, km) / 111,
            point[1] + self.rng.uniform(-km, km) / 95,
        )

    def when(self, day: dt.date, theme: Theme) -> tuple[dt.datetime, dt.datetime]:
        if theme.weekend:
            day += dt.timedelta(days=(5 - day.weekday()) % 7)  # the Saturday after
        elif day.weekday() >= 5:
            day -= dt.timedelta(days=day.weekday() - 3)  # the Thursday before
        starts_at = dt.datetime.combine(day, theme.start, tzinfo=self.tz)
        return starts_at, starts_at + dt.timedelta(minutes=theme.minutes)

    def texts(
        self, theme: Theme, title: str, place: Place, starts_at: dt.datetime
    ) -> dict[str, str]:
        local = timezone.localtime(starts_at)
        town = place.area if place.area.level == Area.Level.TOWN else place.area.parent
        short = town.name if town else self.county.name
        station = town.station.name if town and town.station else "县公安局"
        partner = next((self.partners[k].name for k in theme.partners if k in self.partners), "")
        words = {
            "town": short, "station": station, "partner": partner, "place": place.name,
            "year": str(local.year - 1 if local.month <= 6 else local.year),
        }  # fmt: skip
        return {
            "title": title.format(**words)[:100],
            "description": theme.description.format(**words),
            "partner": partner,
            "place": place.name,
        }

    # The two years behind.

    def plans(self) -> Iterator[tuple[dt.datetime, Theme, str]]:
        rng, today = self.rng, timezone.localdate()
        first = today - SPAN
        planned: list[tuple[dt.datetime, Theme, str]] = []
        for theme in THEMES.values():
            day = first + dt.timedelta(days=rng.randrange(theme.every))
            index = rng.randrange(len(theme.titles))
            while True:
                starts_at, ends_at = self.when(day, theme)
                if ends_at > self.now - dt.timedelta(hours=12):
                    break
                planned.append((starts_at, theme, theme.titles[index % len(theme.titles)]))
                index += 1
                day += dt.timedelta(days=theme.every + rng.randint(-10, 10))
        for days, theme in FIXED:
            starts_at, _ends = self.when(today - dt.timedelta(days=days), theme)
            planned.append((starts_at, theme, theme.titles[0]))
        yield from sorted(planned, key=lambda plan: plan[0])

    def past(self) -> None:
        briefing = self.venue_briefing()
        for index, (starts_at, theme, title) in enumerate(self.plans()):
            self.held(index, starts_at, theme, title, briefing)

    def venue_briefing(self) -> SafetyBriefing:
        title, body = VENUE_BRIEFING
        briefing = setup.publish_briefing(
            kind=ShiftKind.VENUE_CHECK, title=title, body=body, actor=self.officer
        )
        at = self.now - SPAN - dt.timedelta(days=30)
        SafetyBriefing.objects.filter(pk=briefing.pk).update(published_at=at)
        AuditEntry.objects.filter(
            action="shifts.safety_briefing.published", target_id=str(briefing.pk)
        ).update(at=at)
        return briefing

    def held(
        self, index: int, starts_at: dt.datetime, theme: Theme, title: str, briefing: SafetyBriefing
    ) -> None:
        rng = self.rng
        mark = AuditEntry.objects.aggregate(last=Max("pk"))["last"] or 0
        place = self.place(theme, index, title)
        ends_at = starts_at + dt.timedelta(minutes=theme.minutes)
        words = self.texts(theme, title, place, starts_at)
        squads = (
            [s for s in self.b.all_squads if s.area_id == place.area.pk]
            if theme.audience == Audience.SQUADS
            else []
        )
        if theme.audience == Audience.SQUADS and not squads:
            return
        creator = rng.choice(self.officers)
        event = manage.save_event(
            actor=creator,
            kind=theme.kind,
            title=words["title"],
            description=words["description"],
            starts_at=starts_at,
            ends_at=ends_at,
            place_name=place.name,
            address=place.address,
            latitude=Decimal(f"{place.point[0]:.6f}"),
            longitude=Decimal(f"{place.point[1]:.6f}"),
            area=place.area,
            squad=place.squad,
            capacity=theme.capacity,
            audience=theme.audience,
            grants_skill=theme.grants_skill,
            grants_briefing=theme.grants_briefing,
            squads=squads,
            partners=[self.partners[k] for k in theme.partners if k in self.partners],
            staff=[creator],
        )
        created_at = starts_at - dt.timedelta(days=rng.randint(12, 30), hours=rng.randrange(8))
        door_staff = [creator]
        if theme.duty and starts_at > self.now - DUTY_SINCE:
            door_staff += self.duty_shift(event, theme.duty, created_at)
        happened = self.door(event, theme, door_staff, squads)
        self.count += 1
        self.registered += len(happened.registrations)
        if theme.grants_skill or theme.grants_briefing:
            self.grant(event, happened, briefing)
        dates = {
            "events.event.created": created_at,
            "events.event.duty_shift_added": created_at + dt.timedelta(hours=1),
            "shifts.shift.created": created_at + dt.timedelta(hours=1),
            "events.event.skill_granted": starts_at,
            "events.event.briefing_granted": starts_at,
            "shifts.safety_briefing.acknowledged": starts_at,
        }
        closed_at = None
        if ends_at < self.now - REPORTED_AFTER:
            closed_at = ends_at + dt.timedelta(hours=rng.randint(3, 50))
            self.close(event, theme, words, happened, creator)
            dates["events.event.closed"] = closed_at
        Event.objects.filter(pk=event.pk).update(
            created_at=created_at, updated_at=closed_at or created_at, closed_at=closed_at
        )
        event.closed_at = closed_at
        AuditEntry.objects.filter(pk__gt=mark).update(
            at=Case(*(When(action=a, then=Value(at)) for a, at in dates.items()), default=F("at"))
        )

    def door(
        self, event: Event, theme: Theme, door_staff: list[User], squads: list[Squad]
    ) -> Happened:
        """Registrations in the order they came, cancellations handing places on to the waiting
        list in turn, then who came through the door and who walked in."""
        rng = self.rng
        wanted = int(event.capacity * rng.uniform(*theme.demand))
        people = self.people(theme, squads, wanted)
        requests = []
        for person in people:
            at = event.starts_at - dt.timedelta(minutes=rng.randint(60, 21 * 24 * 60))
            cancels = at + (event.starts_at - at) * rng.random() if rng.random() < 0.06 else None
            requests.append((at, person, cancels))
        timeline: list[tuple[dt.datetime, int, Registration]] = []
        rows: list[Registration] = []
        for at, person, cancels in requests:
            row = Registration(
                event=event, member=person.member, name=person.name, phone=person.phone,
                code=self.code(), created_at=at,
            )  # fmt: skip
            rows.append(row)
            timeline.append((at, 0, row))
            if cancels is not None:
                timeline.append((cancels, 1, row))
        taken, waiting = 0, []
        for at, cancelling, row in sorted(timeline, key=lambda step: (step[0], step[1])):
            if not cancelling:
                if taken < event.capacity:
                    row.status, taken = Registration.Status.CONFIRMED, taken + 1
                else:
                    row.status = Registration.Status.WAITING
                    waiting.append(row)
                continue
            if row.status == Registration.Status.WAITING:
                waiting.remove(row)
            elif waiting:  # the place goes to the first in the queue
                promoted = waiting.pop(0)
                promoted.status, promoted.promoted_at = Registration.Status.CONFIRMED, at
            else:
                taken -= 1
            row.status, row.cancelled_at = Registration.Status.CANCELLED, at
        no_show = 0.18 if event.audience == Audience.PUBLIC else 0.07
        for row in rows:
            if row.status == Registration.Status.CONFIRMED and rng.random() >= no_show:
                row.checked_in_at = event.starts_at + dt.timedelta(
                    minutes=rng.randint(-30, 15), seconds=rng.randrange(60)
                )
                row.checked_in_by = rng.choice(door_staff)
        came = {row.phone for row in rows}
        walk_ins = (
            rng.randint(0, event.capacity // 8) if theme.who == "anyone" else rng.randint(0, 2)
        )
        for person in self.people(theme, squads, walk_ins):
            if person.phone in came:
                continue
            came.add(person.phone)
            at = event.starts_at + dt.timedelta(minutes=rng.randint(-10, 40))
            rows.append(
                Registration(
                    event=event, member=person.member, name=person.name,
                    phone=person.phone if person.member or rng.random() < 0.6 else "",
                    is_walk_in=True, code=self.code(), created_at=at, checked_in_at=at,
                    checked_in_by=rng.choice(door_staff),
                )
            )  # fmt: skip
        Registration.objects.bulk_create(rows)
        # As the door counts them: each person let in among the people reached, at once.
        let_in = sum(1 for row in rows if row.checked_in_at is not None)
        Event.objects.filter(pk=event.pk).update(taken=taken, people_reached=let_in)
        event.taken, event.people_reached = taken, let_in
        return Happened(rows, door_staff)

    def people(self, theme: Theme, squads: list[Squad], count: int) -> list[Person]:
        """Who registers: members of the squads invited, the leaders, the members, or the public
        (a quarter of them members)."""
        rng = self.rng
        if theme.who == "leaders":
            pool = self.leaders
        elif squads:
            invited = {s.pk for s in squads}
            pool = [m for m in self.members if m.squad_id in invited]
        else:
            pool = self.members
        if theme.who == "anyone":
            chosen_members = rng.sample(pool, min(len(pool), count // 4))
            public = rng.sample(self.public, min(len(self.public), count - len(chosen_members)))
            return [*map(as_person, chosen_members), *public]
        return [as_person(m) for m in rng.sample(pool, min(len(pool), count))]

    def code(self) -> str:
        while True:
            code = "".join(self.rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            if code not in self.codes:
                self.codes.add(code)
                return code

    def grant(self, event: Event, happened: Happened, briefing: SafetyBriefing) -> None:
        """What the training taught, granted by the door as each member was let in; then dated
        to the day."""
        marks = BriefingAcknowledgement.objects.aggregate(last=Max("pk"))["last"] or 0
        for row in happened.registrations:
            if row.checked_in_at is not None and row.member is not None:
                door.grant_training(event=event, registration=row, actor=row.checked_in_by)
        BriefingAcknowledgement.objects.filter(pk__gt=marks).update(acknowledged_at=event.starts_at)

    def close(
        self, event: Event, theme: Theme, words: dict[str, str], happened: Happened, closer: User
    ) -> None:
        """The staff's report, through the service: the people reached count in the figures."""
        rng = self.rng
        attended = sum(1 for row in happened.registrations if row.checked_in_at is not None)
        walk_ins = sum(1 for row in happened.registrations if row.is_walk_in)
        reached = attended + rng.randint(*theme.reach) if theme.reach[1] else attended
        figures = {
            "attended": attended, "walk_ins": walk_ins, "reached": reached,
            "capacity": len(self.members), "joined": rng.randint(1, 6),
            "questions": rng.randint(8, 40), "referred": rng.randint(1, 4),
            "served": max(1, attended // 2), "leaflets": rng.randrange(200, 1200, 50),
            "installs": rng.randint(20, 120), "donors": max(1, int(attended * 0.8)),
            "bags": rng.randint(20, 80), "ml": max(1, int(attended * 0.8)) * rng.choice((200, 300, 400)),
            **words,
        }  # fmt: skip
        manage.close_event(
            event=event, actor=closer, summary=theme.summary.format(**figures),
            people_reached=reached,
        )  # fmt: skip
        self.closed.append((event, theme.kind))

    def duty_shift(self, event: Event, people: int, created_at: dt.datetime) -> list[User]:
        """The event's duty shift in the calendar, claimed by members who came and earned their
        hours; they kept the door."""
        rng = self.rng
        shift = manage.add_duty_shift(event=event, actor=self.officer, people=people)
        Shift.objects.filter(pk=shift.pk).update(
            created_at=created_at, updated_at=created_at, taken=people
        )
        chosen = rng.sample(self.members, people)
        claims = Claim.objects.bulk_create(
            Claim(
                shift=shift, member=m, claimed_by=m.user,
                claimed_at=created_at + dt.timedelta(days=rng.randint(1, 7), minutes=rng.randrange(600)),
            )
            for m in chosen
        )  # fmt: skip
        length = event_minutes(event)
        point = (float(event.latitude or 0), float(event.longitude or 0))
        duties, arrivals = [], []
        for claim, member in zip(claims, chosen, strict=True):
            at = event.starts_at - dt.timedelta(minutes=rng.randint(10, 40))
            arrivals.append(at)
            out = shift.ends_at + dt.timedelta(minutes=rng.randint(-5, 15))
            where = self.near(point, 0.05)
            duties.append(
                Duty(
                    claim=claim, shift=shift, member=member, squad_id=member.squad_id,
                    area=event.area, status=Duty.Status.DONE, checked_in_at=at,
                    check_in_method=Duty.CheckIn.GPS, checked_in_by=member.user,
                    latitude=Decimal(f"{where[0]:.6f}"), longitude=Decimal(f"{where[1]:.6f}"),
                    distance_m=round(geo.distance_m(where, point)), checked_out_at=out,
                    check_out_method=Duty.CheckOut.SELF, checked_out_by=member.user,
                    minutes=self.rules.service_minutes(start=at, end=out, shift_minutes=length),
                    created_at=at,
                )
            )  # fmt: skip
        Duty.objects.bulk_create(duties)
        leader = chosen[0].squad.leader if chosen[0].squad else None
        PatrolLog.objects.create(
            shift=shift,
            area=event.area,
            summary=f"{people}名队员到岗，负责签到引导和现场秩序。全程秩序良好。",
            status=PatrolLog.Status.APPROVED,
            approved_by=leader or self.officer,
            approved_at=event.ends_at + dt.timedelta(hours=rng.randint(2, 24)),
            created_at=min(arrivals),
        )
        return [m.user for m in chosen]

    # What is coming.

    def coming(self) -> None:
        today = timezone.localdate()
        for days, key, title in COMING:
            theme = THEMES[key]
            first = key == "open_day"
            if first:  # on the day, whatever day of the week: the home page shows it first
                theme = dataclasses.replace(theme, weekend=False)
            starts_at, _ends = self.when(today + dt.timedelta(days=days), theme)
            self.planned(theme, title, starts_at, first=first)
        text, description = TRAFFIC_TRAINING
        theme = dataclasses.replace(THEMES["venue_training"], grants_briefing=ShiftKind.TRAFFIC)
        starts_at, _ends = self.when(today + dt.timedelta(days=10), theme)
        self.planned(theme, text, starts_at, description=description, seats=30)
        title, description = PLANNED
        starts_at, _ends = self.when(today + dt.timedelta(days=40), THEMES["leaders"])
        self.planned(
            THEMES["leaders"], title, starts_at, description=description, status=Event.Status.DRAFT
        )

    def planned(
        self,
        theme: Theme,
        title: str,
        starts_at: dt.datetime,
        *,
        first: bool = False,
        description: str = "",
        seats: int = 0,
        status: str = Event.Status.PUBLISHED,
    ) -> Event:
        """An event to come, made and registered for through the services."""
        rng = self.rng
        place = self.place(theme, 0 if first else rng.randrange(len(self.towns)))
        words = self.texts(theme, title, place, starts_at)
        leader = self.b.leaders[0]  # the demo's squad-leader login keeps the open day's door
        event = manage.save_event(
            actor=self.officer,
            kind=theme.kind,
            title=words["title"],
            description=description or words["description"],
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(minutes=theme.minutes),
            place_name=place.name,
            address=place.address,
            latitude=Decimal(f"{place.point[0]:.6f}"),
            longitude=Decimal(f"{place.point[1]:.6f}"),
            area=place.area,
            squad=place.squad,
            capacity=seats or theme.capacity,
            audience=theme.audience,
            grants_skill=theme.grants_skill,
            grants_briefing=theme.grants_briefing,
            status=status,
            partners=[self.partners[k] for k in theme.partners if k in self.partners],
            staff=[self.officer, leader] if first else [self.officer],
        )
        self.count += 1
        if status != Event.Status.PUBLISHED:
            return event
        # A few have registered already; the open day keeps most of its places.
        count = rng.randint(5, 8) if first else rng.randint(2, event.capacity // 3)
        for person in self.people(theme, [], count):
            if person.member is not None:
                registrations.register_member(event=event, user=person.member.user)
            else:
                registrations.register(event=event, name=person.name, phone=person.phone)
            self.registered += 1
        if first:
            self.open_day_duty(event, theme.duty)
            self.photo(event, is_report=False, caption="上次开放日，民警为网友讲解执勤装备")
        return event

    def open_day_duty(self, event: Event, people: int) -> None:
        """The coming open day's duty shift, claimed through the calendar's rules (the demo's
        volunteer login among them, if the rules let them)."""
        shift = manage.add_duty_shift(event=event, actor=self.officer, people=people)
        volunteer = self.b.volunteer.membership
        for member in [volunteer, *self.rng.sample(self.members, 4)]:
            if shift.taken >= people - 1:  # a place left for someone to claim
                break
            try:
                shift_claims.claim_shift(shift=shift, member=member, actor=member.user)
            except DomainError:
                continue  # another shift then, a missing briefing: as the calendar would say
            shift.refresh_from_db()

    # Photos.

    def photos(self) -> int:
        """A photo or two of the day on the last closed events of each kind."""
        made, seen = 0, set()
        for event, kind in reversed(self.closed):
            if kind in seen or made >= PHOTOGRAPHED:
                continue
            seen.add(kind)
            for number in range(1 + (kind == Kind.OPEN_DAY)):
                self.photo(
                    event,
                    is_report=True,
                    caption=f"{event.title}现场" + ("（二）" if number else ""),
                )
                made += 1
        return made

    def photo(self, event: Event, *, is_report: bool, caption: str) -> EventPhoto:
        """Added through the service, as staff would from their phones, then dated."""
        # A poster for an event to come shows the last one of its kind.
        earlier = [e.starts_at for e, kind in self.closed if kind == event.kind]
        taken_at = event.starts_at if is_report else max(earlier, default=self.now)
        upload = SimpleUploadedFile("photo.jpg", picture_of(self.rng, taken_at), "image/jpeg")
        mark = AuditEntry.objects.aggregate(last=Max("pk"))["last"] or 0
        photo = manage.add_photo(
            event=event, upload=upload, actor=self.officer, is_report=is_report, caption=caption
        )
        at = min(event.ends_at + dt.timedelta(hours=2), self.now) if is_report else self.now
        EventPhoto.objects.filter(pk=photo.pk).update(added_at=at)
        AuditEntry.objects.filter(pk__gt=mark).update(at=at)
        return photo


def as_person(member: Member) -> Person:
    return Person(member.user.name, member.user.phone, member)


def event_minutes(event: Event) -> int:
    return int((event.ends_at - event.starts_at).total_seconds() // 60)


def picture_of(rng: random.Random, at: dt.datetime) -> bytes:
    """A small made-up photo of the day: a red banner over a crowd, with the camera's date."""
    image = Image.new("RGB", (480, 320), (rng.randrange(150, 200), rng.randrange(180, 215), 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 200, 480, 320), fill=(150, 140, 125))  # the ground
    draw.rectangle((60, 40, 420, 80), fill=(200, 30, 35))  # the banner
    for x in range(80, 400, 40):
        draw.rectangle((x, 52, x + 24, 68), fill=(250, 220, 120))  # its characters, unread
    for _ in range(14):  # people
        x, y = rng.randrange(10, 450), rng.randrange(150, 250)
        draw.ellipse((x, y, x + 18, y + 18), fill=(225, 185, 150))
        vest = (255, 140, 0) if rng.random() < 0.3 else (rng.randrange(30, 120),) * 3
        draw.rectangle((x - 3, y + 18, x + 21, y + 60), fill=vest)
    stamp = f"{timezone.localtime(at):%Y-%m-%d %H:%M}"
    draw.text((10, 300), stamp, fill=(255, 210, 0))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=75)
    return out.getvalue()


def build(b: Any) -> dict[str, int]:
    """Two years of events and the ones to come, for a county built by `county.Builder`."""
    made = Events(b)
    made.past()
    made.coming()
    photos = made.photos()
    return {"events": made.count, "registrations": made.registered, "event_photos": photos}
