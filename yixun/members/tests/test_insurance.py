"""Group accident insurance: who is covered when, reminders before a policy ends, and who may see it."""

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from yixun.accounts import services as accounts
from yixun.accounts.roles import Role
from yixun.audit.models import AuditEntry
from yixun.members.models import Coverage, InsurancePolicy, Member
from yixun.members.services import insurance
from yixun.members.services.errors import MembershipConflict, MembershipError, NotAllowed

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOT_OFFICERS = ["leader", "volunteer", "moderator", "police"]


def today() -> dt.date:
    return timezone.localdate()


def days(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


def new_policy(officer, number="PA-2025-001", starts_on=None, ends_on=None, **extra):
    return insurance.save_policy(
        actor=officer,
        insurer="中国人寿",
        number=number,
        starts_on=starts_on or days(-10),
        ends_on=ends_on or days(355),
        sum_insured=Decimal("100000.00"),
        **extra,
    )


def member_of(user) -> Member:
    return Member.objects.get(user=user)


def make_core(*users) -> None:
    Member.objects.filter(user__in=users).update(kind=Member.Kind.CORE)


def at_nine(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9, 0), tzinfo=SHANGHAI)


def block_with_testid(html: str, testid: str) -> str:
    found = re.search(rf'<(\w+)[^>]*data-testid="{testid}"[^>]*>(.*?)</\1>', html, re.S)
    assert found, f"no element with data-testid={testid}"
    return found.group(2)


