"""Leaders and officers write the calendar through the API: a squad reserves shifts (义巡日认领),
a leader fills them or asks members to come, officers plan, change and cancel shifts. Each write
is tried by whoever may do it, by another squad, by a role that may never do it, by the public,
and twice; every answer is one the OpenAPI document declares, in the shape it declares."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from yixun.accounts.models import User
from yixun.api.tests.documented import documented
from yixun.audit.models import AuditEntry
from yixun.places.models import Area
from yixun.shifts.models import Claim, ClaimRules, Invitation, Shift, WaitlistEntry
from yixun.shifts.services import claims, planning
from yixun.shifts.tests.helpers import at, claim, member_of, messages_to, new_shift, refreshed

RESERVE = "POST /squads/{squad_id}/reserve"
FILL = "POST /shifts/{shift_id}/fill"
INVITE = "POST /shifts/{shift_id}/invite"
CANDIDATES = "GET /shifts/{shift_id}/candidates"
CREATE = "POST /shifts"
UPDATE = "PUT /shifts/{shift_id}"
CANCEL = "POST /shifts/{shift_id}/cancel"


@pytest.fixture(autouse=True)
def newcomers_may_claim(db: None) -> None:
    rules = ClaimRules.current()
    rules.newcomer_patrols = 0
    rules.save()


@pytest.fixture
def town(db: None) -> Area:
    return Area.objects.create(name="城关镇", level="town")


@pytest.fixture
def open_shift(officer, town) -> Shift:
    return new_shift(officer, town)


@pytest.fixture
def ours(officer, leader, squad, town) -> Shift:
    """A shift the leader's squad has reserved."""
    shift = new_shift(officer, town, starts_at=at(4, 9))
    claims.reserve_for_squad(shifts=[shift], squad=squad, actor=leader)
    return refreshed(shift)


@pytest.fixture
def other_leader(other_volunteer, other_squad) -> User:
    other_squad.leader = other_volunteer
    other_squad.save(update_fields=["leader"])
    return other_volunteer


@pytest.fixture
def theirs(officer, other_leader, other_squad, town) -> Shift:
    """A shift the other squad has reserved."""
    shift = new_shift(officer, town, starts_at=at(5, 9))
    claims.reserve_for_squad(shifts=[shift], squad=other_squad, actor=other_leader)
    return refreshed(shift)


def send(client: Client, path: str, data: Any = None, method: str = "post") -> Any:
    return getattr(client, method)(
        path, {} if data is None else data, content_type="application/json"
    )


def audited(action: str) -> int:
    return AuditEntry.objects.filter(action=action).count()


# A squad reserves open shifts.


def test_a_leader_reserves_open_shifts_for_their_squad(login, leader, squad, open_shift) -> None:
    response = send(
        login(leader), f"/api/v1/squads/{squad.pk}/reserve", {"shift_ids": [open_shift.pk]}
    )

    assert response.status_code == 200
    assert documented(response, RESERVE) == {"reserved": 1}
    assert refreshed(open_shift).squad == squad
    assert audited("shifts.shift.reserved") == 1


def test_a_squad_reserves_a_whole_day(login, leader, squad, officer, town, open_shift) -> None:
    second = new_shift(officer, town, starts_at=open_shift.starts_at + dt.timedelta(hours=4))
    day = f"{timezone.localtime(open_shift.starts_at):%Y-%m-%d}"

    response = send(
        login(leader), f"/api/v1/squads/{squad.pk}/reserve", {"day": day, "area_id": town.pk}
    )

    assert documented(response, RESERVE) == {"reserved": 2}
    assert {refreshed(open_shift).squad, refreshed(second).squad} == {squad}


def test_reserving_again_gets_nothing_more_and_changes_nothing(
    login, leader, squad, open_shift
) -> None:
    client = login(leader)
    path, data = f"/api/v1/squads/{squad.pk}/reserve", {"shift_ids": [open_shift.pk]}
    send(client, path, data)

    again = send(client, path, data)

    assert again.status_code == 200
    assert documented(again, RESERVE) == {"reserved": 0}
    assert refreshed(open_shift).squad == squad
    assert audited("shifts.shift.reserved") == 1


