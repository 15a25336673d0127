"""A small county for the schema test to call the API against: every kind of object an
operation finds by id, so that generated calls reach the rules and not only "not found".

Built straight into the tables where the services' own tests cover the path there, and through
the services where they set up what the API then reads (a published notice, a tip's clocks)."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.utils import timezone

from yixun.accounts.models import User
from yixun.api.tests import formats
from yixun.bulletins import services as bulletins
from yixun.bulletins.sightings import report_sighting
from yixun.events.models import Event
from yixun.events.services import manage as events
from yixun.events.services import registration as event_registrations
from yixun.lib import resident_id
from yixun.members.models import (
    Member,
    PartnerOrganisation,
    RulebookVersion,
    Squad,
)
from yixun.members.services import applications, insurance, rulebook
from yixun.patrols.models import Duty, HoursCorrection
from yixun.patrols.services import logs
from yixun.places.models import Area, PoliceStation, Route, RouteStop, Site
from yixun.shifts.models import Claim, PolicePatrol, Shift
from yixun.tips.models import Tip
from yixun.tips.services import intake
from yixun.worker.models import Delivery


@dataclass
class World:
    """The ids the API's parameters and body fields name, by the name they go by."""

    ids: dict[str, list[int | str]] = field(default_factory=dict)

    def add(self, names: str, *values: int | str) -> None:
        for name in names.split():
            self.ids.setdefault(name, []).extend(values)


def _jpeg() -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.jpg", formats.image("JPEG"), content_type="image/jpeg")


def _claim(shift: Shift, user: User) -> Claim:
    Shift.objects.filter(pk=shift.pk).update(taken=F("taken") + 1)
    return Claim.objects.create(shift=shift, member=Member.objects.get(user=user), claimed_by=user)


