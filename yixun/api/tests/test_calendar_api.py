"""A member's side of the calendar through the API: claiming a place (201), the waiting list when
the shift is full (202), leaving it, giving a place back, and the coverage of a week. Each write
is tried by its owner, by another squad, by a role that may never do it, by the public, and
twice; every answer is one the OpenAPI document declares, in the shape it declares."""

import ast
import datetime as dt
import importlib
import inspect
import pkgutil
import typing
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from ninja import Schema

import yixun.api.routers
from yixun.api.tests.documented import documented
from yixun.audit.models import AuditEntry
from yixun.places.models import Area, Site
from yixun.shifts.models import Claim, ClaimRules, PolicePatrol, Shift, WaitlistEntry
from yixun.shifts.services import claims
from yixun.shifts.tests.helpers import at, claim, member_of, messages_to, new_shift, refreshed

CLAIM = "POST /shifts/{shift_id}/claim"
LEAVE = "DELETE /shifts/{shift_id}/waitlist"
RELEASE = "DELETE /claims/{claim_id}"
COVERAGE = "GET /coverage"


@pytest.fixture(autouse=True)
def newcomers_may_claim(db: None) -> None:
    rules = ClaimRules.current()
    rules.newcomer_patrols = 0
    rules.save()


@pytest.fixture
def town(db: None) -> Area:
    return Area.objects.create(name="城关镇", level="town")


@pytest.fixture
def shift(officer, town) -> Shift:
    return new_shift(officer, town, capacity=2, min_people=2)


@pytest.fixture
def full(officer, town, volunteer2) -> Shift:
    """A shift of one place, taken by volunteer2."""
    full = new_shift(officer, town, capacity=1, starts_at=at(4, 9))
    claim(full, volunteer2)
    return refreshed(full)


def post_claim(client: Client, shift: Shift) -> Any:
    return client.post(f"/api/v1/shifts/{shift.pk}/claim")


def audited(action: str) -> int:
    return AuditEntry.objects.filter(action=action).count()


# The answer to a claim is built from the shift after the claim, for the caller.


def test_claiming_a_free_place_answers_201_with_the_claim_and_the_shift(
    login, volunteer, shift
) -> None:
    response = post_claim(login(volunteer), shift)

    assert response.status_code == 201
    body = documented(response, CLAIM)
    made = Claim.objects.get()
    assert body["result"] == "claimed"
    assert body["claim_id"] == made.pk
    assert body["shift"]["id"] == shift.pk
    assert body["shift"]["taken"] == 1
    assert body["shift"]["my_claim_id"] == made.pk and body["shift"]["waiting"] is False
    assert body["shift"]["place"] == {"type": "area", "id": shift.area_id, "name": "城关镇"}
    assert (made.member, made.status, made.source) == (member_of(volunteer), "active", "self")
    assert refreshed(shift).taken == 1
    assert audited("shifts.claim.created") == 1


def test_claiming_again_is_refused_and_leaves_one_claim(login, volunteer, shift) -> None:
    client = login(volunteer)
    post_claim(client, shift)

    again = post_claim(client, shift)

    assert again.status_code == 409
    assert documented(again, CLAIM)["code"] == "already_claimed"
    assert Claim.objects.count() == 1 and refreshed(shift).taken == 1
    assert audited("shifts.claim.created") == 1


def test_claiming_a_full_shift_answers_202_with_the_caller_waiting(
    login, volunteer, full, outbox
) -> None:
    response = post_claim(login(volunteer), full)

    assert response.status_code == 202
    body = documented(response, CLAIM)
    assert body["result"] == "waiting" and body["claim_id"] is None
    assert body["shift"]["id"] == full.pk and body["shift"]["taken"] == 1
    assert body["shift"]["waiting"] is True and body["shift"]["my_claim_id"] is None
    entry = WaitlistEntry.objects.get(shift=full, member=member_of(volunteer))
    assert entry.status == WaitlistEntry.Status.WAITING
    assert not Claim.objects.filter(member=member_of(volunteer)).exists()
    assert len(messages_to(outbox, volunteer)) == 1  # "you are number 1 on its waiting list"


def test_joining_the_waiting_list_twice_keeps_one_place_in_line(login, volunteer, full) -> None:
    client = login(volunteer)
    first = post_claim(client, full)

    again = post_claim(client, full)

    assert (first.status_code, again.status_code) == (202, 202)
    assert documented(again, CLAIM)["result"] == "waiting"
    assert WaitlistEntry.objects.filter(member=member_of(volunteer)).count() == 1


def test_another_squads_shift_is_refused_to_a_member_of_another_squad(
    login, leader, other_volunteer, squad, shift
) -> None:
    claims.reserve_for_squad(shifts=[shift], squad=squad, actor=leader)

    response = post_claim(login(other_volunteer), shift)

    assert response.status_code == 409
    assert documented(response, CLAIM)["code"] == "squad_only"
    assert not Claim.objects.exists() and refreshed(shift).taken == 0


