"""Who sees which members, and which of their numbers: the model, the pages and the API."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.utils import timezone

from yixun.accounts import services as accounts
from yixun.accounts.models import User
from yixun.accounts.roles import Role
from yixun.members.models import (
    ContactScope,
    Coverage,
    InsurancePolicy,
    Member,
    MemberSkill,
    Squad,
    can_see_contact,
)

MEMBER_ROW = re.compile(r'data-member="(\d+)"')


def add_member(name: str, phone: str, squad: Squad | None, **fields: object) -> Member:
    user = accounts.create_user(
        phone=phone, name=name, password=None, actor=None, roles=[Role.VOLUNTEER]
    )
    return Member.objects.create(user=user, squad=squad, **fields)


def member_of(user: User) -> Member:
    return Member.objects.get(user=user)


def rows(html: str) -> list[int]:
    """The members listed on a page, in the order shown."""
    return [int(pk) for pk in MEMBER_ROW.findall(html)]


def shows_phone(html: str, phone: str) -> bool:
    """Whether a page shows a mobile number, in any of the forms the templates use."""
    grouped = f"{phone[:3]} {phone[3:7]} {phone[7:]}"
    return phone in html or grouped in html


@pytest.fixture
def cast(leader, volunteer, volunteer2, other_volunteer, moderator, police, officer) -> None:
    """Everyone, with emergency contacts for the squad's volunteers."""
    for user, contact in ((volunteer, "13700000012"), (volunteer2, "13700000013")):
        member = member_of(user)
        member.emergency_name = "紧急联系人"
        member.emergency_phone = contact
        member.save()


# The model: whom each person sees at all.


def test_an_officer_sees_every_member(cast, officer, leader, volunteer, other_volunteer) -> None:
    seen = set(Member.objects.visible_to(officer).values_list("user", flat=True))
    assert {leader.pk, volunteer.pk, other_volunteer.pk} <= seen


def test_a_volunteer_sees_their_own_squad_and_nobody_elses(
    cast, volunteer, volunteer2, leader, other_volunteer
) -> None:
    seen = set(Member.objects.visible_to(volunteer).values_list("user", flat=True))
    assert seen == {volunteer.pk, volunteer2.pk, leader.pk}


def test_a_leader_sees_their_own_squad_only(cast, leader, volunteer, volunteer2) -> None:
    seen = set(Member.objects.visible_to(leader).values_list("user", flat=True))
    assert seen == {leader.pk, volunteer.pk, volunteer2.pk}


def test_a_deputy_sees_the_squad_they_deputise_for(cast, squad, other_volunteer, volunteer) -> None:
    squad.deputies.add(other_volunteer)
    seen = set(Member.objects.visible_to(other_volunteer).values_list("user", flat=True))
    assert volunteer.pk in seen


def test_police_and_moderators_without_a_squad_see_nobody(cast, police, moderator) -> None:
    assert not Member.objects.visible_to(police).exists()
    assert not Member.objects.visible_to(moderator).exists()


def test_a_member_without_a_squad_sees_only_themselves(cast, moderator) -> None:
    own = Member.objects.create(user=moderator, squad=None)
    assert list(Member.objects.visible_to(moderator)) == [own]


def test_a_suspended_volunteer_sees_only_themselves(cast, volunteer) -> None:
    member = member_of(volunteer)
    member.status = Member.Status.SUSPENDED
    member.save()
    assert list(Member.objects.visible_to(volunteer)) == [member]


@pytest.mark.parametrize("status", ["suspended", "left"])
def test_a_leader_who_is_no_longer_active_no_longer_sees_the_squad(
    cast, leader, volunteer, status
) -> None:
    # Like a volunteer, whose squad's roster goes with their active membership, a leader who
    # has left or been suspended keeps no access to the squad's members and numbers.
    own = member_of(leader)
    Member.objects.filter(pk=own.pk).update(status=status)
    assert list(Member.objects.visible_to(leader)) == [own]
    assert not ContactScope(leader).covers(member_of(volunteer))


def test_the_public_and_deactivated_accounts_see_nobody(cast, volunteer) -> None:
    assert not Member.objects.visible_to(AnonymousUser()).exists()
    volunteer.is_active = False
    volunteer.save()
    assert not Member.objects.visible_to(volunteer).exists()


# The model: whose numbers each person sees.