def test_a_leader_reserves_only_for_their_own_squad(
    login, leader, other_squad, volunteer, police, squad, public, open_shift
) -> None:
    data = {"shift_ids": [open_shift.pk]}
    response = send(login(leader), f"/api/v1/squads/{other_squad.pk}/reserve", data)
    assert response.status_code == 403
    assert documented(response, RESERVE)["code"] == "forbidden"
    for user in (volunteer, police):
        response = send(login(user), f"/api/v1/squads/{squad.pk}/reserve", data)
        assert response.status_code == 403
        assert documented(response, RESERVE)["code"] == "forbidden"
    response = send(public, f"/api/v1/squads/{squad.pk}/reserve", data)
    assert response.status_code == 401
    assert documented(response, RESERVE)["code"] == "unauthenticated"
    assert refreshed(open_shift).squad is None
    assert audited("shifts.shift.reserved") == 0


# A leader fills a shift with members of their squad.


def test_a_leader_puts_a_member_on_their_squads_shift(
    login, leader, volunteer, ours, outbox
) -> None:
    response = send(
        login(leader), f"/api/v1/shifts/{ours.pk}/fill", {"member_id": member_of(volunteer).pk}
    )

    assert response.status_code == 201
    body = documented(response, FILL)
    placed = Claim.objects.get()
    assert body["result"] == "claimed" and body["claim_id"] == placed.pk
    assert body["shift"]["id"] == ours.pk and body["shift"]["taken"] == 1
    assert body["shift"]["my_claim_id"] is None  # the place is the member's, not the leader's
    assert (placed.member, placed.source, placed.claimed_by) == (
        member_of(volunteer),
        Claim.Source.LEADER,
        leader,
    )
    assert len(messages_to(outbox, volunteer)) == 1  # "王队长 put you on …"


def test_filling_a_full_shift_puts_the_member_on_its_waiting_list(
    login, leader, volunteer, volunteer2, officer, squad, town
) -> None:
    full = new_shift(officer, town, capacity=1)
    claims.reserve_for_squad(shifts=[full], squad=squad, actor=leader)
    claim(full, volunteer2)

    response = send(
        login(leader), f"/api/v1/shifts/{full.pk}/fill", {"member_id": member_of(volunteer).pk}
    )

    assert response.status_code == 202
    body = documented(response, FILL)
    assert body["result"] == "waiting" and body["claim_id"] is None
    assert WaitlistEntry.objects.get().member == member_of(volunteer)


def test_filling_again_is_refused_and_leaves_one_place(login, leader, volunteer, ours) -> None:
    client = login(leader)
    data = {"member_id": member_of(volunteer).pk}
    send(client, f"/api/v1/shifts/{ours.pk}/fill", data)

    again = send(client, f"/api/v1/shifts/{ours.pk}/fill", data)

    assert again.status_code == 409
    assert documented(again, FILL)["code"] == "already_claimed"
    assert Claim.objects.count() == 1 and refreshed(ours).taken == 1


def test_a_leader_fills_neither_another_squads_shift_nor_with_its_members(
    login, leader, volunteer, other_volunteer, theirs, open_shift
) -> None:
    client = login(leader)
    response = send(
        client, f"/api/v1/shifts/{theirs.pk}/fill", {"member_id": member_of(volunteer).pk}
    )
    assert response.status_code == 403
    assert documented(response, FILL)["code"] == "forbidden"
    # Another squad's member is not even seen.
    response = send(
        client, f"/api/v1/shifts/{open_shift.pk}/fill", {"member_id": member_of(other_volunteer).pk}
    )
    assert response.status_code == 404
    assert documented(response, FILL)["code"] == "not_found"
    assert not Claim.objects.exists()


def test_only_leaders_and_officers_fill(
    login, volunteer, volunteer2, police, moderator, public, open_shift
) -> None:
    path, data = f"/api/v1/shifts/{open_shift.pk}/fill", {"member_id": member_of(volunteer2).pk}
    for user in (volunteer, police, moderator):
        response = send(login(user), path, data)
        assert response.status_code == 403
        assert documented(response, FILL)["code"] == "forbidden"
    response = send(public, path, data)
    assert response.status_code == 401
    assert documented(response, FILL)["code"] == "unauthenticated"
    assert not Claim.objects.exists()


