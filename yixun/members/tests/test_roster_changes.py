"""Changing the roster: standing, kind, squads, leaders, deputies and details."""

from typing import Any

import pytest
from django.test import Client

from yixun.accounts.models import User
from yixun.accounts.roles import Role
from yixun.audit.models import AuditEntry
from yixun.members.models import (
    Member,
    MemberSkill,
    PartnerOrganisation,
    Squad,
    SquadTransfer,
    StatusChange,
)
from yixun.members.services import roster
from yixun.members.services.errors import MembershipError, NotAllowed


def member_of(user: User) -> Member:
    return Member.objects.get(user=user)


def roles(user: User) -> set[str]:
    return set(user.role_grants.values_list("role", flat=True))


def api_post(client: Client, path: str, payload: dict) -> Any:
    return client.post(path, payload, content_type="application/json")


# Status.


def test_an_officer_suspends_a_member_with_a_reason(login, officer, volunteer) -> None:
    member = member_of(volunteer)
    response = login(officer).post(
        f"/members/{member.pk}/status/", {"status": "suspended", "reason": "半年未参加巡逻"}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == Member.Status.SUSPENDED
    change = StatusChange.objects.get(member=member)
    assert (change.status, change.reason, change.by) == ("suspended", "半年未参加巡逻", officer)
    entry = AuditEntry.objects.get(action="members.member.status_changed")
    assert entry.actor == officer
    assert entry.target_id == str(member.pk)
    assert entry.data == {"from": "active", "to": "suspended", "reason": "半年未参加巡逻"}


def test_a_change_of_status_without_a_reason_is_refused(login, officer, volunteer) -> None:
    member = member_of(volunteer)
    response = login(officer).post(
        f"/members/{member.pk}/status/", {"status": "left", "reason": "   "}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE
    assert not StatusChange.objects.exists()
    assert not AuditEntry.objects.filter(action="members.member.status_changed").exists()
    with pytest.raises(MembershipError) as refusal:
        roster.change_status(member=member, status="left", reason="", actor=officer)
    assert refusal.value.code == "reason_needed"


def test_an_unknown_status_is_refused(officer, volunteer) -> None:
    with pytest.raises(MembershipError) as refusal:
        roster.change_status(
            member=member_of(volunteer), status="retired", reason="年纪大了", actor=officer
        )
    assert refusal.value.code == "unknown_status"


@pytest.mark.parametrize("who", ["leader", "volunteer2", "police", "moderator"])
def test_only_officers_change_a_members_status(login, request, volunteer, who) -> None:
    member = member_of(volunteer)
    client = login(request.getfixturevalue(who))
    response = client.post(f"/members/{member.pk}/status/", {"status": "left", "reason": "走了"})
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE
    assert not StatusChange.objects.exists()


def test_the_public_cannot_change_a_status(public, volunteer) -> None:
    response = public.post(
        f"/members/{member_of(volunteer).pk}/status/", {"status": "left", "reason": "走了"}
    )
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert member_of(volunteer).status == Member.Status.ACTIVE


def test_an_officer_changes_status_through_the_api(login, officer, volunteer) -> None:
    member = member_of(volunteer)
    response = api_post(
        login(officer),
        f"/api/v1/members/{member.pk}/status",
        {"status": "left", "reason": "搬家到外地"},
    )
    assert response.status_code == 200
    assert response.json()["status"] == "left"
    assert StatusChange.objects.get(member=member).reason == "搬家到外地"


def test_the_api_wants_a_reason_for_a_change_of_status(login, officer, volunteer) -> None:
    member = member_of(volunteer)
    response = api_post(
        login(officer), f"/api/v1/members/{member.pk}/status", {"status": "left", "reason": ""}
    )
    assert response.status_code == 422
    blank = api_post(
        login(officer), f"/api/v1/members/{member.pk}/status", {"status": "left", "reason": "  "}
    )
    # Spaces are no reason: the document says so (a pattern), so it is bad input too.
    assert blank.status_code == 422
    assert [error["location"][-1] for error in blank.json()["errors"]] == ["reason"]
    assert member_of(volunteer).status == Member.Status.ACTIVE


def test_the_api_refuses_a_change_of_status_to_others(
    login, leader, volunteer2, other_volunteer, police, public, volunteer
) -> None:
    path = f"/api/v1/members/{member_of(volunteer).pk}/status"
    payload = {"status": "suspended", "reason": "不守纪律"}
    # Only officers change a status: anyone else is refused before the member is looked up.
    for who in (leader, volunteer2, other_volunteer, police):
        response = api_post(login(who), path, payload)
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"
    assert api_post(public, path, payload).status_code == 401
    assert member_of(volunteer).status == Member.Status.ACTIVE


# Kind.


def test_an_officer_changes_a_members_kind(login, officer, volunteer) -> None:
    member = member_of(volunteer)
    response = login(officer).post(f"/members/{member.pk}/kind/", {"kind": "core"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.kind == Member.Kind.CORE
    entry = AuditEntry.objects.get(action="members.member.kind_changed")
    assert entry.data == {"from": "volunteer", "to": "core"}


def test_an_unknown_kind_is_refused(login, officer, volunteer) -> None:
    member = member_of(volunteer)
    login(officer).post(f"/members/{member.pk}/kind/", {"kind": "honorary"})
    assert member_of(volunteer).kind == Member.Kind.VOLUNTEER
    with pytest.raises(MembershipError) as refusal:
        roster.change_kind(member=member, kind="honorary", actor=officer)
    assert refusal.value.code == "unknown_kind"


@pytest.mark.parametrize("who", ["leader", "volunteer", "police"])
def test_only_officers_change_a_members_kind(login, request, volunteer2, who) -> None:
    member = member_of(volunteer2)
    client = login(request.getfixturevalue(who))
    assert client.post(f"/members/{member.pk}/kind/", {"kind": "core"}).status_code == 403
    assert member_of(volunteer2).kind == Member.Kind.VOLUNTEER


# Transfers.


def test_an_officer_moves_a_member_and_the_history_is_kept(
    login, officer, volunteer, squad, other_squad, outbox
) -> None:
    member = member_of(volunteer)
    response = login(officer).post(
        f"/members/{member.pk}/transfer/", {"squad": other_squad.pk, "reason": "搬到河口"}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.squad == other_squad
    move = SquadTransfer.objects.get(member=member)
    assert (move.from_squad, move.to_squad, move.reason, move.by) == (
        squad,
        other_squad,
        "搬到河口",
        officer,
    )
    assert [m.to for m in outbox] == ["+8613900000002"]
    assert other_squad.name in outbox[0].body
    assert AuditEntry.objects.filter(action="members.member.transferred").count() == 1


def test_a_member_may_be_left_without_a_squad(login, officer, volunteer, squad) -> None:
    member = member_of(volunteer)
    login(officer).post(f"/members/{member.pk}/transfer/", {"squad": "", "reason": "暂停"})
    member.refresh_from_db()
    assert member.squad is None
    assert SquadTransfer.objects.get(member=member).to_squad is None


def test_moving_a_member_to_their_own_squad_changes_nothing(officer, volunteer, squad, outbox):
    roster.transfer_member(member=member_of(volunteer), to_squad=squad, reason="", actor=officer)
    assert not SquadTransfer.objects.exists()
    assert outbox == []


def test_a_leader_moves_a_member_out_of_their_own_squad(
    login, leader, volunteer, other_squad, outbox
) -> None:
    member = member_of(volunteer)
    response = login(leader).post(
        f"/members/{member.pk}/transfer/", {"squad": other_squad.pk, "reason": "就近巡逻"}
    )
    assert response.status_code == 302
    assert member_of(volunteer).squad == other_squad
    assert SquadTransfer.objects.get(member=member).by == leader
    assert len(outbox) == 1


def test_a_moved_deputy_stops_being_a_deputy(officer, squad, volunteer, other_squad) -> None:
    squad.deputies.add(volunteer)
    roster.transfer_member(
        member=member_of(volunteer), to_squad=other_squad, reason="", actor=officer
    )
    assert not squad.deputies.exists()


def test_a_leader_cannot_move_someone_of_another_squad(
    login, leader, other_volunteer, squad, other_squad
) -> None:
    member = member_of(other_volunteer)
    client = login(leader)
    page = client.post(f"/members/{member.pk}/transfer/", {"squad": squad.pk, "reason": ""})
    assert page.status_code == 404
    api = api_post(client, f"/api/v1/members/{member.pk}/transfer", {"squad_id": squad.pk})
    assert api.status_code == 404
    assert member_of(other_volunteer).squad == other_squad
    assert not SquadTransfer.objects.exists()
    with pytest.raises(NotAllowed):
        roster.transfer_member(member=member, to_squad=squad, reason="", actor=leader)


def test_a_volunteer_cannot_move_a_squad_mate(
    login, volunteer, volunteer2, squad, other_squad, outbox
) -> None:
    member = member_of(volunteer2)
    client = login(volunteer)
    client.post(f"/members/{member.pk}/transfer/", {"squad": other_squad.pk, "reason": ""})
    api = api_post(client, f"/api/v1/members/{member.pk}/transfer", {"squad_id": other_squad.pk})
    assert api.status_code == 403
    assert api.json()["code"] == "forbidden"
    assert member_of(volunteer2).squad == squad
    assert not SquadTransfer.objects.exists()
    assert outbox == []


def test_police_and_the_public_cannot_move_anyone(login, police, public, volunteer, other_squad):
    member = member_of(volunteer)
    form = {"squad": other_squad.pk, "reason": ""}
    assert login(police).post(f"/members/{member.pk}/transfer/", form).status_code == 404
    assert public.post(f"/members/{member.pk}/transfer/", form).status_code == 302
    payload = {"squad_id": other_squad.pk}
    assert api_post(public, f"/api/v1/members/{member.pk}/transfer", payload).status_code == 401
    assert member_of(volunteer).squad != other_squad


def test_a_squads_leader_cannot_be_moved_away(login, officer, leader, squad, other_squad) -> None:
    member = member_of(leader)
    with pytest.raises(MembershipError) as refusal:
        roster.transfer_member(member=member, to_squad=other_squad, reason="", actor=officer)
    assert refusal.value.code == "leader_cannot_move"
    response = api_post(
        login(officer), f"/api/v1/members/{member.pk}/transfer", {"squad_id": other_squad.pk}
    )
    # Who leads the squad now decides, not the request: a conflict.
    assert response.status_code == 409
    assert response.json()["code"] == "leader_cannot_move"
    assert member_of(leader).squad == squad
    assert not SquadTransfer.objects.exists()


def test_an_officer_moves_a_member_through_the_api(login, officer, volunteer, other_squad):
    response = api_post(
        login(officer),
        f"/api/v1/members/{member_of(volunteer).pk}/transfer",
        {"squad_id": other_squad.pk, "reason": "调整"},
    )
    assert response.status_code == 200
    assert response.json()["squad_id"] == other_squad.pk


def test_moving_to_a_squad_that_does_not_exist_is_not_found(login, officer, volunteer) -> None:
    response = api_post(
        login(officer), f"/api/v1/members/{member_of(volunteer).pk}/transfer", {"squad_id": 999999}
    )
    assert response.status_code == 404


# Leaders.


def test_an_officer_appoints_a_new_leader(login, officer, squad, leader, volunteer) -> None:
    response = login(officer).post(f"/squads/{squad.pk}/leader/", {"leader": volunteer.pk})
    assert response.status_code == 302
    squad.refresh_from_db()
    assert squad.leader == volunteer
    assert Role.SQUAD_LEADER in roles(volunteer)
    assert Role.SQUAD_LEADER not in roles(leader)
    assert AuditEntry.objects.filter(action="members.squad.leader_set").exists()


def test_a_previous_leader_who_leads_another_squad_keeps_the_role(
    officer, squad, other_squad, leader, volunteer
) -> None:
    other_squad.leader = leader
    other_squad.save()
    roster.set_leader(squad=squad, leader=volunteer, actor=officer)
    assert Role.SQUAD_LEADER in roles(leader)


def test_a_previous_leader_who_deputises_elsewhere_keeps_the_role(
    officer, squad, other_squad, leader, volunteer
) -> None:
    other_squad.deputies.add(leader)
    roster.set_leader(squad=squad, leader=volunteer, actor=officer)
    assert Role.SQUAD_LEADER in roles(leader)


def test_a_new_leader_stops_being_a_deputy(officer, squad, volunteer) -> None:
    squad.deputies.add(volunteer)
    roster.set_leader(squad=squad, leader=volunteer, actor=officer)
    assert not squad.deputies.filter(pk=volunteer.pk).exists()


def test_a_leader_from_another_squad_is_moved_into_the_squad(
    officer, squad, other_volunteer
) -> None:
    roster.set_leader(squad=squad, leader=other_volunteer, actor=officer)
    assert member_of(other_volunteer).squad == squad
    assert SquadTransfer.objects.get(member=member_of(other_volunteer)).to_squad == squad


def test_a_leader_must_be_an_active_member(officer, squad, police, volunteer) -> None:
    with pytest.raises(MembershipError) as refusal:
        roster.set_leader(squad=squad, leader=police, actor=officer)
    assert refusal.value.code == "leader_not_member"
    Member.objects.filter(user=volunteer).update(status=Member.Status.SUSPENDED)
    with pytest.raises(MembershipError):
        roster.set_leader(squad=squad, leader=volunteer, actor=officer)


def test_the_leader_page_offers_only_the_squads_members(
    login, officer, squad, leader, other_volunteer
) -> None:
    login(officer).post(f"/squads/{squad.pk}/leader/", {"leader": other_volunteer.pk})
    squad.refresh_from_db()
    assert squad.leader == leader
    assert member_of(other_volunteer).squad != squad


@pytest.mark.parametrize("who", ["leader", "volunteer", "other_volunteer", "police"])
def test_only_officers_appoint_leaders(login, request, squad, leader, volunteer, who) -> None:
    client = login(request.getfixturevalue(who))
    assert client.post(f"/squads/{squad.pk}/leader/", {"leader": volunteer.pk}).status_code == 403
    squad.refresh_from_db()
    assert squad.leader == leader
    assert Role.SQUAD_LEADER not in roles(volunteer)


# Deputies.


def test_a_leader_sets_their_own_squads_deputies(login, leader, squad, volunteer) -> None:
    response = login(leader).post(f"/squads/{squad.pk}/deputies/", {"deputies": [volunteer.pk]})
    assert response.status_code == 302
    assert list(squad.deputies.all()) == [volunteer]
    assert AuditEntry.objects.get(action="members.squad.deputies_set").actor == leader


def test_a_leader_cannot_set_another_squads_deputies(
    login, leader, other_squad, other_volunteer
) -> None:
    client = login(leader)
    page = client.post(f"/squads/{other_squad.pk}/deputies/", {"deputies": [other_volunteer.pk]})
    assert page.status_code == 404
    api = client.put(
        f"/api/v1/squads/{other_squad.pk}/deputies",
        {"user_ids": [other_volunteer.pk]},
        content_type="application/json",
    )
    assert api.status_code == 403
    assert not other_squad.deputies.exists()


@pytest.mark.parametrize("who", ["volunteer", "police", "moderator"])
def test_other_roles_cannot_set_deputies(login, request, squad, volunteer2, who) -> None:
    client = login(request.getfixturevalue(who))
    page = client.post(f"/squads/{squad.pk}/deputies/", {"deputies": [volunteer2.pk]})
    assert page.status_code == 404
    api = client.put(
        f"/api/v1/squads/{squad.pk}/deputies",
        {"user_ids": [volunteer2.pk]},
        content_type="application/json",
    )
    assert api.status_code == 403
    assert not squad.deputies.exists()


def test_the_public_cannot_set_deputies(public, squad, volunteer) -> None:
    page = public.post(f"/squads/{squad.pk}/deputies/", {"deputies": [volunteer.pk]})
    assert page.status_code == 302
    api = public.put(
        f"/api/v1/squads/{squad.pk}/deputies",
        {"user_ids": [volunteer.pk]},
        content_type="application/json",
    )
    assert api.status_code == 401
    assert not squad.deputies.exists()


def test_deputies_must_be_members_of_the_squad(login, officer, squad, other_volunteer) -> None:
    with pytest.raises(MembershipError) as refusal:
        roster.set_deputies(squad=squad, deputies=[other_volunteer], actor=officer)
    assert refusal.value.code == "deputy_not_in_squad"
    response = login(officer).put(
        f"/api/v1/squads/{squad.pk}/deputies",
        {"user_ids": [other_volunteer.pk]},
        content_type="application/json",
    )
    # Through the API an id outside the squad is simply not found: the answer names nobody.
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not squad.deputies.exists()


def test_a_member_who_is_not_active_cannot_be_made_a_deputy(login, officer, squad, volunteer):
    # The page offers only active members; the API and the service must refuse the others,
    # since a deputy sees the squad's phone numbers.
    Member.objects.filter(user=volunteer).update(status=Member.Status.SUSPENDED)
    response = login(officer).put(
        f"/api/v1/squads/{squad.pk}/deputies",
        {"user_ids": [volunteer.pk]},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not squad.deputies.exists()


def test_a_leader_sets_deputies_through_the_api(login, leader, squad, volunteer, volunteer2):
    response = login(leader).put(
        f"/api/v1/squads/{squad.pk}/deputies",
        {"user_ids": [volunteer.pk, volunteer2.pk]},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert sorted(response.json()["deputy_ids"]) == sorted([volunteer.pk, volunteer2.pk])


def test_an_unknown_deputy_is_not_found(login, officer, squad) -> None:
    response = login(officer).put(
        f"/api/v1/squads/{squad.pk}/deputies",
        {"user_ids": [999999]},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_a_deputy_does_not_choose_the_deputies(login, leader, squad, volunteer, volunteer2) -> None:
    squad.deputies.add(volunteer)
    response = login(volunteer).post(
        f"/squads/{squad.pk}/deputies/", {"deputies": [volunteer.pk, volunteer2.pk]}
    )
    assert response.status_code == 302
    assert set(squad.deputies.all()) == {volunteer}


# Creating and renaming squads.


def test_an_officer_creates_a_squad(login, officer) -> None:
    response = login(officer).post("/squads/new/", {"name": "  新城三分队 "})
    squad = Squad.objects.get(name="新城三分队")
    assert response.status_code == 302
    assert response["Location"] == f"/squads/{squad.pk}/"
    assert AuditEntry.objects.filter(action="members.squad.created").exists()


def test_a_squad_name_may_not_be_taken_twice(login, officer, squad) -> None:
    response = login(officer).post("/squads/new/", {"name": squad.name})
    assert response.status_code == 302
    assert Squad.objects.filter(name=squad.name).count() == 1
    with pytest.raises(MembershipError) as refusal:
        roster.create_squad(name=f" {squad.name} ", area=None, leader=None, actor=officer)
    assert refusal.value.code == "squad_name_taken"


def test_the_api_answers_a_taken_squad_name_with_a_conflict(login, officer, squad) -> None:
    response = api_post(login(officer), "/api/v1/squads", {"name": squad.name})
    assert response.status_code == 409
    assert response.json()["code"] == "squad_name_taken"
    assert Squad.objects.filter(name=squad.name).count() == 1


def test_an_officer_creates_a_squad_through_the_api(login, officer) -> None:
    response = api_post(login(officer), "/api/v1/squads", {"name": "新城三分队"})
    assert response.status_code == 201
    assert response.json()["name"] == "新城三分队"
    assert response.json()["size"] == 0


@pytest.mark.parametrize("who", ["leader", "volunteer", "police", "moderator"])
def test_only_officers_create_squads(login, request, who) -> None:
    client = login(request.getfixturevalue(who))
    assert client.post("/squads/new/", {"name": "私设分队"}).status_code == 403
    response = api_post(client, "/api/v1/squads", {"name": "私设分队"})
    assert response.status_code == 403
    assert not Squad.objects.filter(name="私设分队").exists()


def test_the_public_cannot_create_squads(public, db) -> None:
    assert public.post("/squads/new/", {"name": "私设分队"}).status_code == 302
    assert api_post(public, "/api/v1/squads", {"name": "私设分队"}).status_code == 401
    assert not Squad.objects.exists()


def test_an_officer_renames_a_squad(login, officer, squad) -> None:
    login(officer).post(f"/squads/{squad.pk}/edit/", {"name": "城关第一分队"})
    squad.refresh_from_db()
    assert squad.name == "城关第一分队"
    entry = AuditEntry.objects.get(action="members.squad.changed")
    assert entry.data["name"] == ["城关一分队", "城关第一分队"]


def test_a_squad_cannot_take_another_squads_name(login, officer, squad, other_squad) -> None:
    login(officer).post(f"/squads/{squad.pk}/edit/", {"name": other_squad.name})
    squad.refresh_from_db()
    assert squad.name == "城关一分队"
    with pytest.raises(MembershipError) as refusal:
        roster.update_squad(squad=squad, name=other_squad.name, area=None, actor=officer)
    assert refusal.value.code == "squad_name_taken"


@pytest.mark.parametrize("who", ["leader", "volunteer", "other_volunteer", "police"])
def test_only_officers_rename_squads(login, request, squad, who) -> None:
    client = login(request.getfixturevalue(who))
    assert client.post(f"/squads/{squad.pk}/edit/", {"name": "改名"}).status_code == 403
    squad.refresh_from_db()
    assert squad.name == "城关一分队"


# Details.


def test_a_member_edits_their_own_availability_skills_and_emergency_contact(
    login, volunteer
) -> None:
    response = login(volunteer).post(
        "/me/membership/",
        {
            "availability": ["weekday_evening", "night"],
            "skills": ["first_aid", "driving"],
            "driving_class": "C1",
            "emergency_name": "张妈妈",
            "emergency_phone": "137 0000 0099",
        },
    )
    assert response.status_code == 302
    member = member_of(volunteer)
    assert member.availability == ["weekday_evening", "night"]
    assert member.emergency_name == "张妈妈"
    assert member.emergency_phone == "+8613700000099"
    assert {(s.skill, s.detail) for s in member.skills.all()} == {
        ("first_aid", ""),
        ("driving", "C1"),
    }
    entry = AuditEntry.objects.get(action="members.member.details_changed")
    assert entry.actor == volunteer
    assert "skills" in entry.data["fields"]


def test_a_member_cannot_change_their_own_occupation_or_partner(login, volunteer) -> None:
    partner = PartnerOrganisation.objects.create(name="县法律援助中心", kind="legal_aid")
    login(volunteer).post(
        "/me/membership/", {"occupation": "teacher", "partner": partner.pk, "emergency_name": "甲"}
    )
    member = member_of(volunteer)
    assert member.occupation == ""
    assert member.partner is None
    with pytest.raises(NotAllowed):
        roster.update_details(member=member, actor=volunteer, occupation="teacher")
    with pytest.raises(NotAllowed):
        roster.update_details(member=member, actor=volunteer, partner=partner)
    member.refresh_from_db()
    assert member.occupation == ""


def test_a_bad_emergency_phone_is_refused_on_the_members_page(login, volunteer) -> None:
    response = login(volunteer).post("/me/membership/", {"emergency_phone": "12345"})
    assert response.status_code == 400
    assert member_of(volunteer).emergency_phone == ""


def test_someone_without_a_membership_has_no_membership_page(login, police) -> None:
    assert login(police).get("/me/membership/").status_code == 404


def test_nobody_but_the_member_and_officers_edits_details(leader, volunteer, volunteer2) -> None:
    for actor in (leader, volunteer2):
        with pytest.raises(NotAllowed):
            roster.update_details(member=member_of(volunteer), actor=actor, emergency_name="乙")
    assert member_of(volunteer).emergency_name == ""


def test_an_officer_edits_every_detail(login, officer, volunteer) -> None:
    partner = PartnerOrganisation.objects.create(name="县志愿者联合会", kind="volunteers")
    member = member_of(volunteer)
    response = login(officer).post(
        f"/members/{member.pk}/edit/",
        {
            "occupation": "medical",
            "partner": partner.pk,
            "availability": ["weekend_daytime"],
            "skills": ["medical"],
            "emergency_name": "张爸爸",
            "emergency_phone": "13700000098",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.occupation == "medical"
    assert member.partner == partner
    assert member.availability == ["weekend_daytime"]
    assert member.emergency_phone == "+8613700000098"
    assert member.skill_set() == {"medical"}


@pytest.mark.parametrize("who", ["leader", "volunteer", "volunteer2", "police"])
def test_only_officers_use_the_edit_page(login, request, volunteer, who) -> None:
    member = member_of(volunteer)
    client = login(request.getfixturevalue(who))
    assert client.get(f"/members/{member.pk}/edit/").status_code == 403
    response = client.post(f"/members/{member.pk}/edit/", {"occupation": "teacher"})
    assert response.status_code == 403
    assert member_of(volunteer).occupation == ""


def test_a_member_edits_their_own_details_through_the_api(login, volunteer) -> None:
    member = member_of(volunteer)
    response = login(volunteer).patch(
        f"/api/v1/members/{member.pk}",
        {
            "emergency_name": "张妈妈",
            "emergency_phone": "13700000099",
            "skills": [{"skill": "language", "detail": "粤语"}],
        },
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["emergency_phone"] == "+8613700000099"
    assert MemberSkill.objects.get(member=member).detail == "粤语"


def test_the_api_refuses_a_member_changing_their_occupation(login, volunteer) -> None:
    member = member_of(volunteer)
    response = login(volunteer).patch(
        f"/api/v1/members/{member.pk}", {"occupation": "teacher"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert member_of(volunteer).occupation == ""


def test_the_api_refuses_details_of_others(
    login, leader, volunteer2, other_volunteer, public, volunteer
) -> None:
    path = f"/api/v1/members/{member_of(volunteer).pk}"
    payload = {"emergency_name": "冒名"}
    for who in (leader, volunteer2):
        response = login(who).patch(path, payload, content_type="application/json")
        assert response.status_code == 403
    assert (
        login(other_volunteer).patch(path, payload, content_type="application/json").status_code
        == 404
    )
    assert public.patch(path, payload, content_type="application/json").status_code == 401
    assert member_of(volunteer).emergency_name == ""


def test_an_officer_sets_occupation_and_partner_through_the_api(login, officer, volunteer):
    partner = PartnerOrganisation.objects.create(name="县献血志愿队", kind="blood")
    response = login(officer).patch(
        f"/api/v1/members/{member_of(volunteer).pk}",
        {"occupation": "veteran", "partner_id": partner.pk},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["occupation"] == "veteran"
    assert member_of(volunteer).partner == partner


def test_a_skill_detail_too_long_for_the_roster_is_refused(login, volunteer) -> None:
    member = Member.objects.get(user=volunteer)
    response = login(volunteer).patch(
        f"/api/v1/members/{member.pk}",
        {"skills": [{"skill": "driving", "detail": "C" * 61}]},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert not member.skills.exists()


def test_a_status_reason_too_long_is_refused_not_crashed_on(login, officer, volunteer) -> None:
    member = Member.objects.get(user=volunteer)
    response = login(officer).post(
        f"/members/{member.pk}/status/", {"status": "suspended", "reason": "因" * 201}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE
