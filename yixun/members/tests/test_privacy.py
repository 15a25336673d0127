"""A member's rights over their data (PIPL): a copy of everything held, and erasure."""

import json

import pytest
from django.test import Client

from conftest import PASSWORD
from yixun.accounts import services as accounts
from yixun.accounts.models import AccessToken, RoleGrant, User
from yixun.accounts.roles import Role
from yixun.audit import services as audit
from yixun.audit.models import AuditEntry
from yixun.lib import resident_id
from yixun.members.models import (
    Application,
    DocumentKind,
    ErasureRequest,
    Member,
    MemberSkill,
)
from yixun.members.services import applications, privacy, roster, rulebook
from yixun.members.services.errors import MembershipConflict, MembershipError, NotAllowed

NOT_OFFICERS = ["leader", "volunteer2", "moderator", "police"]


def id_number(birth: str, sequence: str) -> str:
    first17 = f"420923{birth}{sequence}"
    return first17 + resident_id.check_character(first17)


VOLUNTEER_ID = id_number("19900315", "123")
VOLUNTEER2_ID = id_number("19850704", "246")


def give_details(user, number: str, *, skill: str, guardian: str = "") -> Member:
    member = Member.objects.get(user=user)
    member.set_id_number(resident_id.parse(number))
    member.emergency_name, member.emergency_phone = f"{user.name}的母亲", "+8613800138000"
    member.guardian_name, member.guardian_phone = guardian, "+8613800138001" if guardian else ""
    member.occupation = "teacher"
    member.save()
    MemberSkill.objects.create(
        member=member, skill=skill, detail="C1" if skill == "driving" else ""
    )
    return member


@pytest.fixture
def member(volunteer, volunteer2, officer, other_squad, outbox) -> Member:
    """The volunteer, with an ID number, skills, contacts and a move between squads; and
    volunteer2 beside them with details of their own, which must never show in the first's."""
    other = give_details(volunteer2, VOLUNTEER2_ID, skill="swimming")
    audit.record(actor=volunteer2, action="members.member.details_changed", target=other)
    mine = give_details(volunteer, VOLUNTEER_ID, skill="driving", guardian="张父")
    roster.transfer_member(member=mine, to_squad=other_squad, reason="搬家", actor=officer)
    outbox.clear()  # the message about the move
    return Member.objects.get(pk=mine.pk)


def download(client: Client, password: str = PASSWORD, as_: str = "json"):
    return client.post("/me/membership/data/", {"password": password, "as": as_})


# A copy of one's data.


def test_the_data_needs_the_right_password(login, volunteer, member) -> None:
    response = download(login(volunteer), password="not-my-password")
    assert response.status_code == 302
    assert response["Location"] == "/me/membership/"
    assert VOLUNTEER_ID.encode() not in response.content
    assert not AuditEntry.objects.filter(action="accounts.user.data_downloaded").exists()


def test_the_download_holds_the_members_own_data(login, volunteer, member, other_squad) -> None:
    response = download(login(volunteer))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    data = json.loads(response.content)
    assert data["account"]["name"] == "张志愿"
    assert data["account"]["mobile_number"] == "+8613900000002"
    assert data["account"]["roles"] == ["volunteer"]
    mine = data["membership"]
    assert mine["resident_id_number"] == VOLUNTEER_ID
    assert mine["date_of_birth"] == "1990-03-15"
    assert mine["squad"] == other_squad.name
    assert mine["skills"] == [{"skill": "driving", "detail": "C1"}]
    assert mine["emergency_contact"] == {"name": "张志愿的母亲", "phone": "+8613800138000"}
    assert mine["guardian"] == {"name": "张父", "phone": "+8613800138001"}
    assert [(h["from"], h["to"], h["reason"]) for h in mine["squad_history"]] == [
        ("城关一分队", "河口二分队", "搬家")
    ]
    assert "members.member.transferred" in {entry["action"] for entry in data["trail"]}


def test_downloading_is_audited(login, volunteer, member) -> None:
    download(login(volunteer))
    entry = AuditEntry.objects.get(action="accounts.user.data_downloaded")
    assert (entry.actor, entry.target_type, entry.target_id) == (
        volunteer,
        "accounts.user",
        str(volunteer.pk),
    )


