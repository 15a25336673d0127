"""On duty through the API: check-in and out with idempotency keys, who is on duty now, hours
and their corrections; and that nobody reaches another squad's duties."""

import datetime as dt
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from yixun.accounts.models import User
from yixun.audit.models import AuditEntry
from yixun.members.models import Member
from yixun.patrols.models import Duty, HoursCorrection
from yixun.patrols.services import duty as duties
from yixun.patrols.tests import conftest as patrols
from yixun.patrols.tests.conftest import make_shift, put_on
from yixun.places.models import Site
from yixun.shifts.models import Claim, Shift

NEAR_SCHOOL = {"latitude": 31.0009, "longitude": 114.0}  # about 100 m north of the school
FAR = {"latitude": 31.02, "longitude": 114.0}  # about 2.2 km north
CHECK_IN = "/api/v1/duties/check-in"

# The duty tests' county: a town with a school and a market about 1.1 km apart.
town, school, market = patrols.town, patrols.school, patrols.market


@pytest.fixture
def shift(school: Site) -> Shift:
    return make_shift(school)


@pytest.fixture
def claim(shift: Shift, volunteer: User) -> Claim:
    return put_on(shift, volunteer)


def write(client: Client, path: str, data: Any = None, *, key: Any = None, **extra: Any) -> Any:
    """A write as a phone sends it: JSON, with a fresh idempotency key unless one is given."""
    return client.post(
        path,
        {} if data is None else data,
        content_type="application/json",
        headers={"Idempotency-Key": str(key or uuid.uuid4())},
        **extra,
    )


def in_english(user: User) -> User:
    """Messages come in the signed-in person's own language; English makes them plain to test."""
    user.language = "en"
    user.save(update_fields=["language"])
    return user


def checked_in(claim: Claim, at: dt.datetime | None = None) -> Duty:
    user = claim.member.user
    return duties.check_in(
        claim=claim, actor=user, method="qr", token=claim.shift.site.qr_token, at=at
    )[0]  # type: ignore[union-attr]


def done(user: User, school: Site, starts_at: dt.datetime, minutes: int) -> Duty:
    """A duty done long ago (set straight into the table: the rules are the services' tests)."""
    shift = Shift.objects.create(
        starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=3), site=school, capacity=4
    )
    claim = put_on(shift, user)
    member = Member.objects.get(user=user)
    return Duty.objects.create(
        claim=claim,
        shift=shift,
        member=member,
        squad=member.squad,
        area=school.area,
        status=Duty.Status.DONE,
        checked_in_at=starts_at,
        check_in_method="qr",
        checked_out_at=starts_at + dt.timedelta(minutes=minutes),
        check_out_method="self",
        minutes=minutes,
    )


def test_the_sites_code_checks_in_and_a_resend_gets_the_same_answer(
    login, volunteer, claim, school
) -> None:
    client, key = login(volunteer), uuid.uuid4()
    first = write(
        client,
        CHECK_IN,
        {"shift": claim.shift_id, "method": "qr", "token": school.qr_token},
        key=key,
    )
    assert first.status_code == 201
    body = first.json()
    assert body["member"] == "张志愿" and body["place"] == "城关一中"
    assert body["status"] == "on_duty" and body["method"] == "qr" and body["late_minutes"] == 0
    assert body["checked_out_at"] is None and body["is_flagged"] is False
    again = write(
        client,
        CHECK_IN,
        {"shift": claim.shift_id, "method": "qr", "token": school.qr_token},
        key=key,
    )
    assert again.status_code == 201
    assert again.json() == body
    assert Duty.objects.count() == 1


def test_a_second_check_in_under_another_key_finds_the_duty(
    login, volunteer, claim, school
) -> None:
    client = login(volunteer)
    data = {"shift": claim.shift_id, "method": "qr", "token": school.qr_token}
    first = write(client, CHECK_IN, data)
    second = write(client, CHECK_IN, data)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"]


