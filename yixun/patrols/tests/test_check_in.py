"""Check-in: the site's own code, a position inside the radius, the leader by hand; and the
refusals, each saying what to do."""

import datetime as dt
import uuid

import pytest
import time_machine
from django.utils import timezone

from yixun.audit.models import AuditEntry
from yixun.patrols.models import Duty, DutyRules
from yixun.patrols.services import duty as duties
from yixun.patrols.services.errors import DutyRefused, NotAllowed
from yixun.patrols.tests.conftest import make_shift, put_on
from yixun.shifts.models import Shift

NEAR_SCHOOL = (31.0009, 114.0)  # about 100 m north of the school
FAR = (31.02, 114.0)  # about 2.2 km north


def test_the_sites_code_checks_the_volunteer_in(claim, volunteer, school) -> None:
    duty, created = duties.check_in(
        claim=claim, actor=volunteer, method=Duty.CheckIn.QR, token=school.qr_token
    )
    assert created and duty.status == Duty.Status.ON_DUTY
    assert duty.squad == claim.member.squad and duty.area == school.area
    assert duty.late_minutes == 0
    assert AuditEntry.objects.filter(
        action="patrols.duty.checked_in", target_id=str(duty.pk)
    ).exists()


def test_another_sites_code_is_refused_and_named(claim, volunteer, market) -> None:
    with pytest.raises(DutyRefused) as refusal:
        duties.check_in(claim=claim, actor=volunteer, method=Duty.CheckIn.QR, token=market.qr_token)
    assert refusal.value.code == "wrong_site"
    assert "城关农贸市场" in refusal.value.message and "城关一中" in refusal.value.message
    assert not Duty.objects.exists()


def test_a_scan_finds_the_shift_the_site_belongs_to(claim, volunteer, school, market) -> None:
    assert duties.claim_for_site(claim.member, school) == claim
    with pytest.raises(DutyRefused, match="城关一中"):
        duties.claim_for_site(claim.member, market)


def test_gps_inside_the_radius_checks_in(claim, volunteer) -> None:
    duty, _ = duties.check_in(claim=claim, actor=volunteer, method="gps", point=NEAR_SCHOOL)
    assert 90 <= duty.distance_m <= 110
    assert float(duty.latitude) == NEAR_SCHOOL[0]


def test_gps_outside_says_how_far_away(claim, volunteer) -> None:
    with pytest.raises(DutyRefused) as refusal:
        duties.check_in(claim=claim, actor=volunteer, method="gps", point=FAR)
    assert refusal.value.code == "too_far"
    assert "2,224 m" in refusal.value.message and "200 m" in refusal.value.message


def test_the_radius_is_the_officers_to_set(claim, volunteer) -> None:
    DutyRules.objects.update_or_create(pk=1, defaults={"radius_m": 50})
    with pytest.raises(DutyRefused, match="50 m"):
        duties.check_in(claim=claim, actor=volunteer, method="gps", point=NEAR_SCHOOL)


def test_on_a_route_the_distance_is_to_the_line(route, volunteer) -> None:
    shift = make_shift(route)
    claim = put_on(shift, volunteer)
    halfway_beside = (31.005, 114.001)  # beside the middle of the leg, ~95 m east
    duty, _ = duties.check_in(claim=claim, actor=volunteer, method="gps", point=halfway_beside)
    assert duty.distance_m < 100


def test_in_an_area_any_of_its_sites_counts(town, market, school, volunteer) -> None:
    claim = put_on(make_shift(town), volunteer)
    duty, _ = duties.check_in(claim=claim, actor=volunteer, method="qr", token=market.qr_token)
    assert duty.area == town


def test_check_in_opens_shortly_before_the_start(school, volunteer) -> None:
    claim = put_on(make_shift(school, started_minutes_ago=-60), volunteer)
    with pytest.raises(DutyRefused) as refusal:
        duties.check_in(claim=claim, actor=volunteer, method="qr", token=school.qr_token)
    assert refusal.value.code == "too_early"
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=35)):
        duty, _ = duties.check_in(claim=claim, actor=volunteer, method="qr", token=school.qr_token)
    assert duty.late_minutes == 0


