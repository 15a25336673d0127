"""Officers deciding applications, on their pages and through the API; the applicant answering."""

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from yixun.accounts.messaging import Message
from yixun.accounts.models import User
from yixun.audit.models import AuditEntry
from yixun.lib import resident_id
from yixun.lib.resident_id import check_character
from yixun.members.models import Application, Member, NoticeAcceptance, RulebookVersion
from yixun.members.services import applications, rulebook
from yixun.places.models import Area

NEW_PASSWORD = "Night-patrol-2026"
SKILLS = [{"skill": "driving", "detail": "C1"}, {"skill": "first_aid", "detail": ""}]


@pytest.fixture
def notice(officer) -> RulebookVersion:
    document = rulebook.create_document(kind="membership_notice", title="入会须知", actor=officer)
    return rulebook.publish_version(
        document=document, body="# 入会须知\n\n服从安排，注意安全。", change_note="", actor=officer
    )


def id_number(i: int, years: int = 30) -> str:
    today = timezone.localdate()
    born = dt.date(today.year - years, 1, 1) - dt.timedelta(days=i)
    first17 = f"420923{born:%Y%m%d}{i % 1000:03d}"
    return first17 + check_character(first17)


def submit(notice: RulebookVersion, i: int = 0, **changes: Any) -> Application:
    fields: dict[str, Any] = {
        "name": f"申请人{i}",
        "phone": f"+86138001380{i:02d}",
        "id_number": resident_id.parse(id_number(i)),
        "notice_version": notice,
        "occupation": "teacher",
        "skills": SKILLS,
        "availability": ["weekday_evening"],
        "emergency_name": "家人",
        "emergency_phone": "+8613800139000",
    }
    fields.update(changes)
    application, _ = applications.submit_application(
        submission=applications.Submission(**fields), address=f"198.51.100.{i}"
    )
    return application


@pytest.fixture
def application(notice) -> Application:
    return submit(notice)


def last_message_to(outbox: list[Message], phone: str) -> Message:
    mine = [m for m in outbox if m.to == phone]
    assert mine, outbox
    return mine[-1]


def reload(application: Application) -> Application:
    return Application.objects.get(pk=application.pk)