def bearer(user) -> dict[str, str]:
    _token, plain = accounts.issue_token(user=user, name="tests", actor=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


# Who is covered, and when.


def test_a_member_on_a_policy_in_force_today_is_insured(officer, volunteer) -> None:
    policy = new_policy(officer, starts_on=days(-1), ends_on=days(1))
    insurance.cover_members(policy=policy, members=[member_of(volunteer)], actor=officer)
    member = member_of(volunteer)
    assert member.is_covered_on(today())
    assert Member.objects.with_cover_on(today()).get(pk=member.pk).is_covered


def test_cover_counts_on_its_first_and_last_day_but_not_around_them(officer, volunteer) -> None:
    policy = new_policy(officer, starts_on=days(5), ends_on=days(20))
    insurance.cover_members(policy=policy, members=[member_of(volunteer)], actor=officer)
    member = member_of(volunteer)
    for day, covered in [(days(4), False), (days(5), True), (days(20), True), (days(21), False)]:
        assert member.is_covered_on(day) is covered, day
        annotated = Member.objects.with_cover_on(day).get(pk=member.pk)
        assert annotated.is_covered is covered, day
    assert not member.is_covered_on(today())


def test_a_member_without_any_policy_is_not_insured(volunteer) -> None:
    member = member_of(volunteer)
    assert not member.is_covered_on(today())
    assert not Member.objects.with_cover_on(today()).get(pk=member.pk).is_covered


def test_core_members_without_cover_today_are_listed(
    officer, volunteer, volunteer2, leader
) -> None:
    make_core(volunteer, volunteer2)
    policy = new_policy(officer)
    insurance.cover_members(policy=policy, members=[member_of(volunteer)], actor=officer)
    uncovered = list(insurance.uncovered_core_members())
    assert uncovered == [member_of(volunteer2)]  # the leader is not a core member


def test_a_policy_that_ended_yesterday_leaves_its_core_members_uncovered(
    officer, volunteer
) -> None:
    make_core(volunteer)
    old = new_policy(officer, starts_on=days(-365), ends_on=days(-1))
    insurance.cover_members(policy=old, members=[member_of(volunteer)], actor=officer)
    assert list(insurance.uncovered_core_members()) == [member_of(volunteer)]


def test_members_who_left_are_not_listed_as_uncovered(officer, volunteer) -> None:
    make_core(volunteer)
    Member.objects.filter(user=volunteer).update(status=Member.Status.LEFT)
    assert list(insurance.uncovered_core_members()) == []


def test_the_insurance_page_lists_the_uncovered_core_members(
    login, officer, volunteer, volunteer2
) -> None:
    make_core(volunteer, volunteer2)
    policy = new_policy(officer)
    insurance.cover_members(policy=policy, members=[member_of(volunteer)], actor=officer)
    response = login(officer).get("/insurance/")
    assert response.status_code == 200
    listed = block_with_testid(response.content.decode(), "uncovered")
    assert "刘晓燕" in listed
    assert "张志愿" not in listed
    assert response.context["uncovered_count"] == 1


def test_policies_ending_within_30_days_are_listed_as_lapsing(login, officer) -> None:
    soon = new_policy(officer, number="SOON", ends_on=days(20))
    on_the_day = new_policy(officer, number="DAY30", ends_on=days(30))
    new_policy(officer, number="LATER", ends_on=days(31))
    new_policy(officer, number="OVER", starts_on=days(-400), ends_on=days(-1))
    assert set(insurance.lapsing_policies()) == {soon, on_the_day}
    response = login(officer).get("/insurance/")
    assert {p.number for p, _left in response.context["lapsing"]} == {"SOON", "DAY30"}


def test_the_insurance_page_keeps_its_query_count_with_many_members_and_policies(
    login, officer, squad, django_assert_max_num_queries
) -> None:
    for n in range(8):
        new_policy(officer, number=f"P-{n}", ends_on=days(10 + n))
    for n in range(40):
        user = accounts.create_user(
            phone=f"1370000{n:04d}", name=f"队员{n}", password=None, actor=None
        )
        Member.objects.create(user=user, squad=squad, kind=Member.Kind.CORE)
    client = login(officer)
    with django_assert_max_num_queries(15):
        response = client.get("/insurance/")
    assert response.context["uncovered_count"] == 40


# Saving a policy.


def test_saving_a_policy_queues_reminders_30_and_7_days_before_its_end(
    officer, deferred_tasks
) -> None:
    ends = days(200)
    policy = new_policy(officer, ends_on=ends)
    queued = sorted(
        (r.task.run_after, r.args)
        for r in deferred_tasks.deferred
        if r.task.name == "remind_policy_ending"
    )
    assert queued == [
        (at_nine(ends - dt.timedelta(days=30)), [policy.pk, ends.isoformat(), 30]),
        (at_nine(ends - dt.timedelta(days=7)), [policy.pk, ends.isoformat(), 7]),
    ]


def test_a_reminder_already_past_is_not_queued(officer, deferred_tasks) -> None:
    new_policy(officer, ends_on=days(10))
    assert [r.args[2] for r in deferred_tasks.deferred] == [7]


def test_the_reminders_message_every_active_officer(officer, volunteer, deferred_tasks, outbox):
    second = accounts.create_user(
        phone="13700009999", name="吴秘书", password=None, actor=None, roles=[Role.OFFICER]
    )
    gone = accounts.create_user(
        phone="13700009998", name="郑退休", password=None, actor=None, roles=[Role.OFFICER]
    )
    gone.is_active = False
    gone.save()
    ends = days(100)
    policy = new_policy(officer, ends_on=ends)
    insurance.cover_members(policy=policy, members=[member_of(volunteer)], actor=officer)

    told = deferred_tasks.run_deferred(until=at_nine(ends - dt.timedelta(days=30)))
    assert told == [2]
    assert sorted(m.to for m in outbox) == sorted([officer.phone, second.phone])
    assert all(policy.number in m.body for m in outbox)

    outbox.clear()
    assert deferred_tasks.run_deferred(until=at_nine(ends)) == [2]
    assert len(outbox) == 2
    assert deferred_tasks.deferred == []


def test_a_reminder_for_a_policy_extended_since_does_nothing(
    officer, deferred_tasks, outbox
) -> None:
    ends = days(100)
    policy = new_policy(officer, ends_on=ends)
    new_policy(officer, number=policy.number, ends_on=ends + dt.timedelta(days=365), policy=policy)
    assert deferred_tasks.run_deferred(until=at_nine(ends)) == [0, 0]
    assert outbox == []
    # The reminders for the new end date are still waiting, and they do speak.
    assert (
        sorted(r.args[1] for r in deferred_tasks.deferred)
        == [(ends + dt.timedelta(days=365)).isoformat()] * 2
    )


def test_a_reminder_for_a_deleted_policy_does_nothing(officer, deferred_tasks, outbox) -> None:
    ends = days(100)
    policy = new_policy(officer, ends_on=ends)
    policy.delete()
    assert deferred_tasks.run_deferred(until=at_nine(ends)) == [0, 0]
    assert outbox == []


def test_a_policy_cannot_end_before_it_starts(officer) -> None:
    with pytest.raises(MembershipError) as refused:
        new_policy(officer, starts_on=days(10), ends_on=days(9))
    assert refused.value.code == "bad_period"
    assert not InsurancePolicy.objects.exists()


def test_a_policy_number_is_used_once(officer, deferred_tasks) -> None:
    new_policy(officer, number="PA-1")
    queued = len(deferred_tasks.deferred)
    with pytest.raises(MembershipConflict) as refused:
        new_policy(officer, number=" PA-1 ")
    assert refused.value.code == "policy_number_taken"
    assert InsurancePolicy.objects.count() == 1
    assert len(deferred_tasks.deferred) == queued


def test_only_officers_save_policies(leader) -> None:
    with pytest.raises(NotAllowed):
        new_policy(leader)
    assert not InsurancePolicy.objects.exists()


def test_creating_and_changing_a_policy_are_audited(officer) -> None:
    policy = new_policy(officer)
    new_policy(officer, number=policy.number, ends_on=days(400), policy=policy)
    entries = AuditEntry.objects.filter(
        target_id=str(policy.pk), target_type="members.insurancepolicy"
    )
    assert list(entries.order_by("pk").values_list("action", "actor")) == [
        ("members.insurance_policy.created", officer.pk),
        ("members.insurance_policy.changed", officer.pk),
    ]
    assert entries.order_by("pk").last().data["ends_on"] == days(400).isoformat()


# The officers' pages.


def policy_form(number="PA-9", starts_on=None, ends_on=None) -> dict[str, str]:
    return {
        "insurer": "平安保险",
        "number": number,
        "starts_on": (starts_on or days(-1)).isoformat(),
        "ends_on": (ends_on or days(364)).isoformat(),
        "sum_insured": "200000",
        "notes": "",
    }


def test_an_officer_creates_a_policy_by_the_form(login, officer, deferred_tasks) -> None:
    response = login(officer).post("/insurance/new/", policy_form())
    policy = InsurancePolicy.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/insurance/{policy.pk}/"
    assert policy.created_by == officer
    assert policy.sum_insured == Decimal("200000")
    assert len(deferred_tasks.deferred) == 2
    assert AuditEntry.objects.filter(action="members.insurance_policy.created").count() == 1


def test_the_form_refuses_an_end_before_the_start(login, officer) -> None:
    response = login(officer).post(
        "/insurance/new/", policy_form(starts_on=days(5), ends_on=days(4))
    )
    assert response.status_code == 400
    assert response.context["form"].errors["ends_on"]
    assert not InsurancePolicy.objects.exists()


def test_the_form_refuses_a_number_already_used(login, officer) -> None:
    new_policy(officer, number="PA-9")
    response = login(officer).post("/insurance/new/", policy_form(number="PA-9"))
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert InsurancePolicy.objects.count() == 1


def test_an_officer_extends_a_policy_on_its_page(login, officer, deferred_tasks) -> None:
    policy = new_policy(officer, ends_on=days(100))
    response = login(officer).post(
        f"/insurance/{policy.pk}/", policy_form(number=policy.number, ends_on=days(465))
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.ends_on == days(465)
    assert AuditEntry.objects.filter(action="members.insurance_policy.changed").count() == 1
    assert (
        len(deferred_tasks.deferred) == 4
    )  # the old reminders will find the new date and stay quiet


def test_covering_a_squad_by_the_form_adds_its_members_once(
    login, officer, leader, volunteer, volunteer2, other_volunteer
) -> None:
    policy = new_policy(officer)
    client = login(officer)
    response = client.post(f"/insurance/{policy.pk}/cover/", {"squad": leader.membership.squad_id})
    assert response.status_code == 302
    covered = set(policy.coverages.values_list("member__user", flat=True))
    assert covered == {leader.pk, volunteer.pk, volunteer2.pk}
    client.post(f"/insurance/{policy.pk}/cover/", {"squad": leader.membership.squad_id})
    assert policy.coverages.count() == 3
    added = AuditEntry.objects.filter(
        action="members.insurance_policy.members_added", target_id=str(policy.pk)
    )
    assert [entry.data for entry in added] == [{"count": 3}]


def test_covering_by_kind_takes_only_that_kind(login, officer, volunteer, volunteer2) -> None:
    make_core(volunteer)
    policy = new_policy(officer)
    login(officer).post(f"/insurance/{policy.pk}/cover/", {"kind": Member.Kind.CORE})
    assert list(policy.coverages.values_list("member__user", flat=True)) == [volunteer.pk]


def test_covering_again_adds_nobody(officer, volunteer) -> None:
    policy = new_policy(officer)
    members = [member_of(volunteer)]
    assert insurance.cover_members(policy=policy, members=members, actor=officer) == 1
    assert insurance.cover_members(policy=policy, members=members, actor=officer) == 0
    assert Coverage.objects.count() == 1


def test_an_officer_removes_a_member_from_a_policy(login, officer, volunteer, volunteer2) -> None:
    policy = new_policy(officer)
    insurance.cover_members(
        policy=policy, members=[member_of(volunteer), member_of(volunteer2)], actor=officer
    )
    member = member_of(volunteer)
    response = login(officer).post(f"/insurance/{policy.pk}/uncover/{member.pk}/")
    assert response.status_code == 302
    assert list(policy.coverages.values_list("member__user", flat=True)) == [volunteer2.pk]
    removed = AuditEntry.objects.get(action="members.insurance_policy.member_removed")
    assert removed.data == {"member": member.pk}
    assert not member.is_covered_on(today())


def test_the_policy_page_shows_who_is_covered(login, officer, volunteer) -> None:
    policy = new_policy(officer)
    insurance.cover_members(policy=policy, members=[member_of(volunteer)], actor=officer)
    response = login(officer).get(f"/insurance/{policy.pk}/")
    assert response.status_code == 200
    assert [m.user_id for m in response.context["page"]] == [volunteer.pk]


def test_the_policy_page_keeps_its_query_count_with_many_members(
    login, officer, squad, django_assert_max_num_queries
) -> None:
    policy = new_policy(officer)
    for n in range(60):
        user = accounts.create_user(
            phone=f"1370000{n:04d}", name=f"队员{n}", password=None, actor=None
        )
        Member.objects.create(user=user, squad=squad)
    insurance.cover_members(policy=policy, members=Member.objects.all(), actor=officer)
    client = login(officer)
    with django_assert_max_num_queries(15):
        response = client.get(f"/insurance/{policy.pk}/")
    assert response.context["page"].paginator.count == 60


@pytest.mark.parametrize("who", NOT_OFFICERS)
def test_other_roles_may_not_see_or_change_insurance(request, login, officer, volunteer, who):
    policy = new_policy(officer, number="SECRET-1")
    insurance.cover_members(policy=policy, members=[member_of(volunteer)], actor=officer)
    member = member_of(volunteer)
    client = login(request.getfixturevalue(who))
    for path in ("/insurance/", "/insurance/new/", f"/insurance/{policy.pk}/"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert b"SECRET-1" not in response.content
    assert client.post("/insurance/new/", policy_form(number="NEW")).status_code == 403
    assert (
        client.post(
            f"/insurance/{policy.pk}/", policy_form(number="CHANGED", ends_on=days(1))
        ).status_code
        == 403
    )
    assert client.post(f"/insurance/{policy.pk}/cover/", {}).status_code == 403
    assert client.post(f"/insurance/{policy.pk}/uncover/{member.pk}/").status_code == 403
    policy.refresh_from_db()
    assert policy.number == "SECRET-1"
    assert InsurancePolicy.objects.count() == 1
    assert list(policy.coverages.values_list("member", flat=True)) == [member.pk]


def test_the_public_is_sent_to_sign_in(public, officer, volunteer, volunteer2) -> None:
    policy = new_policy(officer, number="SECRET-1")
    insurance.cover_members(policy=policy, members=[member_of(volunteer)], actor=officer)
    member = member_of(volunteer)
    for path in ("/insurance/", "/insurance/new/", f"/insurance/{policy.pk}/"):
        response = public.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/")
    public.post(f"/insurance/{policy.pk}/cover/", {})
    public.post(f"/insurance/{policy.pk}/uncover/{member.pk}/")
    public.post(f"/insurance/{policy.pk}/", policy_form(number="CHANGED"))
    policy.refresh_from_db()
    assert policy.number == "SECRET-1"
    assert list(policy.coverages.values_list("member", flat=True)) == [member.pk]


# The API.


def api_policy(number="API-1", starts_on=None, length=365) -> dict[str, object]:
    """A policy as the API takes it: its first day and how many days it runs (a period given
    by its length cannot end before it starts)."""
    return {
        "insurer": "太平洋保险",
        "number": number,
        "starts_on": (starts_on or days(-1)).isoformat(),
        "days": length,
        "sum_insured": "150000.00",
    }


def test_officers_create_list_and_read_policies_through_the_api(officer, volunteer) -> None:
    auth = bearer(officer)
    client = Client()
    created = client.post(
        "/api/v1/insurance/policies", api_policy(), content_type="application/json", **auth
    )
    assert created.status_code == 201
    body = created.json()
    assert body["number"] == "API-1"
    assert body["in_force_today"] is True
    assert body["covered"] == 0
    policy = InsurancePolicy.objects.get(pk=body["id"])
    assert AuditEntry.objects.filter(
        action="members.insurance_policy.created", actor=officer
    ).exists()
    insurance.cover_members(policy=policy, members=[member_of(volunteer)], actor=officer)
    listed = client.get("/api/v1/insurance/policies", **auth).json()
    assert [(p["number"], p["covered"]) for p in listed] == [("API-1", 1)]
    one = client.get(f"/api/v1/insurance/policies/{policy.pk}", **auth).json()
    assert one["member_ids"] == [member_of(volunteer).pk]


def test_the_api_refuses_a_duplicate_number_with_409(officer) -> None:
    new_policy(officer, number="API-1")
    response = Client().post(
        "/api/v1/insurance/policies",
        api_policy(),
        content_type="application/json",
        **bearer(officer),
    )
    assert response.status_code == 409
    assert response.json()["code"] == "policy_number_taken"
    assert InsurancePolicy.objects.count() == 1


def test_the_api_refuses_to_rename_a_policy_to_a_number_in_use(officer) -> None:
    new_policy(officer, number="API-1")
    second = new_policy(officer, number="API-2")
    response = Client().put(
        f"/api/v1/insurance/policies/{second.pk}",
        api_policy(number="API-1"),
        content_type="application/json",
        **bearer(officer),
    )
    assert response.status_code == 409
    second.refresh_from_db()
    assert second.number == "API-2"


def test_the_api_refuses_a_period_of_no_days_or_of_more_than_a_year(officer) -> None:
    for length in (0, -1, 367):
        response = Client().post(
            "/api/v1/insurance/policies",
            api_policy(starts_on=days(3), length=length),
            content_type="application/json",
            **bearer(officer),
        )
        assert response.status_code == 422
        assert [error["location"][-1] for error in response.json()["errors"]] == ["days"]
    assert not InsurancePolicy.objects.exists()


def test_the_api_extends_a_policy(officer, deferred_tasks) -> None:
    policy = new_policy(officer, number="API-1", ends_on=days(100))
    response = Client().put(
        f"/api/v1/insurance/policies/{policy.pk}",
        api_policy(length=300),
        content_type="application/json",
        **bearer(officer),
    )
    assert response.status_code == 200
    assert response.json()["ends_on"] == days(298).isoformat()  # from yesterday, 300 days
    assert AuditEntry.objects.filter(action="members.insurance_policy.changed").count() == 1


def test_the_api_covers_by_ids_or_by_squad_and_removes(
    officer, volunteer, volunteer2, other_volunteer
) -> None:
    policy = new_policy(officer)
    auth = bearer(officer)
    client = Client()
    path = f"/api/v1/insurance/policies/{policy.pk}/members"
    by_ids = client.post(
        path,
        {"member_ids": [member_of(other_volunteer).pk]},
        content_type="application/json",
        **auth,
    )
    assert by_ids.json() == {"added": 1}
    squad_id = member_of(volunteer).squad_id
    by_squad = client.post(path, {"squad_id": squad_id}, content_type="application/json", **auth)
    assert by_squad.json() == {"added": 2}
    again = client.post(path, {"squad_id": squad_id}, content_type="application/json", **auth)
    assert again.json() == {"added": 0}
    removed = client.delete(f"{path}/{member_of(volunteer).pk}", **auth)
    assert removed.status_code == 204
    assert set(policy.coverages.values_list("member__user", flat=True)) == {
        other_volunteer.pk,
        volunteer2.pk,
    }


@pytest.mark.parametrize("who", NOT_OFFICERS)
def test_the_api_is_for_officers_only(request, officer, volunteer, who) -> None:
    policy = new_policy(officer, number="SECRET-1")
    insurance.cover_members(policy=policy, members=[member_of(volunteer)], actor=officer)
    member = member_of(volunteer)
    auth = bearer(request.getfixturevalue(who))
    client = Client()
    base = "/api/v1/insurance/policies"
    answers = [
        client.get(base, **auth),
        client.get(f"{base}/{policy.pk}", **auth),
        client.post(base, api_policy(), content_type="application/json", **auth),
        client.put(
            f"{base}/{policy.pk}",
            api_policy(number="CHANGED"),
            content_type="application/json",
            **auth,
        ),
        client.post(
            f"{base}/{policy.pk}/members",
            {"member_ids": [member.pk]},
            content_type="application/json",
            **auth,
        ),
        client.delete(f"{base}/{policy.pk}/members/{member.pk}", **auth),
    ]
    assert [a.status_code for a in answers] == [403] * 6
    assert all(a.json()["code"] == "forbidden" for a in answers)
    assert all(b"SECRET-1" not in a.content for a in answers)
    policy.refresh_from_db()
    assert policy.number == "SECRET-1"
    assert list(policy.coverages.values_list("member", flat=True)) == [member.pk]


def test_the_api_asks_the_public_to_sign_in(public, officer, volunteer) -> None:
    policy = new_policy(officer, number="SECRET-1")
    insurance.cover_members(policy=policy, members=[member_of(volunteer)], actor=officer)
    member = member_of(volunteer)
    base = "/api/v1/insurance/policies"
    answers = [
        public.get(base),
        public.get(f"{base}/{policy.pk}"),
        public.post(base, api_policy(), content_type="application/json"),
        public.put(f"{base}/{policy.pk}", api_policy(number="X"), content_type="application/json"),
        public.delete(f"{base}/{policy.pk}/members/{member.pk}"),
    ]
    assert [a.status_code for a in answers] == [401] * 5
    assert policy.coverages.count() == 1
    assert InsurancePolicy.objects.get().number == "SECRET-1"


def test_dates_at_the_ends_of_the_calendar_are_refused_not_crashed_on(login, officer) -> None:
    response = login(officer).post(
        "/api/v1/insurance/policies",
        {
            "insurer": "中国人寿",
            "number": "Y1",
            "starts_on": "0001-01-01",
            "days": 5,
            "sum_insured": "1",
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert not InsurancePolicy.objects.exists()


def test_changing_only_the_notes_queues_no_new_reminders(officer, deferred_tasks) -> None:
    policy = new_policy(officer)
    queued = len(deferred_tasks.deferred)
    insurance.save_policy(
        actor=officer,
        policy=policy,
        insurer=policy.insurer,
        number=policy.number,
        starts_on=policy.starts_on,
        ends_on=policy.ends_on,
        sum_insured=policy.sum_insured,
        notes="续保联系人：王经理",
    )
    assert len(deferred_tasks.deferred) == queued == 2