def test_a_late_arrival_is_recorded_against_the_claim(school, volunteer) -> None:
    claim = put_on(make_shift(school, started_minutes_ago=25), volunteer)
    duty, _ = duties.check_in(claim=claim, actor=volunteer, method="qr", token=school.qr_token)
    assert duty.late_minutes in (25, 26) and duty.is_late


def test_nobody_checks_in_for_someone_else_but_the_leader(
    claim, volunteer2, leader, other_volunteer, officer
) -> None:
    with pytest.raises(NotAllowed):
        duties.check_in(claim=claim, actor=volunteer2, method="qr", token=claim.shift.site.qr_token)
    with pytest.raises(NotAllowed):
        duties.check_in(claim=claim, actor=other_volunteer, method="leader", reason="x")
    with pytest.raises(DutyRefused, match="why"):
        duties.check_in(claim=claim, actor=leader, method="leader", reason=" ")
    duty, _ = duties.check_in(claim=claim, actor=leader, method="leader", reason="手机没电")
    assert duty.check_in_method == "leader" and duty.checked_in_by == leader
    entry = AuditEntry.objects.get(action="patrols.duty.checked_in", target_id=str(duty.pk))
    assert entry.actor == leader and entry.data["reason"] == "手机没电"


def test_the_same_key_twice_makes_one_duty(claim, volunteer, school) -> None:
    key = uuid.uuid4()
    first, created = duties.check_in(
        claim=claim, actor=volunteer, method="qr", token=school.qr_token, key=key
    )
    again, created_again = duties.check_in(
        claim=claim, actor=volunteer, method="qr", token=school.qr_token, key=key
    )
    assert created and not created_again and first.pk == again.pk
    assert Duty.objects.count() == 1


def test_someone_elses_key_is_refused(claim, volunteer, volunteer2, school) -> None:
    key = uuid.uuid4()
    duties.check_in(claim=claim, actor=volunteer, method="qr", token=school.qr_token, key=key)
    other = put_on(claim.shift, volunteer2)
    with pytest.raises(duties.Conflict):
        duties.check_in(claim=other, actor=volunteer2, method="qr", token=school.qr_token, key=key)


def test_the_time_it_happened_is_kept(claim, volunteer, school) -> None:
    scanned = timezone.now() - dt.timedelta(minutes=3)
    duty, _ = duties.check_in(
        claim=claim, actor=volunteer, method="qr", token=school.qr_token, at=scanned
    )
    assert duty.checked_in_at == scanned
    with pytest.raises(DutyRefused, match="future"):
        duties.check_in(
            claim=claim,
            actor=volunteer,
            method="qr",
            token=school.qr_token,
            at=timezone.now() + dt.timedelta(hours=1),
            key=uuid.uuid4(),
        )


def test_another_squads_leader_on_the_shift_does_not_lead_it(
    school, volunteer, leader, other_volunteer, other_squad
) -> None:
    other_squad.leader = other_volunteer
    other_squad.save(update_fields=["leader"])
    from yixun.accounts.roles import Role
    from yixun.accounts.services import grant_role

    grant_role(user=other_volunteer, role=Role.SQUAD_LEADER, actor=None)
    shift = make_shift(school, squad=leader.membership.squad)
    claim = put_on(shift, volunteer)
    put_on(shift, other_volunteer)  # the other squad's leader holds a place on it
    with pytest.raises(NotAllowed):
        duties.check_in(claim=claim, actor=other_volunteer, method="leader", reason="x")
    assert not duties.may_lead(other_volunteer, shift) and duties.may_lead(leader, shift)


def test_rounding_never_lifts_hours_past_the_cap() -> None:
    rules = DutyRules(grace_minutes=30, round_to_minutes=60, rounding="up")
    start = timezone.now()
    assert (
        rules.service_minutes(start=start, end=start + dt.timedelta(hours=9), shift_minutes=240)
        == 270
    )


def test_online_moderation_duty_needs_no_place(moderator, squad) -> None:
    from yixun.members.models import Member

    Member.objects.create(user=moderator, squad=squad)
    starts = timezone.now() - dt.timedelta(minutes=2)
    shift = Shift.objects.create(
        kind="moderation",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=4),
        capacity=2,
        min_people=1,
    )
    claim = put_on(shift, moderator)
    duty, _ = duties.check_in(claim=claim, actor=moderator, method="gps", point=(0.0, 0.0))
    assert duty.check_in_method == "online" and duty.latitude is None and duty.distance_m is None