def test_an_officer_may_fill_but_a_squads_shift_stays_its_squads(
    login, officer, other_volunteer, ours
) -> None:
    # An officer may put anyone on; the claiming rules still keep a squad's shift for its squad.
    response = send(
        login(officer),
        f"/api/v1/shifts/{ours.pk}/fill",
        {"member_id": member_of(other_volunteer).pk},
    )
    assert response.status_code == 409
    assert documented(response, FILL)["code"] == "squad_only"


# A leader asks a member to come: the same service, and the same rule, as the shift page.


def test_a_leader_invites_a_member_with_a_one_tap_link(
    login, leader, volunteer, ours, outbox
) -> None:
    response = send(
        login(leader), f"/api/v1/shifts/{ours.pk}/invite", {"member_id": member_of(volunteer).pk}
    )

    assert response.status_code == 200
    body = documented(response, INVITE)
    invitation = Invitation.objects.get()
    assert body["id"] == invitation.pk
    assert (body["shift_id"], body["member_id"]) == (ours.pk, member_of(volunteer).pk)
    assert body["used_at"] is None
    assert "token" not in body  # the link is the member's own
    [message] = messages_to(outbox, volunteer)
    assert invitation.token in message.body
    assert invitation.invited_by == leader
    assert audited("shifts.invitation.sent") == 1


def test_inviting_again_sends_the_same_link(login, leader, volunteer, ours, outbox) -> None:
    client = login(leader)
    data = {"member_id": member_of(volunteer).pk}
    first = send(client, f"/api/v1/shifts/{ours.pk}/invite", data)

    again = send(client, f"/api/v1/shifts/{ours.pk}/invite", data)

    assert again.status_code == 200
    assert documented(again, INVITE)["id"] == first.json()["id"]
    assert Invitation.objects.count() == 1
    token = Invitation.objects.get().token
    assert [token in message.body for message in messages_to(outbox, volunteer)] == [True, True]


def test_nobody_is_invited_to_a_shift_they_are_on(login, leader, volunteer, ours, outbox) -> None:
    claims.claim_shift(shift=ours, member=member_of(volunteer), actor=volunteer)
    outbox.clear()
    response = send(
        login(leader), f"/api/v1/shifts/{ours.pk}/invite", {"member_id": member_of(volunteer).pk}
    )
    assert response.status_code == 409
    assert documented(response, INVITE)["code"] == "already_claimed"
    assert messages_to(outbox, volunteer) == [] and not Invitation.objects.exists()


def test_a_leader_invites_neither_to_another_squads_shift_nor_its_members(
    login, leader, volunteer, other_volunteer, theirs, open_shift
) -> None:
    client = login(leader)
    response = send(
        client, f"/api/v1/shifts/{theirs.pk}/invite", {"member_id": member_of(volunteer).pk}
    )
    assert response.status_code == 403
    assert documented(response, INVITE)["code"] == "forbidden"
    response = send(
        client,
        f"/api/v1/shifts/{open_shift.pk}/invite",
        {"member_id": member_of(other_volunteer).pk},
    )
    assert response.status_code == 404
    assert documented(response, INVITE)["code"] == "not_found"
    assert not Invitation.objects.exists()


def test_only_leaders_and_officers_invite(
    login, volunteer, volunteer2, police, moderator, public, open_shift, outbox
) -> None:
    path, data = f"/api/v1/shifts/{open_shift.pk}/invite", {"member_id": member_of(volunteer2).pk}
    for user in (volunteer, police, moderator):
        response = send(login(user), path, data)
        assert response.status_code == 403
        assert documented(response, INVITE)["code"] == "forbidden"
    response = send(public, path, data)
    assert response.status_code == 401
    assert documented(response, INVITE)["code"] == "unauthenticated"
    assert not Invitation.objects.exists() and outbox == []


def test_an_invitation_to_a_cancelled_shift_is_refused(
    login, leader, officer, volunteer, ours
) -> None:
    planning.cancel_shift(shift=ours, actor=officer, reason="暴雨")
    response = send(
        login(leader), f"/api/v1/shifts/{ours.pk}/invite", {"member_id": member_of(volunteer).pk}
    )
    assert response.status_code == 409
    assert documented(response, INVITE)["code"] == "shift_closed"
    assert not Invitation.objects.exists()


