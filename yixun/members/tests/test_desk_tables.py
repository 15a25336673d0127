"""The members list and the applications queue as desk tables: a bounded number of queries,
columns sorted by a whitelist, and bulk actions that go through the services one by one."""

import re

import pytest
from django.contrib.messages import get_messages

from yixun.accounts import services as accounts
from yixun.accounts.roles import Role
from yixun.audit.models import AuditEntry
from yixun.members.models import Application, Member, Squad
from yixun.members.tests.test_review import notice, submit  # noqa: F401 - fixtures

ROW = re.compile(r'<tr data-member="(\d+)"')


def add_members(count: int, squad: Squad, start: int = 0) -> list[Member]:
    made = []
    for i in range(start, start + count):
        user = accounts.create_user(
            phone=f"+86137{i:08d}",
            name=f"队员{i:03d}",
            password="x-Long-pass-2026",
            actor=None,
            roles=[Role.VOLUNTEER],
        )
        kind = Member.Kind.CORE if i % 3 else Member.Kind.VOLUNTEER
        made.append(Member.objects.create(user=user, squad=squad, kind=kind))
    return made


def member_ids(html: str) -> list[int]:
    return [int(pk) for pk in ROW.findall(html)]


@pytest.mark.parametrize("extra", [5, 60])
def test_the_members_page_costs_the_same_queries_however_many_rows(
    login, officer, squad, extra, django_assert_max_num_queries
) -> None:
    add_members(extra, squad)
    client = login(officer)
    client.get("/members/")
    with django_assert_max_num_queries(9):
        response = client.get("/members/")
    assert len(member_ids(response.content.decode())) == extra


def test_a_hundred_members_show_on_a_page_and_the_rest_on_the_next(login, officer, squad) -> None:
    add_members(105, squad)
    client = login(officer)
    first = member_ids(client.get("/members/").content.decode())
    second = member_ids(client.get("/members/", {"page": 2}).content.decode())
    assert len(first) == 100
    assert len(second) == 5
    assert not set(first) & set(second)


def test_columns_sort_both_ways_and_the_header_says_so(login, officer, squad) -> None:
    members = add_members(4, squad)
    client = login(officer)
    by_name = [m.pk for m in sorted(members, key=lambda m: m.user.name_pinyin)]
    html = client.get("/members/", {"sort": "name"}).content.decode()
    assert member_ids(html) == by_name
    assert 'aria-sort="ascending"><a href="?sort=-name"' in html
    html = client.get("/members/", {"sort": "-name"}).content.decode()
    assert member_ids(html) == by_name[::-1]
    assert 'aria-sort="descending"><a href="?sort=name"' in html


@pytest.mark.parametrize("bad", ["password", "user__phone", "-", "name;drop", "--name"])
def test_a_sort_not_offered_is_ignored(login, officer, squad, bad) -> None:
    members = add_members(3, squad)
    response = login(officer).get("/members/", {"sort": bad})
    assert response.status_code == 200
    by_name = [m.pk for m in sorted(members, key=lambda m: m.user.name_pinyin)]
    assert member_ids(response.content.decode()) == by_name


def test_sorting_keeps_the_filters(login, officer, squad) -> None:
    add_members(2, squad)
    html = login(officer).get("/members/", {"kind": "core", "sort": "joined"}).content.decode()
    assert 'href="?kind=core' in html
    assert "sort=-joined" in html


def test_members_sort_by_squad_in_natural_order(login, officer) -> None:
    names = ["城关三分队", "城关一分队", "城关十一分队", "城关二分队", "城关十分队"]
    squads = {name: Squad.objects.create(name=name) for name in names}
    for i, name in enumerate(names):
        add_members(1, squads[name], start=i)
    html = login(officer).get("/members/", {"sort": "squad"}).content.decode()
    shown = re.findall(r'<td class="squad">([^<]+)</td>', html)
    assert shown == ["城关一分队", "城关二分队", "城关三分队", "城关十分队", "城关十一分队"]


def test_an_officer_moves_several_members_each_with_its_own_record(
    login, officer, squad, other_squad, leader
) -> None:
    members = add_members(2, squad)
    chosen = [*(m.pk for m in members), Member.objects.get(user=leader).pk]
    response = login(officer).post(
        "/members/move/",
        {"member": chosen, "squad": other_squad.pk, "reason": "调整", "back": "sort=-name"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/members/?sort=-name"
    assert Member.objects.filter(pk__in=[m.pk for m in members], squad=other_squad).count() == 2
    assert Member.objects.get(user=leader).squad == squad  # a leader is not moved
    assert AuditEntry.objects.filter(action="members.member.transferred").count() == 2
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert len(said) == 3
    assert any("王队长" in line for line in said)


def test_a_bulk_move_without_members_changes_nothing(login, officer, squad, other_squad) -> None:
    members = add_members(1, squad)
    response = login(officer).post("/members/move/", {"squad": other_squad.pk})
    assert response.status_code == 302
    assert Member.objects.get(pk=members[0].pk).squad == squad


@pytest.mark.parametrize("who", ["leader", "volunteer"])
def test_only_officers_move_members_in_bulk(login, request, who, squad, other_squad) -> None:
    members = add_members(1, squad)
    response = login(request.getfixturevalue(who)).post(
        "/members/move/", {"member": [members[0].pk], "squad": other_squad.pk}
    )
    assert response.status_code == 403
    assert Member.objects.get(pk=members[0].pk).squad == squad


def test_the_applications_queue_sorts_and_decides_in_bulk(login, officer, notice, squad) -> None:  # noqa: F811
    first, second, third = (submit(notice, i) for i in range(3))
    client = login(officer)
    html = client.get("/applications/", {"sort": "-submitted"}).content.decode()
    shown = [int(pk) for pk in re.findall(r'data-application="(\d+)"', html)]
    assert shown == [third.pk, second.pk, first.pk]
    assert client.get("/applications/", {"sort": "bogus"}).status_code == 200
    response = client.post(
        "/applications/decide/",
        {
            "application": [first.pk, second.pk],
            "action": "approve",
            "squad": squad.pk,
            "kind": "volunteer",
        },
    )
    assert response.status_code == 302
    assert (
        Member.objects.filter(user__phone__in=[first.phone, second.phone], squad=squad).count() == 2
    )
    response = client.post(
        "/applications/decide/",
        {
            "application": [first.pk, third.pk],
            "action": "reject",
            "reason": "名额已满",
            "kind": "volunteer",
        },
    )
    said = [str(m) for m in get_messages(response.wsgi_request)][-2:]
    assert said[0].startswith("申请人0")  # decided already: refused, with the reason
    assert said[1].startswith("申请人2")
    third.refresh_from_db()
    assert third.status == Application.Status.REJECTED
    assert AuditEntry.objects.filter(action__startswith="members.application.").exists()


def test_a_bulk_decline_without_a_reason_declines_nobody(login, officer, notice) -> None:  # noqa: F811
    application = submit(notice, 1)
    client = login(officer)
    client.post(
        "/applications/decide/",
        {"application": [application.pk], "action": "reject", "kind": "volunteer"},
    )
    application.refresh_from_db()
    assert application.is_open


def test_only_officers_decide_in_bulk(login, volunteer, notice) -> None:  # noqa: F811
    application = submit(notice, 1)
    response = login(volunteer).post(
        "/applications/decide/",
        {"application": [application.pk], "action": "approve", "kind": "volunteer"},
    )
    assert response.status_code in (302, 403)
    application.refresh_from_db()
    assert application.is_open