@pytest.mark.parametrize("key", [None, "", "not-a-uuid", "12345"])
def test_a_write_without_a_valid_idempotency_key_is_refused(
    login, volunteer, claim, school, key
) -> None:
    headers = {} if key is None else {"Idempotency-Key": key}
    response = login(in_english(volunteer)).post(
        CHECK_IN,
        {"shift": claim.shift_id, "method": "qr", "token": school.qr_token},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key"
    assert "Idempotency-Key" in response.json()["message"]
    assert not Duty.objects.exists()


def test_the_geofence_refusal_says_how_far_and_how_near(login, volunteer, claim) -> None:
    response = write(
        login(in_english(volunteer)),
        CHECK_IN,
        {"shift": claim.shift_id, "method": "gps", **FAR},
    )
    assert response.status_code == 409
    assert response.json() == {
        "code": "too_far",
        "message": "You are 2,224 m from 城关一中. Come within 200 m to check in.",
    }
    assert not Duty.objects.exists()


def test_a_position_inside_the_radius_checks_in(login, volunteer, claim) -> None:
    response = write(
        login(volunteer), CHECK_IN, {"shift": claim.shift_id, "method": "gps", **NEAR_SCHOOL}
    )
    assert response.status_code == 201
    assert 90 <= response.json()["distance_m"] <= 110
    assert response.json()["method"] == "gps"


def test_half_a_position_does_not_fit(login, volunteer, claim) -> None:
    response = write(
        login(volunteer), CHECK_IN, {"shift": claim.shift_id, "method": "gps", "latitude": 31.0}
    )
    assert response.status_code == 422


def test_a_time_without_its_zone_is_refused(login, volunteer, claim, school) -> None:
    naive = timezone.localtime().replace(tzinfo=None).isoformat()
    response = write(
        login(in_english(volunteer)),
        CHECK_IN,
        {"shift": claim.shift_id, "method": "qr", "token": school.qr_token, "at": naive},
    )
    # The document's pattern for a time asks for the offset: a time without one is bad input.
    assert response.status_code == 422
    assert [error["location"][-1] for error in response.json()["errors"]] == ["at"]


def test_a_time_with_its_zone_is_the_check_in_time(login, volunteer, claim, school) -> None:
    at = timezone.localtime(claim.shift.starts_at).replace(microsecond=0)  # +08:00
    response = write(
        login(volunteer),
        CHECK_IN,
        {"shift": claim.shift_id, "method": "qr", "token": school.qr_token, "at": at.isoformat()},
    )
    assert response.status_code == 201
    assert dt.datetime.fromisoformat(response.json()["checked_in_at"]) == at


def test_only_the_holder_of_a_place_checks_in_on_it(
    login, public, other_volunteer, volunteer2, police, claim, school
) -> None:
    data = {"shift": claim.shift_id, "method": "qr", "token": school.qr_token}
    for user in (other_volunteer, volunteer2):
        assert write(login(user), CHECK_IN, data).status_code == 404
    # A police liaison holds no place in the association: refused before the body is read.
    assert write(login(police), CHECK_IN, data).status_code == 403
    assert write(public, CHECK_IN, data).status_code == 401
    assert not Duty.objects.exists()


def test_the_leader_checks_a_member_in_by_hand(login, leader, claim) -> None:
    client, key = login(leader), uuid.uuid4()
    data = {"claim": claim.pk, "reason": "手机没电"}
    first = write(client, "/api/v1/duties/manual-check-in", data, key=key)
    assert first.status_code == 201
    assert first.json()["method"] == "leader" and first.json()["member"] == "张志愿"
    again = write(client, "/api/v1/duties/manual-check-in", data, key=key)
    assert (again.status_code, again.json()) == (201, first.json())
    assert Duty.objects.get().manual_reason == "手机没电"


def test_nobody_else_checks_a_member_in_by_hand(
    login, public, volunteer, volunteer2, other_volunteer, police, claim
) -> None:
    data = {"claim": claim.pk, "reason": "x"}
    path = "/api/v1/duties/manual-check-in"
    assert write(login(volunteer2), path, data).status_code == 403  # a squad-mate sees, may not
    assert write(login(volunteer), path, data).status_code == 403  # not by hand for oneself
    assert write(login(police), path, data).status_code == 403
    assert write(login(other_volunteer), path, data).status_code == 404
    assert write(public, path, data).status_code == 401
    assert not Duty.objects.exists()


def test_check_out_credits_the_minutes_and_a_resend_changes_nothing(
    login, volunteer, school
) -> None:
    claim = put_on(make_shift(school, started_minutes_ago=60), volunteer)
    duty = checked_in(claim, at=claim.shift.starts_at)
    client, key = login(volunteer), uuid.uuid4()
    first = write(client, f"/api/v1/duties/{duty.pk}/check-out", {}, key=key)
    assert first.status_code == 200
    assert first.json()["status"] == "done" and first.json()["minutes"] == 60
    again = client.post(  # no body at all: "now" is the default
        f"/api/v1/duties/{duty.pk}/check-out",
        content_type="application/json",
        headers={"Idempotency-Key": str(key)},
    )
    assert (again.status_code, again.json()) == (200, first.json())


def test_a_key_that_ended_one_duty_cannot_end_another(login, volunteer, school, market) -> None:
    first = checked_in(put_on(make_shift(school), volunteer))
    second = checked_in(put_on(make_shift(market, started_minutes_ago=1), volunteer))
    client, key = login(volunteer), uuid.uuid4()
    assert write(client, f"/api/v1/duties/{first.pk}/check-out", key=key).status_code == 200
    reused = write(client, f"/api/v1/duties/{second.pk}/check-out", key=key)
    assert (reused.status_code, reused.json()["code"]) == (409, "key_reused")
    second.refresh_from_db()
    assert second.status == Duty.Status.ON_DUTY


def test_another_squad_the_police_and_the_public_cannot_check_a_duty_out(
    login, public, volunteer2, other_volunteer, police, claim
) -> None:
    duty = checked_in(claim)
    path = f"/api/v1/duties/{duty.pk}/check-out"
    assert write(login(other_volunteer), path).status_code == 404
    assert write(login(volunteer2), path).status_code == 404
    assert write(login(police), path).status_code == 403  # sees every duty, ends none
    assert write(public, path).status_code == 401
    duty.refresh_from_db()
    assert duty.status == Duty.Status.ON_DUTY


def test_my_duties_are_mine_alone(
    login, volunteer, other_volunteer, school, django_assert_max_num_queries
) -> None:
    for started in (5, 300):
        checked_in(put_on(make_shift(school, started_minutes_ago=started, hours=6), volunteer))
    checked_in(put_on(make_shift(school), other_volunteer))
    client = login(volunteer)
    with django_assert_max_num_queries(8):
        answer = client.get("/api/v1/me/duties").json()
    assert answer["count"] == 2
    assert {item["member"] for item in answer["items"]} == {"张志愿"}
    assert answer["items"][0]["starts_at"] > answer["items"][1]["starts_at"]


def test_who_is_on_duty_now(
    login,
    public,
    leader,
    volunteer,
    volunteer2,
    other_volunteer,
    moderator,
    officer,
    police,
    claim,
    market,
    django_assert_max_num_queries,
) -> None:
    checked_in(claim)
    checked_in(put_on(make_shift(market), other_volunteer))
    # Left open well past its shift's end and grace period: about to be closed, not on duty.
    stale = put_on(make_shift(market, started_minutes_ago=300, hours=1), volunteer2)
    Duty.objects.create(
        claim=stale,
        shift=stale.shift,
        member=stale.member,
        squad=stale.member.squad,
        checked_in_at=stale.shift.starts_at,
    )
    for user in (volunteer, moderator):
        assert login(user).get("/api/v1/duties/now").status_code == 403
    assert public.get("/api/v1/duties/now").status_code == 401

    mine = login(leader).get("/api/v1/duties/now").json()
    assert [
        (row["member"], row["squad"], row["leader"], row["leader_phone"]) for row in mine["items"]
    ] == [("张志愿", "城关一分队", "王队长", None)]  # as the page shows it: no leaders' phones
    assert not AuditEntry.objects.filter(action="patrols.on_duty.viewed").exists()
    for user in (officer, police):
        client = login(user)
        with django_assert_max_num_queries(8):
            rows = client.get("/api/v1/duties/now").json()["items"]
        assert {
            (row["member"], row["place"], row["leader"], row["leader_phone"]) for row in rows
        } == {
            ("张志愿", "城关一中", "王队长", "+8613900000001"),
            ("赵海波", "城关农贸市场", None, None),  # the other squad has no leader yet
        }
    viewed = AuditEntry.objects.filter(action="patrols.on_duty.viewed")
    assert [entry.actor for entry in viewed.order_by("pk")] == [officer, police]


def test_my_hours_by_month_and_year_in_local_time(
    login, volunteer, other_volunteer, school
) -> None:
    shanghai = timezone.get_current_timezone()
    done(volunteer, school, dt.datetime(2025, 12, 10, 20, tzinfo=shanghai), 60)
    # Half past midnight on New Year's Day in Shanghai is still 2025 in UTC: it counts in 2026.
    done(volunteer, school, dt.datetime(2026, 1, 1, 0, 30, tzinfo=shanghai), 90)
    done(volunteer, school, dt.datetime(2026, 1, 20, 20, tzinfo=shanghai), 45)
    done(other_volunteer, school, dt.datetime(2026, 1, 20, 20, tzinfo=shanghai), 180)
    answer = login(volunteer).get("/api/v1/me/hours").json()
    assert (answer["minutes"], answer["hours"], answer["duties"]) == (195, 3.25, 3)
    assert answer["months"] == [
        {"year": 2026, "month": 1, "minutes": 135, "hours": 2.25, "duties": 2},
        {"year": 2025, "month": 12, "minutes": 60, "hours": 1.0, "duties": 1},
    ]
    assert answer["years"] == [
        {"year": 2026, "minutes": 135, "hours": 2.25, "duties": 2},
        {"year": 2025, "minutes": 60, "hours": 1.0, "duties": 1},
    ]


def test_a_volunteer_asks_for_hours_and_the_leader_decides(
    login, volunteer, leader, school
) -> None:
    duty = done(volunteer, school, timezone.now() - dt.timedelta(days=2), 60)
    client, key = login(volunteer), uuid.uuid4()
    path = f"/api/v1/duties/{duty.pk}/hours-corrections"
    asked = write(client, path, {"minutes": 120, "reason": "签退时手机没信号"}, key=key)
    assert asked.status_code == 201
    assert asked.json()["minutes_before"] == 60 and asked.json()["status"] == "pending"
    again = write(client, path, {"minutes": 120, "reason": "签退时手机没信号"}, key=key)
    assert (again.status_code, again.json()) == (201, asked.json())
    assert HoursCorrection.objects.count() == 1

    decision = f"/api/v1/hours-corrections/{asked.json()['id']}/decision"
    key = uuid.uuid4()
    decided = write(login(leader), decision, {"approve": True, "answer": "属实"}, key=key)
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    resent = write(login(leader), decision, {"approve": True, "answer": "属实"}, key=key)
    assert (resent.status_code, resent.json()) == (200, decided.json())
    changed = write(login(leader), decision, {"approve": False})
    assert (changed.status_code, changed.json()["code"]) == (409, "answered")
    duty.refresh_from_db()
    assert duty.minutes == 120


def test_hours_corrections_stay_within_the_squad(
    login, public, volunteer, volunteer2, other_volunteer, police, school
) -> None:
    duty = done(volunteer, school, timezone.now() - dt.timedelta(days=2), 60)
    path = f"/api/v1/duties/{duty.pk}/hours-corrections"
    data = {"minutes": 120, "reason": "x"}
    assert write(login(other_volunteer), path, data).status_code == 404
    assert write(login(volunteer2), path, data).status_code == 404
    assert write(login(police), path, data).status_code == 403
    assert write(public, path, data).status_code == 401
    assert not HoursCorrection.objects.exists()

    correction = duties.ask_correction(duty=duty, actor=volunteer, minutes=90, reason="x")
    decision = f"/api/v1/hours-corrections/{correction.pk}/decision"
    assert write(login(volunteer), decision, {"approve": True}).status_code == 403  # not one's own
    assert write(login(police), decision, {"approve": True}).status_code == 403
    assert write(login(other_volunteer), decision, {"approve": True}).status_code == 404
    assert write(public, decision, {"approve": True}).status_code == 401
    correction.refresh_from_db()
    assert correction.status == HoursCorrection.Status.PENDING


def test_a_leader_finds_the_corrections_waiting_for_them(
    login, public, volunteer, leader, other_volunteer, school
) -> None:
    duty = done(volunteer, school, timezone.now() - dt.timedelta(days=2), 60)
    correction = duties.ask_correction(duty=duty, actor=volunteer, minutes=90, reason="x")
    waiting = login(leader).get("/api/v1/hours-corrections?waiting=true").json()
    assert [row["id"] for row in waiting["items"]] == [correction.pk]
    assert [
        row["id"] for row in login(volunteer).get("/api/v1/hours-corrections").json()["items"]
    ] == [correction.pk]
    assert login(other_volunteer).get("/api/v1/hours-corrections").json()["items"] == []
    assert public.get("/api/v1/hours-corrections").status_code == 401
    duties.decide_correction(correction=correction, actor=leader, approve=False)
    assert login(leader).get("/api/v1/hours-corrections?waiting=true").json()["items"] == []


def test_the_page_and_the_api_show_the_same_people_on_duty_and_audit_alike(
    login, leader, volunteer, other_volunteer, officer, moderator, claim, market
) -> None:
    checked_in(claim)
    checked_in(put_on(make_shift(market), other_volunteer))
    for user in (leader, officer):
        client = login(user)
        page = client.get("/duty/now/")
        api = client.get("/api/v1/duties/now").json()["items"]
        assert [
            (row["name"], row["leader"], row["leader_phone"] or None)
            for row in page.context["rows"]
        ] == [(row["member"], row["leader"] or "", row["leader_phone"]) for row in api]
    viewed = AuditEntry.objects.filter(action="patrols.on_duty.viewed")
    assert [entry.actor for entry in viewed] == [officer, officer]  # a leader's look is not one
    assert login(moderator).get("/duty/now/").status_code == 403
    assert login(moderator).get("/api/v1/duties/now").status_code == 403


def test_a_deputy_without_the_leader_role_sees_who_is_on_duty_as_the_page_shows(
    login, deputy, volunteer, claim
) -> None:
    checked_in(claim)
    client = login(deputy)
    page = client.get("/duty/now/")
    answer = client.get("/api/v1/duties/now")
    assert (page.status_code, answer.status_code) == (200, 200)
    assert (
        [row["name"] for row in page.context["rows"]]
        == [row["member"] for row in answer.json()["items"]]
        == ["张志愿"]
    )