def test_an_officer_may_see_everyones_contact(cast, officer, volunteer, other_volunteer) -> None:
    scope = ContactScope(officer)
    assert scope.everyone
    assert scope.covers(member_of(volunteer))
    assert scope.covers(member_of(other_volunteer))


def test_a_leader_may_see_their_squads_contact_and_no_other(
    cast, leader, volunteer, other_volunteer
) -> None:
    scope = ContactScope(leader)
    assert not scope.everyone
    assert scope.covers(member_of(volunteer))
    assert not scope.covers(member_of(other_volunteer))


def test_a_deputy_may_see_their_squads_contact(cast, squad, volunteer, volunteer2) -> None:
    squad.deputies.add(volunteer)
    assert ContactScope(volunteer).covers(member_of(volunteer2))


def test_a_volunteer_may_see_only_their_own_contact(cast, volunteer, volunteer2, leader) -> None:
    scope = ContactScope(volunteer)
    assert scope.covers(member_of(volunteer))
    assert not scope.covers(member_of(volunteer2))
    assert not scope.covers(member_of(leader))
    assert can_see_contact(volunteer, member_of(volunteer))
    assert not can_see_contact(volunteer, member_of(volunteer2))


def test_police_and_the_public_may_see_no_ones_contact(cast, police, volunteer) -> None:
    assert not ContactScope(police).covers(member_of(volunteer))
    assert not ContactScope(AnonymousUser()).covers(member_of(volunteer))


# The roster page.


