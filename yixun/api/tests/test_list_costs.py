"""What the busiest API calls cost in queries: the lists of shifts and members read a page in a
fixed number of queries however long it is, and a claim stays within its budget. Each list is
read with a token, as the clients that poll them read them."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from yixun.accounts import services as accounts
from yixun.accounts.models import User
from yixun.members.models import Member, MemberSkill, Squad
from yixun.places.models import Area
from yixun.shifts.models import ClaimRules, Shift
from yixun.shifts.tests.helpers import at, claim, new_shift


@pytest.fixture(autouse=True)
def newcomers_may_claim(db: None) -> None:
    rules = ClaimRules.current()
    rules.newcomer_patrols = 0
    rules.save()


@pytest.fixture
def town(db: None) -> Area:
    return Area.objects.create(name="城关镇", level="town")


def with_token(user: User) -> Client:
    _token, plain = accounts.issue_token(user=user, name="test", actor=None)
    return Client(headers={"Authorization": f"Bearer {plain}"})


def queries(read: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as done:
        assert read().status_code == 200
    return len(done)


def test_the_shift_list_reads_a_page_in_three_queries_however_long(
    officer: User, volunteer: User, town: Area
) -> None:
    client = with_token(volunteer)
    new_shift(officer, town, starts_at=at(1, 9))
    client.get("/api/v1/shifts")  # the token's first use notes when it was used
    few = queries(lambda: client.get("/api/v1/shifts"))
    for day in range(2, 7):
        for hour in (8, 10, 14, 16, 19):
            new_shift(officer, town, starts_at=at(day, hour))
    assert queries(lambda: client.get("/api/v1/shifts")) == few <= 3  # token, count, page


def test_the_shift_list_marks_the_callers_claim_and_waiting_place(
    officer: User, volunteer: User, volunteer2: User, town: Area
) -> None:
    mine = new_shift(officer, town, starts_at=at(1, 9))
    full = new_shift(officer, town, starts_at=at(2, 9), capacity=1)
    other = new_shift(officer, town, starts_at=at(3, 9))
    taken = claim(mine, volunteer)
    claim(full, volunteer2)
    claim(full, volunteer)  # full: the waiting list
    claim(other, volunteer2)
    items = {
        item["id"]: item for item in with_token(volunteer).get("/api/v1/shifts").json()["items"]
    }
    assert (items[mine.pk]["my_claim_id"], items[mine.pk]["waiting"]) == (taken.pk, False)
    assert (items[full.pk]["my_claim_id"], items[full.pk]["waiting"]) == (None, True)
    assert (items[other.pk]["my_claim_id"], items[other.pk]["waiting"]) == (None, False)
    assert items[mine.pk]["place"] == {"type": "area", "id": town.pk, "name": "城关镇"}


def test_the_member_list_reads_a_page_in_five_queries_however_long(
    officer: User, squad: Squad
) -> None:
    def join(n: int) -> None:
        user = accounts.create_user(
            phone=f"1370000{n:04d}", name=f"队员{n}", password=None, actor=None
        )
        member = Member.objects.create(user=user, squad=squad)
        MemberSkill.objects.create(member=member, skill="first_aid")

    client = with_token(officer)
    join(0)
    client.get("/api/v1/members")
    few = queries(lambda: client.get("/api/v1/members"))
    for n in range(1, 31):
        join(n)
    # token, roles, count, page, the page's skills
    assert queries(lambda: client.get("/api/v1/members")) == few <= 5


def test_the_member_list_shows_numbers_only_where_the_pages_do(
    volunteer: User, volunteer2: User, other_volunteer: User
) -> None:
    items = {
        item["name"]: item for item in with_token(volunteer).get("/api/v1/members").json()["items"]
    }
    me, fellow = items[volunteer.name], items[volunteer2.name]
    assert me["phone"] == volunteer.phone
    assert fellow["phone"] is None and fellow["emergency_name"] is None
    assert fellow["id_number_masked"] is None and fellow["occupation"] is None
    assert other_volunteer.name not in items


def test_a_claim_over_the_api_stays_within_its_queries(
    officer: User, volunteer: User, town: Area, django_assert_max_num_queries: Any
) -> None:
    shift = new_shift(officer, town, starts_at=at(1, 9))
    client = with_token(volunteer)
    client.get("/api/v1/shifts")
    with django_assert_max_num_queries(30):
        answer = client.post(f"/api/v1/shifts/{shift.pk}/claim")
    assert answer.status_code == 201
    body = answer.json()
    assert body["shift"]["taken"] == 1
    assert body["shift"]["my_claim_id"] == body["claim_id"]
    assert Shift.objects.get(pk=shift.pk).taken == 1


def test_joining_the_waiting_list_answers_the_callers_waiting_place(
    officer: User, volunteer: User, volunteer2: User, town: Area
) -> None:
    shift = new_shift(officer, town, starts_at=at(1, 9), capacity=1)
    claim(shift, volunteer2)
    answer = with_token(volunteer).post(f"/api/v1/shifts/{shift.pk}/claim")
    assert answer.status_code == 202
    assert (answer.json()["shift"]["my_claim_id"], answer.json()["shift"]["waiting"]) == (
        None,
        True,
    )


def test_a_shift_without_a_place_is_online(officer: User, volunteer: User, town: Area) -> None:
    shift = new_shift(officer, town, starts_at=at(1, 9), kind="moderation")
    Shift.objects.filter(pk=shift.pk).update(area=None)
    client = with_token(volunteer)
    (item,) = client.get("/api/v1/shifts").json()["items"]
    assert item["place"]["type"] == "online" and item["place"]["id"] is None
    assert item == client.get(f"/api/v1/shifts/{shift.pk}").json()  # as the shift itself reads
    assert item["starts_at"].endswith("Z") and dt.datetime.fromisoformat(item["starts_at"])