def test_the_download_holds_nothing_about_other_members(
    login, volunteer, volunteer2, officer, member
) -> None:
    text = download(login(volunteer)).content.decode()
    for theirs in ("刘晓燕", "13900000003", VOLUNTEER2_ID, "刘晓燕的母亲", "swimming", "周建国"):
        assert theirs not in text, theirs
    trail = json.loads(text)["trail"]
    assert AuditEntry.objects.filter(actor=volunteer2).exists()
    assert all(
        entry["action"] != "members.member.details_changed" for entry in trail
    )  # volunteer2's own doing


def test_the_data_can_be_read_as_a_page(login, volunteer, member) -> None:
    response = download(login(volunteer), as_="page")
    assert response.status_code == 200
    assert "members/my_data.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert "张志愿" in page
    assert VOLUNTEER_ID in page
    assert AuditEntry.objects.filter(action="accounts.user.data_downloaded").count() == 1


def test_someone_without_a_membership_gets_their_account_data(login, police) -> None:
    data = json.loads(download(login(police)).content)
    assert data["account"]["name"] == "陈警官"
    assert data["membership"] is None


def test_the_data_is_not_given_by_get_or_to_the_public(login, volunteer, member, public) -> None:
    assert login(volunteer).get("/me/membership/data/").status_code == 405
    response = public.post("/me/membership/data/", {"password": PASSWORD, "as": "json"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not AuditEntry.objects.filter(action="accounts.user.data_downloaded").exists()


# Asking to be erased.


def test_a_member_asks_to_be_erased(login, volunteer, member) -> None:
    client = login(volunteer)
    response = client.post("/me/membership/erase/", {"reason": "搬走了", "confirm": "on"})
    assert response.status_code == 302
    request = ErasureRequest.objects.get()
    assert (request.member, request.status, request.reason) == (member, "pending", "搬走了")
    assert client.get("/me/membership/").context["pending_erasure"] == request
    assert AuditEntry.objects.filter(
        action="members.erasure_request.created", actor=volunteer, target_id=str(request.pk)
    ).exists()


def test_asking_needs_the_box_ticked(login, volunteer, member) -> None:
    login(volunteer).post("/me/membership/erase/", {"reason": "搬走了"})
    assert not ErasureRequest.objects.exists()


def test_asking_twice_is_refused(login, volunteer, member) -> None:
    client = login(volunteer)
    client.post("/me/membership/erase/", {"confirm": "on"})
    client.post("/me/membership/erase/", {"confirm": "on"})
    assert ErasureRequest.objects.count() == 1
    with pytest.raises(MembershipConflict) as refused:
        privacy.request_erasure(member=member, reason="")
    assert refused.value.code == "already_requested"


# An officer's decision.


@pytest.fixture
def erasure(member) -> ErasureRequest:
    return privacy.request_erasure(member=member, reason="不再参加")


def test_officers_see_the_waiting_requests(login, officer, erasure) -> None:
    response = login(officer).get("/erasure-requests/")
    assert response.status_code == 200
    assert list(response.context["pending"]) == [erasure]


def test_an_officer_erases_a_member(
    login, officer, volunteer, member, erasure, squad, outbox
) -> None:
    accounts.grant_role(user=volunteer, role=Role.MODERATOR, actor=officer)
    squad.deputies.add(volunteer)
    _token, plain = accounts.issue_token(user=volunteer, name="phone", actor=volunteer)
    session = login(volunteer)
    assert AuditEntry.objects.filter(target_label="张志愿").exists()

    response = login(officer).post(
        f"/erasure-requests/{erasure.pk}/decide/", {"decision": "erase", "answer": ""}
    )
    assert response.status_code == 302
    erasure.refresh_from_db()
    assert (erasure.status, erasure.decided_by) == (ErasureRequest.Status.DONE, officer)

    volunteer.refresh_from_db()
    assert volunteer.name == ""
    assert volunteer.phone == f"erased:{volunteer.pk}"
    assert not volunteer.is_active
    assert not volunteer.has_usable_password()
    assert not RoleGrant.objects.filter(user=volunteer).exists()
    assert not squad.deputies.exists()
    assert AccessToken.objects.get(user=volunteer).revoked_at is not None

    kept = Member.objects.get(pk=member.pk)  # the row stays, for the association's figures
    assert kept.status == Member.Status.LEFT
    assert kept.erased_at is not None
    assert kept.id_number_encrypted == kept.id_number_digest == kept.id_number_masked == ""
    assert kept.birth_date is None
    assert (kept.emergency_name, kept.emergency_phone) == ("", "")
    assert (kept.guardian_name, kept.guardian_phone) == ("", "")
    assert kept.occupation == ""
    assert not kept.skills.exists()
    assert kept.transfers.count() == 1

    assert not AuditEntry.objects.filter(target_label__contains="张志愿").exists()
    assert AuditEntry.objects.filter(
        action="members.member.erased", actor=officer, target_id=str(member.pk)
    ).exists()
    assert [m.to for m in outbox] == ["+8613900000002"]

    # They can no longer sign in, with a new session, an old one or a token.
    fresh = Client()
    sign_in = fresh.post("/accounts/login/", {"phone": "13900000002", "password": PASSWORD})
    assert sign_in.status_code == 400
    assert "_auth_user_id" not in fresh.session
    assert session.get("/me/membership/").status_code == 302
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {plain}").status_code == 401


def test_erasure_reaches_the_application_they_joined_with(
    login, officer, squad, outbox, public
) -> None:
    notice = rulebook.create_document(
        kind=DocumentKind.MEMBERSHIP_NOTICE, title="入会须知", actor=officer
    )
    version = rulebook.publish_version(
        document=notice, body="遵守纪律。", change_note="", actor=officer
    )
    number = id_number("19920101", "357")
    application, _token = applications.submit_application(
        submission=applications.Submission(
            name="钱新来",
            phone="+8613700001111",
            id_number=resident_id.parse(number),
            notice_version=version,
            emergency_name="钱母",
            emergency_phone="+8613800138000",
        ),
        address="203.0.113.9",
    )
    joined = applications.approve_application(application=application, actor=officer, squad=squad)
    erasure = privacy.request_erasure(member=joined, reason="")
    assert AuditEntry.objects.filter(target_label__contains="钱新来").exists()

    login(officer).post(f"/erasure-requests/{erasure.pk}/decide/", {"decision": "erase"})

    application.refresh_from_db()
    assert (application.name, application.phone, application.id_number_encrypted) == ("", "", "")
    assert (
        list(
            AuditEntry.objects.filter(target_label__contains="钱新来").values_list(
                "action", "target_type"
            )
        )
        == []
    )


def test_declining_needs_an_answer(login, officer, volunteer, member, erasure, outbox) -> None:
    client = login(officer)
    client.post(f"/erasure-requests/{erasure.pk}/decide/", {"decision": "decline", "answer": " "})
    erasure.refresh_from_db()
    assert erasure.status == ErasureRequest.Status.PENDING
    assert outbox == []
    with pytest.raises(MembershipError) as refused:
        privacy.decide_erasure(request=erasure, actor=officer, erase=False, answer="")
    assert refused.value.code == "reason_needed"


def test_a_declined_member_is_told_why(login, officer, volunteer, member, erasure, outbox) -> None:
    login(officer).post(
        f"/erasure-requests/{erasure.pk}/decide/",
        {"decision": "decline", "answer": "保险理赔未结，需保留到年底"},
    )
    erasure.refresh_from_db()
    assert erasure.status == ErasureRequest.Status.DECLINED
    assert erasure.answer == "保险理赔未结，需保留到年底"
    assert [m.to for m in outbox] == ["+8613900000002"]
    assert "保险理赔未结，需保留到年底" in outbox[0].body
    volunteer.refresh_from_db()
    assert volunteer.name == "张志愿"
    assert Member.objects.get(pk=member.pk).decrypted_id_number() == VOLUNTEER_ID
    assert AuditEntry.objects.filter(
        action="members.erasure_request.declined", actor=officer
    ).exists()


def test_a_request_is_decided_once(officer, erasure) -> None:
    privacy.decide_erasure(request=erasure, actor=officer, erase=False, answer="暂不删除")
    with pytest.raises(MembershipConflict) as refused:
        privacy.decide_erasure(request=erasure, actor=officer, erase=True)
    assert refused.value.code == "already_decided"
    assert Member.objects.get(pk=erasure.member_id).erased_at is None


def test_a_squad_leader_cannot_be_erased_until_replaced(login, officer, leader, outbox) -> None:
    erasure = privacy.request_erasure(member=Member.objects.get(user=leader), reason="")
    login(officer).post(f"/erasure-requests/{erasure.pk}/decide/", {"decision": "erase"})
    erasure.refresh_from_db()
    leader.refresh_from_db()
    assert erasure.status == ErasureRequest.Status.PENDING
    assert (leader.name, leader.is_active) == ("王队长", True)
    assert outbox == []
    with pytest.raises(MembershipError) as refused:
        privacy.decide_erasure(request=erasure, actor=officer, erase=True)
    assert refused.value.code == "leader_cannot_be_erased"
    assert Member.objects.get(user=leader).erased_at is None


@pytest.mark.parametrize("who", NOT_OFFICERS)
def test_only_officers_see_and_decide_requests(request, login, who, erasure, outbox) -> None:
    client = login(request.getfixturevalue(who))
    assert client.get("/erasure-requests/").status_code == 403
    for decision in ("erase", "decline"):
        response = client.post(
            f"/erasure-requests/{erasure.pk}/decide/", {"decision": decision, "answer": "不行"}
        )
        assert response.status_code == 403
    erasure.refresh_from_db()
    assert erasure.status == ErasureRequest.Status.PENDING
    assert Member.objects.get(pk=erasure.member_id).erased_at is None
    assert outbox == []
    with pytest.raises(NotAllowed):
        privacy.decide_erasure(
            request=erasure, actor=request.getfixturevalue(who), erase=True, answer=""
        )


def test_the_public_is_sent_to_sign_in(public, erasure) -> None:
    for response in (
        public.get("/erasure-requests/"),
        public.post(f"/erasure-requests/{erasure.pk}/decide/", {"decision": "erase"}),
        public.post("/me/membership/erase/", {"confirm": "on"}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    erasure.refresh_from_db()
    assert erasure.status == ErasureRequest.Status.PENDING
    assert ErasureRequest.objects.count() == 1


def test_an_officer_does_not_decide_on_their_own_erasure(officer, volunteer2) -> None:
    Member.objects.create(user=officer)
    own = privacy.request_erasure(member=Member.objects.get(user=officer), reason="")
    with pytest.raises(MembershipError) as refused:
        privacy.decide_erasure(request=own, actor=officer, erase=True)
    assert refused.value.code == "own_request"


def test_erasure_takes_the_roles_away_through_the_audited_service(officer, leader) -> None:
    member = Member.objects.create(user=officer)
    accounts.grant_role(user=leader, role=Role.OFFICER, actor=officer)
    request = privacy.request_erasure(member=member, reason="")
    privacy.decide_erasure(request=request, actor=leader, erase=True)
    assert not User.objects.get(pk=officer.pk).roles
    assert AuditEntry.objects.filter(
        action="accounts.user.role_revoked", target_id=str(officer.pk)
    ).exists()


def test_earlier_rejected_applications_are_erased_too(login, officer, member) -> None:
    old = Application.objects.create(
        name=member.user.name,
        phone=member.user.phone,
        notice_version=rulebook.publish_version(
            document=rulebook.create_document(
                kind="membership_notice", title="入会须知", actor=officer
            ),
            body="须知",
            change_note="",
            actor=officer,
        ),
        status=Application.Status.REJECTED,
        access_digest="old",
        access_encrypted="x",
        emergency_name="旧联系人",
    )
    request = privacy.request_erasure(member=member, reason="")
    privacy.decide_erasure(request=request, actor=officer, erase=True)
    old.refresh_from_db()
    assert (old.name, old.phone, old.emergency_name) == ("", "", "")