def test_the_public_is_sent_to_sign_in_for_every_roster_page(cast, public, squad, volunteer):
    for path in ("/members/", f"/members/{member_of(volunteer).pk}/", "/squads/"):
        response = public.get(path)
        assert response.status_code == 302, path
        assert "/accounts/login/" in response["Location"], path
    response = public.get(f"/squads/{squad.pk}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_an_officer_sees_every_member_with_phone_numbers(cast, login, officer) -> None:
    html = login(officer).get("/members/").content.decode()
    members = Member.objects.select_related("user")
    assert set(rows(html)) == {m.pk for m in members}
    for member in members:
        assert shows_phone(html, member.user.phone[3:]), member.name


def test_a_leader_sees_their_squad_with_phone_numbers(
    cast, login, leader, volunteer, volunteer2, other_volunteer
) -> None:
    html = login(leader).get("/members/").content.decode()
    assert set(rows(html)) == {member_of(u).pk for u in (leader, volunteer, volunteer2)}
    assert shows_phone(html, "13900000002")
    assert shows_phone(html, "13900000003")
    assert not shows_phone(html, "13900000004")


def test_a_volunteer_sees_their_squads_names_but_only_their_own_phone(
    cast, login, volunteer, volunteer2, leader, other_volunteer
) -> None:
    response = login(volunteer).get("/members/")
    assert response.status_code == 200
    html = response.content.decode()
    assert set(rows(html)) == {member_of(u).pk for u in (leader, volunteer, volunteer2)}
    assert "刘晓燕" in html
    assert shows_phone(html, "13900000002")
    assert not shows_phone(html, "13900000003")
    assert not shows_phone(html, "13900000001")
    assert not shows_phone(html, "13900000004")
    assert "赵海波" not in html


@pytest.mark.parametrize("who", ["police", "moderator"])
def test_police_and_moderators_see_an_empty_roster(cast, login, request, who) -> None:
    response = login(request.getfixturevalue(who)).get("/members/")
    assert response.status_code == 200
    assert rows(response.content.decode()) == []


def test_the_roster_is_in_pinyin_order(cast, login, officer) -> None:
    names = Squad.objects.create(name="排序分队")
    for name, phone in (("张三", "13600000001"), ("李四", "13600000002")):
        add_member(name, phone, names)
    for name, phone in (("王五", "13600000003"), ("阿强", "13600000004")):
        add_member(name, phone, names)
    html = login(officer).get("/members/", {"squad": names.pk}).content.decode()
    shown = [Member.objects.get(pk=pk).name for pk in rows(html)]
    assert shown == ["阿强", "李四", "王五", "张三"]


def test_a_renamed_member_moves_to_their_new_place_in_the_roster(cast, login, officer) -> None:
    names = Squad.objects.create(name="排序分队")
    first = add_member("阿强", "13600000001", names)
    add_member("李四", "13600000002", names)
    first.user.name = "张三"
    first.user.save()
    html = login(officer).get("/members/", {"squad": names.pk}).content.decode()
    assert [Member.objects.get(pk=pk).name for pk in rows(html)] == ["李四", "张三"]


# The roster's filters.


def listed(client: Client, **query: object) -> set[int]:
    response = client.get("/members/", query)
    assert response.status_code == 200
    return set(rows(response.content.decode()))


def test_the_roster_filters_by_squad(cast, login, officer, squad, other_volunteer) -> None:
    client = login(officer)
    assert listed(client, squad=other_volunteer.membership.squad_id) == {
        member_of(other_volunteer).pk
    }
    assert member_of(other_volunteer).pk not in listed(client, squad=squad.pk)


def test_the_roster_filters_by_kind_and_status(cast, login, officer, volunteer, volunteer2):
    Member.objects.filter(user=volunteer).update(kind=Member.Kind.CORE)
    Member.objects.filter(user=volunteer2).update(status=Member.Status.SUSPENDED)
    client = login(officer)
    assert listed(client, kind="core") == {member_of(volunteer).pk}
    assert listed(client, status="suspended") == {member_of(volunteer2).pk}
    assert member_of(volunteer2).pk not in listed(client, status="active")


def test_the_roster_filters_by_skill_and_occupation(cast, login, officer, volunteer, volunteer2):
    MemberSkill.objects.create(member=member_of(volunteer), skill="first_aid")
    Member.objects.filter(user=volunteer2).update(occupation="teacher")
    client = login(officer)
    assert listed(client, skill="first_aid") == {member_of(volunteer).pk}
    assert listed(client, occupation="teacher") == {member_of(volunteer2).pk}


def test_the_roster_filters_by_insurance_today(cast, login, officer, volunteer, volunteer2) -> None:
    today = timezone.localdate()
    current = InsurancePolicy.objects.create(
        insurer="人保",
        number="P-1",
        starts_on=today - dt.timedelta(days=10),
        ends_on=today + dt.timedelta(days=10),
        sum_insured=Decimal(100000),
    )
    lapsed = InsurancePolicy.objects.create(
        insurer="人保",
        number="P-0",
        starts_on=today - dt.timedelta(days=400),
        ends_on=today - dt.timedelta(days=35),
        sum_insured=Decimal(100000),
    )
    Coverage.objects.create(policy=current, member=member_of(volunteer))
    Coverage.objects.create(policy=lapsed, member=member_of(volunteer2))
    client = login(officer)
    assert listed(client, insured="yes") == {member_of(volunteer).pk}
    uninsured = listed(client, insured="no")
    assert member_of(volunteer2).pk in uninsured
    assert member_of(volunteer).pk not in uninsured


def test_a_filter_cannot_reach_another_squads_members(cast, login, volunteer, other_volunteer):
    found = listed(login(volunteer), squad=other_volunteer.membership.squad_id)
    assert found == set()


def test_searching_by_phone_number_is_for_officers_only(cast, login, officer, volunteer):
    assert listed(login(officer), q="0000 0003") == {member_of(User.objects.get(name="刘晓燕")).pk}
    assert listed(login(volunteer), q="00000003") == set()


# A member's page.


def test_a_leader_sees_a_squad_members_phone_and_emergency_contact(cast, login, leader, volunteer):
    response = login(leader).get(f"/members/{member_of(volunteer).pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert shows_phone(html, "13900000002")
    assert shows_phone(html, "13700000012")


def test_a_volunteer_sees_a_squad_mates_name_but_not_their_numbers(
    cast, login, volunteer, volunteer2
) -> None:
    response = login(volunteer).get(f"/members/{member_of(volunteer2).pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "刘晓燕" in html
    assert not shows_phone(html, "13900000003")
    assert not shows_phone(html, "13700000013")


def test_a_volunteer_sees_their_own_numbers(cast, login, volunteer) -> None:
    html = login(volunteer).get(f"/members/{member_of(volunteer).pk}/").content.decode()
    assert shows_phone(html, "13900000002")
    assert shows_phone(html, "13700000012")


def test_an_officer_sees_any_members_numbers(cast, login, officer, other_volunteer) -> None:
    html = login(officer).get(f"/members/{member_of(other_volunteer).pk}/").content.decode()
    assert shows_phone(html, "13900000004")


@pytest.mark.parametrize("who", ["other_volunteer", "police", "moderator"])
def test_another_squad_or_role_cannot_open_a_members_page(cast, login, request, volunteer, who):
    client = login(request.getfixturevalue(who))
    assert client.get(f"/members/{member_of(volunteer).pk}/").status_code == 404


def test_a_member_that_does_not_exist_is_not_found(cast, login, officer) -> None:
    assert login(officer).get("/members/999999/").status_code == 404


# Squads.


def test_every_signed_in_person_sees_the_list_of_squads(cast, login, volunteer, squad, other_squad):
    response = login(volunteer).get("/squads/")
    assert response.status_code == 200
    html = response.content.decode()
    assert squad.name in html
    assert other_squad.name in html


def test_an_officer_sees_a_squads_members_with_phones(cast, login, officer, squad, volunteer):
    html = login(officer).get(f"/squads/{squad.pk}/").content.decode()
    assert member_of(volunteer).pk in rows(html)
    assert shows_phone(html, "13900000002")


def test_a_volunteer_sees_their_squad_but_only_their_own_phone(
    cast, login, squad, volunteer, volunteer2
) -> None:
    html = login(volunteer).get(f"/squads/{squad.pk}/").content.decode()
    assert member_of(volunteer2).pk in rows(html)
    assert shows_phone(html, "13900000002")
    assert not shows_phone(html, "13900000003")


@pytest.mark.parametrize("who", ["other_volunteer", "police", "moderator"])
def test_another_squad_or_role_sees_a_squad_without_its_members(
    cast, login, request, squad, volunteer, who
) -> None:
    response = login(request.getfixturevalue(who)).get(f"/squads/{squad.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert rows(html) == []
    assert "张志愿" not in html
    assert not shows_phone(html, "13900000002")


def test_a_squad_that_does_not_exist_is_not_found(cast, login, officer) -> None:
    assert login(officer).get("/squads/999999/").status_code == 404


def test_a_squad_page_lists_only_active_members(cast, login, officer, squad, volunteer2) -> None:
    Member.objects.filter(user=volunteer2).update(status=Member.Status.LEFT)
    html = login(officer).get(f"/squads/{squad.pk}/").content.decode()
    assert member_of(volunteer2).pk not in rows(html)


# Query counts.


@pytest.fixture
def big_squad(squad) -> Squad:
    for n in range(60):
        member = add_member(f"队员{n:02d}", f"1350000{n:04d}", squad)
        MemberSkill.objects.create(member=member, skill="first_aid")
    return squad


def test_the_roster_of_a_large_squad_takes_few_queries_for_an_officer(
    cast, big_squad, login, officer, django_assert_max_num_queries
) -> None:
    client = login(officer)
    with django_assert_max_num_queries(12):
        response = client.get("/members/")
    assert len(rows(response.content.decode())) == 64  # everyone, on one page of a hundred


def test_the_roster_of_a_large_squad_takes_few_queries_for_its_leader(
    cast, big_squad, login, leader, django_assert_max_num_queries
) -> None:
    client = login(leader)
    with django_assert_max_num_queries(12):
        response = client.get("/members/", {"page": 1})
    assert len(rows(response.content.decode())) == 63


def test_a_large_squads_page_takes_few_queries(
    cast, big_squad, login, leader, django_assert_max_num_queries
) -> None:
    client = login(leader)
    with django_assert_max_num_queries(12):
        response = client.get(f"/squads/{big_squad.pk}/")
    assert len(rows(response.content.decode())) == 63


# The API.


def api_members(client: Client, **query: object) -> list[dict]:
    response = client.get("/api/v1/members", query)
    assert response.status_code == 200
    return response.json()["items"]


def test_the_api_lists_every_member_with_phones_for_an_officer(cast, login, officer) -> None:
    found = api_members(login(officer))
    assert {item["id"] for item in found} == set(Member.objects.values_list("pk", flat=True))
    assert all(item["phone"] for item in found)


def test_the_api_gives_a_leader_their_squads_numbers(cast, login, leader, volunteer) -> None:
    found = {item["id"]: item for item in api_members(login(leader))}
    assert set(found) == set(Member.objects.visible_to(leader).values_list("pk", flat=True))
    mine = found[member_of(volunteer).pk]
    assert mine["phone"] == "+8613900000002"
    assert mine["emergency_phone"] == "13700000012"
    assert mine["id_number_masked"] is None


def test_the_api_gives_a_volunteer_names_and_only_their_own_phone(
    cast, login, volunteer, volunteer2, other_volunteer
) -> None:
    found = {item["id"]: item for item in api_members(login(volunteer))}
    assert member_of(other_volunteer).pk not in found
    assert found[member_of(volunteer2).pk]["name"] == "刘晓燕"
    assert found[member_of(volunteer2).pk]["phone"] is None
    assert found[member_of(volunteer2).pk]["emergency_phone"] is None
    assert found[member_of(volunteer).pk]["phone"] == "+8613900000002"
    assert "13900000003" not in str(found)


@pytest.mark.parametrize("who", ["police", "moderator"])
def test_the_api_lists_no_members_for_police_and_moderators(cast, login, request, who) -> None:
    assert api_members(login(request.getfixturevalue(who))) == []


def test_the_api_lists_members_in_pinyin_order(cast, login, officer) -> None:
    names = Squad.objects.create(name="排序分队")
    for name, phone in (("张三", "13600000001"), ("李四", "13600000002")):
        add_member(name, phone, names)
    for name, phone in (("王五", "13600000003"), ("阿强", "13600000004")):
        add_member(name, phone, names)
    found = api_members(login(officer), squad=names.pk)
    assert [item["name"] for item in found] == ["阿强", "李四", "王五", "张三"]


def test_the_api_filters_members(cast, login, officer, volunteer, volunteer2) -> None:
    MemberSkill.objects.create(member=member_of(volunteer), skill="driving", detail="C1")
    Member.objects.filter(user=volunteer2).update(kind="core", occupation="medical")
    client = login(officer)
    assert [i["id"] for i in api_members(client, skill="driving")] == [member_of(volunteer).pk]
    assert [i["id"] for i in api_members(client, kind="core")] == [member_of(volunteer2).pk]
    assert [i["id"] for i in api_members(client, occupation="medical")] == [
        member_of(volunteer2).pk
    ]


def test_the_api_refuses_the_public(cast, public, volunteer, squad) -> None:
    for path in ("/api/v1/members", f"/api/v1/members/{member_of(volunteer).pk}"):
        response = public.get(path)
        assert response.status_code == 401, path
        assert response.json()["code"] == "unauthenticated"
    assert public.get(f"/api/v1/squads/{squad.pk}").status_code == 401


def test_the_api_shows_a_member_to_their_squad_leader(cast, login, leader, volunteer) -> None:
    response = login(leader).get(f"/api/v1/members/{member_of(volunteer).pk}")
    assert response.status_code == 200
    assert response.json()["phone"] == "+8613900000002"


def test_the_api_shows_a_squad_mate_without_numbers(cast, login, volunteer, volunteer2) -> None:
    response = login(volunteer).get(f"/api/v1/members/{member_of(volunteer2).pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["phone"] is None
    assert body["emergency_phone"] is None
    assert body["emergency_name"] is None


@pytest.mark.parametrize("who", ["other_volunteer", "police", "moderator"])
def test_the_api_hides_a_member_from_another_squad_and_role(cast, login, request, volunteer, who):
    client = login(request.getfixturevalue(who))
    response = client.get(f"/api/v1/members/{member_of(volunteer).pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_api_shows_a_squad_to_anyone_signed_in(cast, login, other_volunteer, squad, leader):
    response = login(other_volunteer).get(f"/api/v1/squads/{squad.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == squad.name
    assert body["leader_id"] == leader.pk
    assert body["size"] == 3
    assert "13900000001" not in response.content.decode()


def test_the_api_answers_not_found_for_an_unknown_squad(cast, login, officer) -> None:
    response = login(officer).get("/api/v1/squads/999999")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_squad_mates_see_names_not_photos(login, leader, volunteer, volunteer2) -> None:
    from django.core.files.base import ContentFile

    member = Member.objects.get(user=volunteer2)
    member.photo.save("p.jpg", ContentFile(b"\xff\xd8\xff\xe0 not really a jpeg"), save=True)
    assert login(volunteer).get(f"/members/{member.pk}/photo/").status_code == 404
    assert login(leader).get(f"/members/{member.pk}/photo/").status_code == 200