def test_the_candidates_are_those_the_shift_page_shows(
    login, leader, volunteer, volunteer2, ours
) -> None:
    claim(ours, volunteer2)  # on it already: not a candidate

    response = login(leader).get(f"/api/v1/shifts/{ours.pk}/candidates")
    page = login(leader).get(f"/shifts/{ours.pk}/")

    assert response.status_code == 200
    body = documented(response, CANDIDATES)
    assert {row["member_id"] for row in body} == {member_of(u).pk for u in (leader, volunteer)}
    assert {row["name"] for row in body} == {"王队长", "张志愿"}
    assert {row["squad"] for row in body} == {"城关一分队"}
    assert all(row["hours_this_month"] >= 0 for row in body)
    shown = [candidate.pk for candidate, _hours in page.context["candidates"]]
    assert [row["member_id"] for row in body] == shown


def test_a_cancelled_shift_has_no_candidates(login, leader, officer, ours) -> None:
    planning.cancel_shift(shift=ours, actor=officer, reason="暴雨")
    response = login(leader).get(f"/api/v1/shifts/{ours.pk}/candidates")
    assert response.status_code == 200
    assert documented(response, CANDIDATES) == []


def test_candidates_are_for_those_who_fill_the_shift(
    login, leader, volunteer, police, moderator, public, theirs
) -> None:
    for user in (leader, volunteer, police, moderator):
        response = login(user).get(f"/api/v1/shifts/{theirs.pk}/candidates")
        assert response.status_code == 403
        assert documented(response, CANDIDATES)["code"] == "forbidden"
    response = public.get(f"/api/v1/shifts/{theirs.pk}/candidates")
    assert response.status_code == 401
    assert documented(response, CANDIDATES)["code"] == "unauthenticated"


# Officers plan, change and cancel shifts.


def plan(town: Area, **changes: Any) -> dict[str, Any]:
    starts = at(6, 19)
    return {
        "kind": "patrol",
        "starts_at": starts.isoformat(),
        "minutes": 180,
        "place_type": "area",
        "place_id": town.pk,
        "min_people": 2,
        "spare_places": 2,
        "notes": "夜巡",
        **changes,
    }


def test_an_officer_plans_a_shift(login, officer, town) -> None:
    response = send(login(officer), "/api/v1/shifts", plan(town))

    assert response.status_code == 201
    body = documented(response, CREATE)
    shift = Shift.objects.get()
    assert body["id"] == shift.pk and body["place"]["name"] == "城关镇"
    assert (shift.capacity, shift.min_people, shift.notes) == (4, 2, "夜巡")
    assert shift.starts_at == at(6, 19)
    assert audited("shifts.shift.created") == 1


def test_only_officers_plan_shifts(
    login, leader, volunteer, police, moderator, public, town
) -> None:
    for user in (leader, volunteer, police, moderator):
        response = send(login(user), "/api/v1/shifts", plan(town))
        assert response.status_code == 403
        assert documented(response, CREATE)["code"] == "forbidden"
    response = send(public, "/api/v1/shifts", plan(town))
    assert response.status_code == 401
    assert documented(response, CREATE)["code"] == "unauthenticated"
    assert not Shift.objects.exists()


def test_a_plan_the_document_rules_out_is_refused_field_by_field(login, officer, town) -> None:
    client = login(officer)
    for wrong, field in (
        ({"minutes": 0}, "minutes"),  # given as a length, a shift cannot end before it starts
        ({"minutes": 24 * 60 + 1}, "minutes"),
        ({"place_type": "online"}, "place_type"),
        ({"min_people": 101}, "min_people"),
    ):
        response = send(client, "/api/v1/shifts", plan(town, **wrong))
        assert response.status_code == 422, wrong
        locations = [error["location"][-1] for error in documented(response, CREATE)["errors"]]
        assert field in locations, (wrong, locations)
    nobody = send(client, "/api/v1/shifts", plan(town, min_people=0, spare_places=0))
    assert nobody.status_code == 422  # at least one place
    gone = send(client, "/api/v1/shifts", plan(town, place_id=town.pk + 1000))
    assert gone.status_code == 404
    assert not Shift.objects.exists()


def test_a_skill_needed_by_more_than_the_places_is_needed_by_every_place(
    login, officer, town
) -> None:
    data = plan(town, min_people=1, spare_places=1, required_skills={"first_aid": 5})
    response = send(login(officer), "/api/v1/shifts", data)
    assert response.status_code == 201
    assert Shift.objects.get().required_skills == {"first_aid": 2}