def test_a_caller_without_a_membership_may_not_claim(
    login, police, moderator, public, shift
) -> None:
    for user in (police, moderator):
        response = post_claim(login(user), shift)
        assert response.status_code == 403
        assert documented(response, CLAIM)["code"] == "forbidden"
    response = post_claim(public, shift)
    assert response.status_code == 401
    assert documented(response, CLAIM)["code"] == "unauthenticated"
    assert not Claim.objects.exists() and not WaitlistEntry.objects.exists()


def test_claiming_a_shift_that_does_not_exist_is_not_found(login, volunteer, db) -> None:
    response = login(volunteer).post("/api/v1/shifts/999999/claim")
    assert response.status_code == 404
    assert documented(response, CLAIM)["code"] == "not_found"


# Leaving the waiting list.


def test_leaving_the_waiting_list_answers_204_and_a_second_leave_changes_nothing(
    login, volunteer, full
) -> None:
    client = login(volunteer)
    post_claim(client, full)

    left = client.delete(f"/api/v1/shifts/{full.pk}/waitlist")
    again = client.delete(f"/api/v1/shifts/{full.pk}/waitlist")

    assert (left.status_code, again.status_code) == (204, 204)
    assert documented(left, LEAVE) is None and documented(again, LEAVE) is None
    entry = WaitlistEntry.objects.get(member=member_of(volunteer))
    assert entry.status == WaitlistEntry.Status.LEFT
    left_rows = AuditEntry.objects.filter(action__endswith=".left", actor=volunteer)
    assert left_rows.count() == 1  # the second leave changed nothing, and says nothing


def test_leaving_a_waiting_list_one_is_not_on_is_not_found(
    login, volunteer, other_volunteer, full
) -> None:
    post_claim(login(volunteer), full)

    response = login(other_volunteer).delete(f"/api/v1/shifts/{full.pk}/waitlist")

    assert response.status_code == 404
    assert documented(response, LEAVE)["code"] == "not_found"
    assert WaitlistEntry.objects.get().status == WaitlistEntry.Status.WAITING


def test_only_members_and_signed_in_callers_leave_a_waiting_list(
    login, volunteer, police, public, full
) -> None:
    post_claim(login(volunteer), full)

    response = login(police).delete(f"/api/v1/shifts/{full.pk}/waitlist")
    assert response.status_code == 403
    assert documented(response, LEAVE)["code"] == "forbidden"
    response = public.delete(f"/api/v1/shifts/{full.pk}/waitlist")
    assert response.status_code == 401
    assert documented(response, LEAVE)["code"] == "unauthenticated"
    assert WaitlistEntry.objects.get().status == WaitlistEntry.Status.WAITING


# Giving a place back.


def test_releasing_a_place_answers_204_and_gives_it_to_the_first_waiting(
    login, volunteer, volunteer2, full, outbox
) -> None:
    post_claim(login(volunteer), full)  # waiting behind volunteer2
    place = Claim.objects.get(member=member_of(volunteer2))

    response = login(volunteer2).delete(f"/api/v1/claims/{place.pk}?reason=家里有事")

    assert response.status_code == 204
    assert documented(response, RELEASE) is None
    place.refresh_from_db()
    assert place.status == Claim.Status.RELEASED and place.release_reason == "家里有事"
    promoted = Claim.objects.active().get(shift=full)
    assert promoted.member == member_of(volunteer) and promoted.source == "waitlist"
    assert refreshed(full).taken == 1
    assert audited("shifts.claim.released") == 1


def test_releasing_again_says_it_was_released_already(login, volunteer, shift) -> None:
    client = login(volunteer)
    place = post_claim(client, shift).json()["claim_id"]
    assert client.delete(f"/api/v1/claims/{place}").status_code == 204

    again = client.delete(f"/api/v1/claims/{place}")

    assert again.status_code == 409
    assert documented(again, RELEASE)["code"] == "already_released"
    assert refreshed(shift).taken == 0
    assert audited("shifts.claim.released") == 1


def test_nobody_else_releases_a_members_place(
    login, volunteer, volunteer2, other_volunteer, police, moderator, public, shift
) -> None:
    place = post_claim(login(volunteer), shift).json()["claim_id"]
    path = f"/api/v1/claims/{place}"

    # A squad-mate sees the place but may not give it back; the police see every place and
    # may not either.
    for user in (volunteer2, police):
        response = login(user).delete(path)
        assert response.status_code == 403
        assert documented(response, RELEASE)["code"] == "forbidden"
    # Another squad's member and a moderator do not even see it.
    for user in (other_volunteer, moderator):
        response = login(user).delete(path)
        assert response.status_code == 404
        assert documented(response, RELEASE)["code"] == "not_found"
    response = public.delete(path)
    assert response.status_code == 401
    assert documented(response, RELEASE)["code"] == "unauthenticated"
    assert Claim.objects.get(pk=place).status == Claim.Status.ACTIVE
    assert refreshed(shift).taken == 1