def api(client: Client, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
    if method == "get":
        return client.get(f"/api/v1{path}")
    return client.post(f"/api/v1{path}", payload or {}, content_type="application/json")


# Approving.


def test_approving_makes_the_applicant_a_member_with_a_login(
    login, officer, squad, application, notice, outbox
) -> None:
    response = login(officer).post(
        f"/applications/{application.pk}/approve/", {"squad": squad.pk, "kind": "core"}
    )
    assert response.status_code == 302
    assert response.url == "/applications/"

    user = User.objects.get(phone=application.phone)
    assert user.name == application.name
    assert not user.has_usable_password()
    assert user.roles == {"volunteer"}
    member = Member.objects.get(user=user)
    assert member.squad == squad
    assert member.kind == "core"
    assert member.status == "active"
    assert member.joined_on == timezone.localdate()
    assert member.id_number_encrypted == application.id_number_encrypted
    assert member.id_number_digest == application.id_number_digest
    assert member.id_number_masked == application.id_number_masked
    assert member.decrypted_id_number() == id_number(0)
    assert (member.birth_date, member.sex) == (application.birth_date, application.sex)
    assert member.occupation == "teacher"
    assert member.availability == ["weekday_evening"]
    assert (member.emergency_name, member.emergency_phone) == ("家人", "+8613800139000")
    assert sorted((s.skill, s.detail) for s in member.skills.all()) == [
        ("driving", "C1"),
        ("first_aid", ""),
    ]
    assert NoticeAcceptance.objects.filter(user=user, version=notice).exists()

    application.refresh_from_db()
    assert application.status == "approved"
    assert application.member == member
    assert application.decided_by == officer
    assert application.decided_at is not None
    assert AuditEntry.objects.filter(
        action="members.application.approved", actor=officer, target_id=str(application.pk)
    ).exists()
    assert "/accounts/password-reset/" in last_message_to(outbox, application.phone).body


def test_the_welcome_link_lets_the_new_member_choose_a_password_and_sign_in(
    login, officer, squad, application, outbox
) -> None:
    login(officer).post(
        f"/applications/{application.pk}/approve/", {"squad": squad.pk, "kind": "volunteer"}
    )
    body = last_message_to(outbox, application.phone).body
    match = re.search(r"(/accounts/password-reset/[^/\s]+/[^/\s]+/)", body)
    assert match, body
    link = match.group(1)

    newcomer = Client()
    assert newcomer.get(link).status_code == 200
    chosen = newcomer.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert chosen.status_code == 302

    signed_in = newcomer.post(
        "/accounts/login/", {"phone": "138 0013 8000", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302
    user = User.objects.get(phone=application.phone)
    assert newcomer.session["_auth_user_id"] == str(user.pk)
    # They accepted the notice when they applied: it is not put to them again.
    assert newcomer.get("/me/membership/").status_code == 200


def test_approving_without_a_squad_leaves_the_squad_to_decide_later(
    login, officer, application
) -> None:
    response = login(officer).post(
        f"/applications/{application.pk}/approve/", {"squad": "", "kind": "volunteer"}
    )
    assert response.status_code == 302
    member = Member.objects.get(user__phone=application.phone)
    assert member.squad is None
    assert member.kind == "volunteer"


def test_an_approval_with_a_squad_that_does_not_exist_changes_nothing(
    login, officer, application
) -> None:
    response = login(officer).post(
        f"/applications/{application.pk}/approve/", {"squad": 999999, "kind": "volunteer"}
    )
    assert response.status_code == 302
    assert response.url == f"/applications/{application.pk}/"
    assert reload(application).status == "pending"
    assert not User.objects.filter(phone=application.phone).exists()


def test_approving_through_the_api(login, officer, squad, application, outbox) -> None:
    response = api(
        login(officer),
        "post",
        f"/applications/{application.pk}/approve",
        {"squad_id": squad.pk, "kind": "registered"},
    )
    assert response.status_code == 200, response.json()
    member = Member.objects.get(pk=response.json()["member_id"])
    assert member.user.phone == application.phone
    assert (member.squad, member.kind) == (squad, "registered")
    assert reload(application).member == member
    assert "/accounts/password-reset/" in last_message_to(outbox, application.phone).body


def test_an_approval_is_refused_when_the_number_got_an_account_meanwhile(
    login, officer, application, volunteer
) -> None:
    volunteer.phone = application.phone
    volunteer.save()
    response = api(login(officer), "post", f"/applications/{application.pk}/approve", {})
    assert response.status_code == 409
    assert response.json()["code"] == "phone_taken"
    assert reload(application).status == "pending"
    assert Member.objects.filter(user__phone=application.phone).count() == 1


# Rejecting.


def test_rejecting_needs_a_reason(login, officer, application, outbox) -> None:
    sent = len(outbox)
    response = login(officer).post(f"/applications/{application.pk}/reject/", {"reason": "  "})
    assert response.status_code == 302
    assert response.url == f"/applications/{application.pk}/"
    assert reload(application).status == "pending"
    assert len(outbox) == sent

    by_api = api(login(officer), "post", f"/applications/{application.pk}/reject", {"reason": " "})
    # The document asks for a character that is not a space: bad input, named by its field.
    assert by_api.status_code == 422
    assert [error["location"][-1] for error in by_api.json()["errors"]] == ["reason"]
    assert reload(application).status == "pending"


def test_rejecting_tells_the_applicant_why(login, officer, application, outbox) -> None:
    response = login(officer).post(
        f"/applications/{application.pk}/reject/", {"reason": "本年度名额已满"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "rejected"
    assert application.reason == "本年度名额已满"
    assert application.decided_by == officer
    assert "本年度名额已满" in last_message_to(outbox, application.phone).body
    assert AuditEntry.objects.filter(
        action="members.application.rejected", target_id=str(application.pk)
    ).exists()
    assert not User.objects.filter(phone=application.phone).exists()


def test_rejecting_through_the_api(login, officer, application) -> None:
    response = api(
        login(officer), "post", f"/applications/{application.pk}/reject", {"reason": "不符合条件"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert response.json()["reason"] == "不符合条件"


# Asking, and the applicant's answer.


def test_asking_waits_for_the_applicants_answer_and_tells_them_where(
    login, officer, application, outbox
) -> None:
    response = login(officer).post(
        f"/applications/{application.pk}/ask/", {"question": "请说明您的巡逻经验。"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "needs_info"
    assert application.question == "请说明您的巡逻经验。"
    assert application.asked_at is not None
    message = last_message_to(outbox, application.phone)
    assert "请说明您的巡逻经验。" in message.body
    assert f"/join/{application.access_token()}/" in message.body
    assert AuditEntry.objects.filter(
        action="members.application.asked", target_id=str(application.pk)
    ).exists()


def test_asking_needs_a_question(login, officer, application) -> None:
    login(officer).post(f"/applications/{application.pk}/ask/", {"question": ""})
    assert reload(application).status == "pending"
    by_api = api(login(officer), "post", f"/applications/{application.pk}/ask", {"question": " "})
    assert by_api.status_code == 422
    assert [error["location"][-1] for error in by_api.json()["errors"]] == ["question"]


def test_the_applicants_answer_returns_the_application_to_the_queue(
    login, officer, application, public
) -> None:
    api(login(officer), "post", f"/applications/{application.pk}/ask", {"question": "几点有空？"})
    assert reload(application).status == "needs_info"

    link = f"/join/{application.access_token()}/"
    response = public.post(link, {"answer": "工作日晚上都可以。"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "pending"
    assert application.answer == "工作日晚上都可以。"
    assert application.answered_at is not None
    assert AuditEntry.objects.filter(
        action="members.application.answered", target_id=str(application.pk), actor=None
    ).exists()
    # The officers see it again among those to decide, with the answer.
    queue = login(officer).get("/applications/")
    assert f'data-application="{application.pk}"'.encode() in queue.content
    assert "工作日晚上都可以。" in login(officer).get(f"/applications/{application.pk}/").text
    # A second answer has no question to go to.
    public.post(link, {"answer": "改主意了"})
    assert reload(application).answer == "工作日晚上都可以。"


def test_an_answer_without_a_question_is_not_taken(public, application) -> None:
    response = public.post(f"/join/{application.access_token()}/", {"answer": "你好"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert reload(application).answer == ""


# Deciding twice.


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("approve", "approve"),
        ("approve", "reject"),
        ("reject", "approve"),
        ("reject", "ask"),
        ("approve", "ask"),
    ],
)
def test_an_application_is_decided_once(
    login, officer, squad, application, first: str, second: str
) -> None:
    payloads = {
        "approve": {"squad": squad.pk, "kind": "volunteer"},
        "reject": {"reason": "不符合"},
        "ask": {"question": "还有吗？"},
    }
    client = login(officer)
    client.post(f"/applications/{application.pk}/{first}/", payloads[first])
    decided = reload(application)
    assert decided.status == {"approve": "approved", "reject": "rejected"}[first]

    again = client.post(f"/applications/{application.pk}/{second}/", payloads[second])
    assert again.status_code == 302
    assert again.url == f"/applications/{application.pk}/"
    after = reload(application)
    assert (after.status, after.decided_at, after.reason) == (
        decided.status,
        decided.decided_at,
        decided.reason,
    )
    assert User.objects.filter(phone=application.phone).count() == (first == "approve")


@pytest.mark.parametrize("second", ["approve", "reject", "ask"])
def test_the_api_answers_409_already_decided(login, officer, application, second: str) -> None:
    client = login(officer)
    assert api(client, "post", f"/applications/{application.pk}/approve", {}).status_code == 200
    payloads = {"approve": {}, "reject": {"reason": "晚了"}, "ask": {"question": "还在吗？"}}
    again = api(client, "post", f"/applications/{application.pk}/{second}", payloads[second])
    assert again.status_code == 409
    assert again.json()["code"] == "already_decided"
    assert again.json()["message"]
    assert reload(application).status == "approved"
    assert Member.objects.filter(user__phone=application.phone).count() == 1


# What officers see.


def test_the_detail_page_shows_the_masked_number_never_the_full_one(
    login, officer, application
) -> None:
    response = login(officer).get(f"/applications/{application.pk}/")
    assert response.status_code == 200
    assert application.id_number_masked in response.text
    assert id_number(0) not in response.text
    assert b'data-testid="approve"' in response.content


def test_the_queue_shows_open_applications_and_the_tabs_the_decided_ones(
    login, officer, notice
) -> None:
    waiting, asked, approved, rejected = (submit(notice, i) for i in range(4))
    applications.ask_applicant(application=asked, actor=officer, question="？")
    applications.approve_application(application=approved, actor=officer)
    applications.reject_application(application=rejected, actor=officer, reason="不符合")
    client = login(officer)

    def listed(query: str = "") -> set[int]:
        page = client.get(f"/applications/{query}")
        assert page.status_code == 200
        return {int(pk) for pk in re.findall(r'data-application="(\d+)"', page.text)}

    assert listed() == {waiting.pk, asked.pk}
    assert listed("?status=approved") == {approved.pk}
    assert listed("?status=rejected") == {rejected.pk}
    assert listed("?status=needs_info") == {asked.pk}


def test_the_api_queue_lists_open_applications_oldest_first_without_full_numbers(
    login, officer, notice
) -> None:
    first, second, decided = (submit(notice, i) for i in range(3))
    applications.reject_application(application=decided, actor=officer, reason="不符合")
    response = api(login(officer), "get", "/applications")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["id"] for item in items] == [first.pk, second.pk]
    assert items[0]["id_number_masked"] == first.id_number_masked
    for i in range(3):
        assert id_number(i) not in response.text
    rejected = api(login(officer), "get", "/applications?status=rejected").json()["items"]
    assert [item["id"] for item in rejected] == [decided.pk]


def test_the_queue_page_does_not_query_per_application(
    login, officer, notice, django_assert_max_num_queries
) -> None:
    town = Area.objects.create(name="城关镇", level=Area.Level.TOWN)
    for i in range(30):
        submit(notice, i, home_area=town)
    client = login(officer)
    client.get("/applications/")  # the session settles (the notice check is remembered)
    with django_assert_max_num_queries(8):
        response = client.get("/applications/")
    assert response.status_code == 200
    assert response.text.count("data-application=") == 30


# Who may do it.

OTHERS = ["volunteer", "leader", "moderator", "police"]


@pytest.fixture
def other_role(request, notice) -> Callable[[str], User]:
    def person(name: str) -> User:
        user: User = request.getfixturevalue(name)
        # An established member has accepted the notice; otherwise every page leads to it first.
        rulebook.accept_notice(user=user, version=notice)
        return user

    return person


def officer_requests(application: Application, squad: Any) -> list[tuple[str, str, dict]]:
    pk = application.pk
    return [
        ("get", "/applications/", {}),
        ("get", f"/applications/{pk}/", {}),
        ("post", f"/applications/{pk}/approve/", {"squad": squad.pk, "kind": "volunteer"}),
        ("post", f"/applications/{pk}/reject/", {"reason": "不要"}),
        ("post", f"/applications/{pk}/ask/", {"question": "为什么？"}),
    ]


def api_requests(application: Application) -> list[tuple[str, str, dict]]:
    pk = application.pk
    return [
        ("get", "/applications", {}),
        ("get", f"/applications/{pk}", {}),
        ("post", f"/applications/{pk}/approve", {}),
        ("post", f"/applications/{pk}/reject", {"reason": "不要"}),
        ("post", f"/applications/{pk}/ask", {"question": "为什么？"}),
    ]


def assert_untouched(application: Application) -> None:
    after = reload(application)
    assert after.status == "pending"
    assert after.question == after.reason == ""
    assert not User.objects.filter(phone=application.phone).exists()


@pytest.mark.parametrize("who", OTHERS)
def test_other_roles_may_not_open_or_decide_applications(
    login, other_role, application, squad, who: str
) -> None:
    client = login(other_role(who))
    for method, path, data in officer_requests(application, squad):
        response = getattr(client, method)(path, data)
        assert response.status_code == 403, (method, path, response.status_code)
    assert_untouched(application)


@pytest.mark.parametrize("who", OTHERS)
def test_other_roles_may_not_use_the_officers_api(login, other_role, application, who: str) -> None:
    client = login(other_role(who))
    for method, path, data in api_requests(application):
        response = api(client, method, path, data)
        assert response.status_code == 403, (method, path, response.status_code)
        assert response.json()["code"] == "forbidden"
    assert_untouched(application)


def test_the_public_is_sent_to_sign_in(public, application, squad) -> None:
    for method, path, data in officer_requests(application, squad):
        response = getattr(public, method)(path, data)
        assert response.status_code == 302, (method, path)
        assert response.url.startswith("/accounts/login/"), response.url
    assert_untouched(application)


def test_the_public_gets_401_from_the_officers_api(public, application) -> None:
    for method, path, data in api_requests(application):
        response = api(public, method, path, data)
        assert response.status_code == 401, (method, path)
        assert response.json()["code"] == "unauthenticated"
    assert_untouched(application)


def test_an_unknown_application_is_not_found_for_an_officer(login, officer, notice) -> None:
    client = login(officer)
    assert client.get("/applications/999999/").status_code == 404
    assert client.post("/applications/999999/reject/", {"reason": "x"}).status_code == 404
    assert api(client, "get", "/applications/999999").status_code == 404
    assert api(client, "post", "/applications/999999/ask", {"question": "x"}).status_code == 404


def test_a_skill_sent_twice_through_the_api_does_not_make_the_application_unapprovable(
    login, officer, notice, public
) -> None:
    payload = {
        "name": "孙立新",
        "phone": "13800138055",
        "id_number": id_number(55),
        "notice_version_id": notice.pk,
        "occupation": "teacher",
        "skills": [{"skill": "driving", "detail": "C1"}, {"skill": "driving", "detail": "B2"}],
        "availability": ["weekday_evening"],
        "emergency_name": "孙母",
        "emergency_phone": "13800138099",
    }
    submitted = public.post("/api/v1/applications", payload, content_type="application/json")
    if submitted.status_code == 201:
        pk = submitted.json()["id"]
        approved = api(login(officer), "post", f"/applications/{pk}/approve", {})
        assert approved.status_code == 200, approved.json()
        member = Member.objects.get(pk=approved.json()["member_id"])
        assert [s.skill for s in member.skills.all()] == ["driving"]
    else:  # refusing the duplicate outright is as good
        assert submitted.status_code in (400, 422)
        assert not Application.objects.exists()


def test_an_application_with_a_skill_listed_twice_can_be_approved(login, officer, notice) -> None:
    # The form's tick boxes accept the same value twice (skills=driving&skills=driving).
    application = submit(notice, skills=[{"skill": "driving", "detail": "C1"}] * 2)
    response = login(officer).post(
        f"/applications/{application.pk}/approve/", {"squad": "", "kind": "volunteer"}
    )
    assert response.status_code == 302
    member = Member.objects.get(user__phone=application.phone)
    assert [(s.skill, s.detail) for s in member.skills.all()] == [("driving", "C1")]