def test_an_officer_changes_a_shift_and_its_people_are_told(
    login, officer, volunteer, town, open_shift, outbox
) -> None:
    claim(open_shift, volunteer)
    later = open_shift.starts_at + dt.timedelta(hours=1)
    data = plan(
        town,
        starts_at=later.isoformat(),
        min_people=1,
        spare_places=5,
    )
    client = login(officer)

    response = send(client, f"/api/v1/shifts/{open_shift.pk}", data, method="put")
    again = send(client, f"/api/v1/shifts/{open_shift.pk}", data, method="put")

    assert (response.status_code, again.status_code) == (200, 200)
    body = documented(response, UPDATE)
    assert body["capacity"] == 6 and body["taken"] == 1
    assert dt.datetime.fromisoformat(body["starts_at"]) == later
    assert documented(again, UPDATE) == body  # the same change twice is one change
    changed = refreshed(open_shift)
    assert (changed.capacity, changed.starts_at) == (6, later)
    assert changed.sequence == open_shift.sequence + 1
    assert audited("shifts.shift.changed") == 1
    assert len(messages_to(outbox, volunteer)) == 1  # told of the new time once, not twice


def test_a_shift_cannot_hold_fewer_places_than_people_on_it(
    login, officer, volunteer, volunteer2, town, open_shift
) -> None:
    claim(open_shift, volunteer)
    claim(open_shift, volunteer2)
    response = send(
        login(officer),
        f"/api/v1/shifts/{open_shift.pk}",
        plan(town, min_people=1, spare_places=0),
        method="put",
    )
    assert response.status_code == 409  # the people on it now decide: a conflict
    assert documented(response, UPDATE)["code"] == "capacity_below_taken"
    assert refreshed(open_shift).capacity == 4


def test_only_officers_change_shifts_even_a_squads_own(
    login, leader, volunteer, police, public, town, ours
) -> None:
    data = plan(town, spare_places=7)
    for user in (leader, volunteer, police):
        response = send(login(user), f"/api/v1/shifts/{ours.pk}", data, method="put")
        assert response.status_code == 403
        assert documented(response, UPDATE)["code"] == "forbidden"
    response = send(public, f"/api/v1/shifts/{ours.pk}", data, method="put")
    assert response.status_code == 401
    assert documented(response, UPDATE)["code"] == "unauthenticated"
    assert refreshed(ours).capacity == 4 and refreshed(ours).sequence == ours.sequence


def test_an_officer_cancels_a_shift_once_and_its_people_are_told_once(
    login, officer, volunteer, volunteer2, open_shift, outbox
) -> None:
    claim(open_shift, volunteer)
    client = login(officer)

    response = send(client, f"/api/v1/shifts/{open_shift.pk}/cancel", {"reason": "暴雨预警"})
    again = send(client, f"/api/v1/shifts/{open_shift.pk}/cancel", {"reason": "暴雨预警"})

    assert (response.status_code, again.status_code) == (200, 200)
    assert documented(response, CANCEL)["status"] == "cancelled"
    assert documented(again, CANCEL)["status"] == "cancelled"
    cancelled = refreshed(open_shift)
    assert cancelled.status == Shift.Status.CANCELLED and cancelled.taken == 0
    assert Claim.objects.get().status == Claim.Status.RELEASED
    assert audited("shifts.shift.cancelled") == 1
    assert len([m for m in messages_to(outbox, volunteer) if "暴雨预警" in m.body]) == 1
    # A cancelled shift takes no more claims.
    response = login(volunteer2).post(f"/api/v1/shifts/{open_shift.pk}/claim")
    assert response.status_code == 409


def test_only_officers_cancel_shifts(login, leader, volunteer, police, public, ours) -> None:
    for user in (leader, volunteer, police):
        response = send(login(user), f"/api/v1/shifts/{ours.pk}/cancel", {"reason": "人手不足"})
        assert response.status_code == 403
        assert documented(response, CANCEL)["code"] == "forbidden"
    response = send(public, f"/api/v1/shifts/{ours.pk}/cancel", {"reason": "人手不足"})
    assert response.status_code == 401
    assert documented(response, CANCEL)["code"] == "unauthenticated"
    assert refreshed(ours).status == Shift.Status.SCHEDULED