def build(
    *,
    leader: User,
    volunteer: User,
    volunteer2: User,
    other_volunteer: User,
    moderator: User,
    police: User,
    officer: User,
) -> World:
    world = World()
    now = timezone.now()
    squad = Squad.objects.get(leader=leader)
    other_squad = Member.objects.get(user=other_volunteer).squad
    assert other_squad is not None

    station = PoliceStation.objects.create(name="城关派出所")
    station.liaisons.add(police)
    county = Area.objects.create(name="示范县", level="county")
    town = Area.objects.create(name="城关镇", level="town", parent=county, station=station)
    village = Area.objects.create(name="东关村", level="community", parent=town)
    squad.area = town
    squad.save(update_fields=["area"])
    school = Site.objects.create(
        name="城关一中",
        kind="school",
        area=town,
        latitude=Decimal("31.000000"),
        longitude=Decimal("114.000000"),
    )
    market = Site.objects.create(
        name="城关农贸市场",
        kind="market",
        area=village,
        latitude=Decimal("31.010000"),
        longitude=Decimal("114.000000"),
    )
    route = Route.objects.create(name="城关环线", area=town, length_m=1100)
    for position, site in enumerate([school, market]):
        RouteStop.objects.create(
            route=route,
            position=position,
            site=site,
            latitude=site.latitude,
            longitude=site.longitude,
        )

    # Shifts: one on now (check-in opens), one to come, one done yesterday (its log and hours).
    on_now = Shift.objects.create(
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=3),
        site=school,
        squad=squad,
        min_people=1,
        capacity=4,
    )
    coming = Shift.objects.create(
        starts_at=now + dt.timedelta(days=2),
        ends_at=now + dt.timedelta(days=2, hours=3),
        route=route,
        min_people=2,
        capacity=3,
    )
    yesterday = Shift.objects.create(
        starts_at=now - dt.timedelta(days=1),
        ends_at=now - dt.timedelta(days=1) + dt.timedelta(hours=3),
        site=market,
        squad=squad,
        min_people=1,
        capacity=4,
    )
    full = Shift.objects.create(
        starts_at=now + dt.timedelta(days=3),
        ends_at=now + dt.timedelta(days=3, hours=2),
        area=village,
        min_people=1,
        capacity=1,
    )
    claims = [
        _claim(on_now, volunteer),
        _claim(on_now, leader),
        _claim(coming, volunteer2),
        _claim(full, other_volunteer),
    ]
    done_claim = _claim(yesterday, volunteer)
    member = Member.objects.get(user=volunteer)
    done = Duty.objects.create(
        claim=done_claim,
        shift=yesterday,
        member=member,
        squad=squad,
        area=village,
        status=Duty.Status.DONE,
        checked_in_at=yesterday.starts_at,
        check_in_method="qr",
        checked_out_at=yesterday.starts_at + dt.timedelta(minutes=150),
        check_out_method="self",
        minutes=150,
    )
    correction = HoursCorrection.objects.create(
        duty=done,
        minutes_before=150,
        minutes_asked=170,
        reason="签退晚了二十分钟",
        asked_by=volunteer,
    )
    inspection, _new = logs.record_inspection(
        shift=yesterday, actor=volunteer, site=market, finding="hazard", note="消防通道堵塞"
    )
    incident, _new = logs.record_incident(
        shift=yesterday,
        actor=volunteer,
        kind="rescue",
        account="帮助走失老人回家",
        place="市场东门",
        point=None,
        people_helped=1,
        leaflets=0,
        people_reached=0,
    )
    photo, _new = logs.add_photo(
        shift=yesterday, actor=volunteer, upload=_jpeg(), inspection=inspection
    )
    PolicePatrol.objects.create(
        force="armed",
        station=station,
        area=town,
        weekdays=[0, 1, 2, 3, 4, 5, 6],
        starts=dt.time(20, 0),
        ends=dt.time(22, 0),
        valid_from=timezone.localdate() - dt.timedelta(days=30),
    )

    # The rules: a membership notice (applications need its current version) and a charter.
    notice = rulebook.create_document(kind="membership_notice", title="入会须知", actor=officer)
    version = rulebook.publish_version(
        document=notice, body="# 入会须知\n\n服从安排，注意安全。", change_note="", actor=officer
    )
    charter = rulebook.create_document(kind="charter", title="协会章程", actor=officer)
    rulebook.publish_version(
        document=charter, body="# 章程\n\n第一条", change_note="", actor=officer
    )
    rulebook.publish_version(
        document=charter, body="# 章程\n\n第一条\n\n第二条", change_note="增补", actor=officer
    )
    first17 = f"420923{timezone.localdate().year - 30}0101123"
    application, _token = applications.submit_application(
        submission=applications.Submission(
            name="孙立新",
            phone="+8613800138000",
            id_number=resident_id.parse(first17 + resident_id.check_character(first17)),
            notice_version=version,
            occupation="teacher",
            emergency_name="孙大伟",
            emergency_phone="+8613800138001",
        ),
        address="10.9.9.9",
    )
    policy = insurance.save_policy(
        actor=officer,
        insurer="中国人寿",
        number="PICC-2026-001",
        starts_on=timezone.localdate() - dt.timedelta(days=10),
        ends_on=timezone.localdate() + dt.timedelta(days=355),
        sum_insured=Decimal("200000.00"),
    )
    insurance.cover_members(policy=policy, members=[member], actor=officer)
    partner = PartnerOrganisation.objects.create(name="城关中学", kind="school")

    # Tips: a new one, one forwarded to the police liaison's station, one in the spam folder.
    tips = [
        intake.submit_tip(
            report=intake.Report(
                category="public_order",
                text=text,
                place="城关镇菜市场",
                contact_name="李先生",
                contact_phone="13912345678",
            ),
            address=f"10.0.0.{n}",
        )
        for n, text in enumerate(
            [
                "菜市场门口有人打架，已经有人受伤",
                "学校门口有可疑人员徘徊多日",
                "小区里电动车充电起火了",
            ],
            start=1,
        )
    ]
    Tip.objects.filter(pk=tips[1].pk).update(
        status=Tip.Status.FORWARDED,
        area=town,
        station=station,
        forwarded_at=now,
        acknowledged_at=now,
        forward_summary="城关一中门口可疑人员",
    )
    Tip.objects.filter(pk=tips[2].pk).update(status=Tip.Status.SPAM)

    # Bulletins: a notice out to the public, a draft alert, an urgent alert waiting for the police.
    notice_out = bulletins.save_bulletin(
        actor=moderator,
        kind="notice",
        title="夜巡集合时间调整",
        body="本周起晚八点集合。",
        to_public=True,
    )
    bulletins.submit_bulletin(actor=moderator, bulletin=notice_out)
    bulletins.approve_bulletin(actor=officer, bulletin=notice_out)
    draft = bulletins.save_bulletin(
        actor=moderator,
        kind="alert",
        title="警惕电信诈骗",
        body="草稿",
        squads=[squad],
    )
    urgent = bulletins.save_bulletin(
        actor=moderator,
        kind="urgent",
        title="寻找走失老人",
        body="身穿蓝色外套。",
        to_members=True,
        areas=[town],
    )
    bulletins.submit_bulletin(actor=moderator, bulletin=urgent)
    # An urgent alert the police sent at once, out to the public: it takes sightings, has one,
    # and its delivery log holds a robot post that failed for good (its robot since removed, so
    # that resending it posts nowhere).
    searching = bulletins.save_bulletin(
        actor=police,
        kind="urgent",
        title="寻找走失男孩",
        body="八岁，身穿红色上衣。",
        to_public=True,
    )
    bulletins.send_at_once(actor=police, bulletin=searching)
    sighting = report_sighting(
        bulletin=searching,
        report=intake.Report(category="missing_person", text="在城关一中门口看见穿红衣的男孩"),
        address="10.0.1.1",
    )
    Delivery.objects.create(
        key=f"bulletin-{searching.pk}-r0-robot-999999",
        channel=Delivery.Channel.ROBOT,
        about=f"bulletins.bulletin:{searching.pk}",
        recipient="城关群 (https://qyapi.weixin.qq.com)",
        status=Delivery.Status.FAILED,
        attempts=4,
        last_answer="HTTP 502",
    )

    # Events: an open day to come (places left, a partner, the leader at its door), a talk on
    # now (its door open, a ticket to check in), a members' meeting over, and a draft.
    def event(
        starts_in: dt.timedelta, kind: str = "open_day", title: str = "警营开放日", **fields: Any
    ) -> Event:
        starts = now + starts_in
        return events.save_event(
            actor=officer,
            kind=kind,
            title=title,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=3),
            place_name="城关派出所",
            capacity=20,
            **fields,
        )

    open_day = event(dt.timedelta(days=4), staff=[leader], partners=[partner])
    talk = event(dt.timedelta(minutes=-30), kind="talk", title="反诈讲座", staff=[leader])
    meeting = event(dt.timedelta(days=-20), kind="meeting", title="会员大会", audience="members")
    planned = event(dt.timedelta(days=30), title="草稿", status="draft")
    tickets = [
        event_registrations.register(event=talk, name="钱女士", phone="+8613812345678"),
        event_registrations.register(event=open_day, name="孙先生", phone="+8613812345679"),
        event_registrations.register_member(event=talk, user=volunteer),
    ]

    people = [leader, volunteer, volunteer2, other_volunteer, moderator, police, officer]
    members = list(Member.objects.values_list("pk", flat=True))
    world.add("area area_id home_area_id", county.pk, town.pk, village.pk)
    world.add("site site_id", school.pk, market.pk)
    world.add("route_id", route.pk)
    world.add("shift shift_id shift_ids", on_now.pk, coming.pk, yesterday.pk, full.pk)
    world.add("claim claim_id", *(c.pk for c in claims))
    world.add("duty_id", done.pk)
    world.add("correction_id", correction.pk)
    world.add("inspection inspection_id", inspection.pk)
    world.add("incident incident_id", incident.pk)
    world.add("photo_id", photo.pk)
    world.add("squad squad_id", squad.pk, other_squad.pk)
    world.add("member_id member_ids", *members)
    world.add("actor_id to user_ids", *(person.pk for person in people))
    world.add("application_id", application.pk)
    world.add("document_id", notice.pk, charter.pk)
    world.add("number", 1, 2)
    world.add("notice_version_id", version.pk)
    world.add("policy_id", policy.pk)
    world.add("partner_id", partner.pk)
    world.add("tip_id into ids", *(tip.pk for tip in tips))
    world.add("code", *(tip.code for tip in tips))
    world.add("bulletin_id", notice_out.pk, draft.pk, urgent.pk, searching.pk)
    world.add("tip_id", sighting.tip_id)
    world.add("squad_ids", squad.pk, other_squad.pk)
    world.add("area_ids", county.pk, town.pk, village.pk)
    world.add("event_id", *(e.pk for e in (open_day, talk, meeting, planned)))
    world.add("token", *(ticket.token for ticket in tickets))
    world.add("code", *(ticket.code for ticket in tickets))
    world.add("partner_ids", partner.pk)
    world.add("staff_ids", *(person.pk for person in people))
    assert RulebookVersion.objects.filter(pk=version.pk).exists()
    return world