def test_the_callers_patrols_and_waiting_lists_list_the_shifts(
    login, volunteer, shift, full
) -> None:
    client = login(volunteer)
    mine = post_claim(client, shift).json()["claim_id"]
    post_claim(client, full)

    patrols = client.get("/api/v1/me/claims")
    waiting = client.get("/api/v1/me/waitlist")

    [row] = documented(patrols, "GET /me/claims")
    assert row["id"] == mine and row["shift"]["my_claim_id"] == mine
    [line] = documented(waiting, "GET /me/waitlist")
    assert line["shift"]["id"] == full.pk and line["position"] == 1
    assert line["shift"]["waiting"] is True


# Coverage: which key sites nobody patrols, and the shifts under their minimum.


@pytest.fixture
def school(town) -> Site:
    return Site.objects.create(
        name="城关一中", kind="school", area=town, latitude=31.0, longitude=114.0
    )


def test_coverage_answers_the_gaps_and_the_shifts_under_their_minimum(
    login, officer, police, volunteer, school, shift
) -> None:
    claim(shift, volunteer)  # one of the two it needs
    week = f"{shift.starts_at:%Y-%m-%d}"

    for user in (officer, police):
        response = login(user).get(f"/api/v1/coverage?area={shift.area_id}&week={week}")
        assert response.status_code == 200
        body = documented(response, COVERAGE)
        assert body["area_id"] == shift.area_id and body["shifts"] == 1
        [short] = body["under_minimum"]
        assert short["id"] == shift.pk and short["taken"] == 1 and short["min_people"] == 2
        assert short["my_claim_id"] is None  # neither of them is on it
        [site] = body["sites"]
        assert site["site_id"] == school.pk and site["gap_hours"] > 0


def test_coverage_of_the_whole_county_by_default(login, officer, town, school) -> None:
    response = login(officer).get("/api/v1/coverage")
    assert response.status_code == 200
    body = documented(response, COVERAGE)
    assert body["area_id"] == town.pk and body["under_minimum"] == []
    assert [site["site"] for site in body["sites"]] == ["城关一中"]


def test_coverage_is_for_officers_and_the_police(
    login, leader, volunteer, moderator, public, town
) -> None:
    for user in (leader, volunteer, moderator):
        response = login(user).get("/api/v1/coverage")
        assert response.status_code == 403
        assert documented(response, COVERAGE)["code"] == "forbidden"
    response = public.get("/api/v1/coverage")
    assert response.status_code == 401
    assert documented(response, COVERAGE)["code"] == "unauthenticated"


# The cause of the 500s: a route built its answer by hand around a ShiftOut it had finished
# already. Ninja's Schema runs its resolvers again on whatever it validates, a finished schema
# included, and then hands them that schema instead of the model object, and no request (the
# context is that of the outer constructor: none). The rule: a route returns model objects and
# plain data, and Ninja builds the answer once, with the request in its context.


def _schemas_in(annotation: Any) -> list[type[Schema]]:
    found = []
    if inspect.isclass(annotation) and issubclass(annotation, Schema):
        found.append(annotation)
    for argument in typing.get_args(annotation):
        found += _schemas_in(argument)
    return found


def _resolves(schema: type[Schema], seen: frozenset[type] = frozenset()) -> bool:
    """Whether the schema, or one it holds however deep, computes a field with a resolver."""
    if schema in seen:
        return False
    if schema._ninja_resolvers:  # type: ignore[attr-defined]
        return True
    return any(
        _resolves(inner, seen | {schema})
        for field in schema.model_fields.values()
        for inner in _schemas_in(field.annotation)
    )


def hand_built_answers() -> list[str]:
    """Every place in the API's routers that builds a resolving schema itself."""
    found = []
    for info in pkgutil.iter_modules(yixun.api.routers.__path__):
        module = importlib.import_module(f"yixun.api.routers.{info.name}")
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if not isinstance(node, ast.Call):
                continue
            name = None
            if isinstance(node.func, ast.Name):
                name = node.func.id
            elif (
                isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.attr in {"from_orm", "model_validate", "model_construct"}
            ):
                name = node.func.value.id
            built = getattr(module, name, None) if name else None
            if inspect.isclass(built) and issubclass(built, Schema) and _resolves(built):
                found.append(f"{info.name}.py:{node.lineno} builds {name}")
    return sorted(found)


def test_no_route_builds_by_hand_an_answer_that_resolves_fields() -> None:
    assert hand_built_answers() == []


def test_a_deputy_without_the_leader_role_sees_the_police_patrols_as_on_the_week_page(
    login, public, deputy, volunteer, town
) -> None:
    PolicePatrol.objects.create(
        force="armed", area=town, weekdays=list(range(7)), starts=dt.time(19), ends=dt.time(23),
        valid_from=timezone.localdate() - dt.timedelta(days=1),
    )  # fmt: skip
    client = login(deputy)
    week = client.get("/calendar/").context["days"]
    # The week page shows them the patrols.
    assert any(police for _day, _cards, _full, police in week)
    answer = client.get("/api/v1/police-patrols", {"days": 3})
    assert answer.status_code == 200
    assert len(answer.json()) == 3
    assert login(volunteer).get("/api/v1/police-patrols").status_code == 403
    assert public.get("/api/v1/police-patrols").status_code == 401
