"""The association's rules: documents, versions, the public reading them, members accepting
the membership notice."""

import re
from urllib.parse import quote

import pytest
from django.test import Client

from yixun.accounts.models import User
from yixun.audit.models import AuditEntry
from yixun.members.models import (
    Member,
    NoticeAcceptance,
    RulebookDocument,
    RulebookVersion,
    current_notice,
)
from yixun.members.services import rulebook
from yixun.members.services.errors import MembershipError, NotAllowed

MEMBER_LINK = re.compile(r'href="/members/(\d+)/"')
UNSAFE_BODY = (
    "# 巡逻须知\n\n"
    "<script>alert('x')</script>\n\n"
    '<img src="x" onerror="alert(1)">\n\n'
    "[点我](javascript:alert(1)) 和 [官网](https://example.org/)\n"
)


@pytest.fixture
def charter(officer) -> RulebookDocument:
    document = rulebook.create_document(kind="charter", title="义巡协会章程", actor=officer)
    rulebook.publish_version(
        document=document, body="第一条 本会名称为义巡。", change_note="", actor=officer
    )
    return document


@pytest.fixture
def notice(officer) -> RulebookDocument:
    document = rulebook.create_document(kind="membership_notice", title="入会须知", actor=officer)
    rulebook.publish_version(
        document=document, body="一、遵守巡逻纪律。", change_note="", actor=officer
    )
    return document


def publish(officer: User, document: RulebookDocument, body: str) -> RulebookVersion:
    return rulebook.publish_version(document=document, body=body, change_note="", actor=officer)


# Documents.


def test_an_officer_creates_a_document_and_goes_on_to_publish_it(login, officer) -> None:
    response = login(officer).post("/rules/manage/", {"kind": "charter", "title": "章程"})
    document = RulebookDocument.objects.get(kind="charter")
    assert response.status_code == 302
    assert response["Location"] == f"/rules/{document.pk}/publish/"
    assert document.title == "章程"
    assert AuditEntry.objects.filter(action="members.rulebook_document.created").exists()


def test_there_is_one_document_of_each_kind(login, officer, charter) -> None:
    response = login(officer).post("/rules/manage/", {"kind": "charter", "title": "新章程"})
    assert response.status_code == 200
    assert RulebookDocument.objects.filter(kind="charter").count() == 1
    with pytest.raises(MembershipError) as refusal:
        rulebook.create_document(kind="charter", title="另一章程", actor=officer)
    assert refusal.value.code == "document_exists"


def test_there_may_be_any_number_of_other_rules(officer) -> None:
    rulebook.create_document(kind="other", title="装备管理办法", actor=officer)
    rulebook.create_document(kind="other", title="车辆使用规定", actor=officer)
    assert RulebookDocument.objects.filter(kind="other").count() == 2


def test_an_unknown_kind_of_document_is_refused(officer) -> None:
    with pytest.raises(MembershipError) as refusal:
        rulebook.create_document(kind="manifesto", title="宣言", actor=officer)
    assert refusal.value.code == "unknown_kind"


@pytest.mark.parametrize("who", ["leader", "volunteer", "police", "moderator"])
def test_only_officers_create_documents(login, request, who) -> None:
    client = login(request.getfixturevalue(who))
    assert client.get("/rules/manage/").status_code == 403
    response = client.post("/rules/manage/", {"kind": "charter", "title": "章程"})
    assert response.status_code == 403
    assert not RulebookDocument.objects.exists()
    with pytest.raises(NotAllowed):
        rulebook.create_document(kind="other", title="x", actor=request.getfixturevalue(who))


# Versions.


def test_versions_are_numbered_one_two_three(login, officer, charter) -> None:
    client = login(officer)
    for text in ("第一条 修订一。", "第一条 修订二。"):
        response = client.post(
            f"/rules/{charter.pk}/publish/", {"body": text, "change_note": "修订"}
        )
        assert response.status_code == 302
        assert response["Location"] == f"/rules/{charter.pk}/"
    assert list(charter.versions.order_by("number").values_list("number", flat=True)) == [1, 2, 3]
    assert charter.current_version().body == "第一条 修订二。"
    assert charter.current_version().published_by == officer


def test_publishing_the_same_text_again_is_refused(login, officer, charter) -> None:
    with pytest.raises(MembershipError) as refusal:
        publish(officer, charter, "  第一条 本会名称为义巡。\n")
    assert refusal.value.code == "unchanged"
    response = login(officer).post(
        f"/rules/{charter.pk}/publish/", {"body": "第一条 本会名称为义巡。"}
    )
    assert response.status_code == 200
    assert charter.versions.count() == 1


def test_an_empty_text_is_refused(officer, charter) -> None:
    with pytest.raises(MembershipError) as refusal:
        publish(officer, charter, "   \n ")
    assert refusal.value.code == "empty"


def test_old_versions_stay_readable(public, officer, charter) -> None:
    publish(officer, charter, "第一条 本会名称为义巡志愿巡逻协会。")
    first = public.get(f"/rules/{charter.pk}/v1/")
    assert first.status_code == 200
    assert "本会名称为义巡。" in first.content.decode()
    current = public.get(f"/rules/{charter.pk}/").content.decode()
    assert "义巡志愿巡逻协会" in current
    assert f'href="/rules/{charter.pk}/v1/"' in current
    assert public.get(f"/rules/{charter.pk}/v3/").status_code == 404


def test_the_text_is_rendered_from_markdown(public, officer, charter) -> None:
    publish(officer, charter, "## 第二章\n\n**必须**结伴巡逻。\n\n- 一\n- 二\n")
    html = public.get(f"/rules/{charter.pk}/").content.decode()
    assert "<h2>第二章</h2>" in html
    assert "<strong>必须</strong>" in html
    assert "<li>一</li>" in html


def test_scripts_in_the_text_never_reach_the_page(login, public, officer, charter) -> None:
    version = publish(officer, charter, UNSAFE_BODY)
    for client in (public, login(officer)):
        for path in (f"/rules/{charter.pk}/", f"/rules/{charter.pk}/v{version.number}/"):
            html = client.get(path).content.decode()
            assert "<script>alert" not in html
            assert "<img" not in html
            assert 'href="javascript:' not in html
            assert 'href="https://example.org/"' in html
    assert "<script>" not in version.html()
    api = public.get(f"/api/v1/rulebook/{charter.pk}").json()
    assert "<script>" not in api["current"]["html"]
    assert "<img" not in api["current"]["html"]


@pytest.mark.parametrize("who", ["leader", "volunteer", "police", "moderator"])
def test_only_officers_publish(login, request, charter, who) -> None:
    client = login(request.getfixturevalue(who))
    assert client.get(f"/rules/{charter.pk}/publish/").status_code == 403
    assert client.post(f"/rules/{charter.pk}/publish/", {"body": "篡改"}).status_code == 403
    api = client.post(
        f"/api/v1/rulebook/{charter.pk}/versions", {"body": "篡改"}, content_type="application/json"
    )
    assert api.status_code == 403
    assert api.json()["code"] == "forbidden"
    assert charter.versions.count() == 1


def test_the_public_cannot_publish(public, charter) -> None:
    response = public.post(f"/rules/{charter.pk}/publish/", {"body": "篡改"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    api = public.post(
        f"/api/v1/rulebook/{charter.pk}/versions", {"body": "篡改"}, content_type="application/json"
    )
    assert api.status_code == 401
    assert charter.versions.count() == 1


def test_an_officer_publishes_through_the_api(login, officer, charter) -> None:
    response = login(officer).post(
        f"/api/v1/rulebook/{charter.pk}/versions",
        {"body": "第一条 修订。", "change_note": "措辞"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["number"] == 2
    again = login(officer).post(
        f"/api/v1/rulebook/{charter.pk}/versions",
        {"body": "第一条 修订。"},
        content_type="application/json",
    )
    assert again.status_code == 409  # the same text as what is there: a conflict with it
    assert again.json()["code"] == "unchanged"


def test_publishing_to_an_unknown_document_is_not_found(login, officer) -> None:
    response = login(officer).post(
        "/api/v1/rulebook/999999/versions", {"body": "x"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert login(officer).get("/rules/999999/publish/").status_code == 404


# Reading.


def test_the_public_reads_the_published_rules(public, charter) -> None:
    listing = public.get("/rules/")
    assert listing.status_code == 200
    assert "义巡协会章程" in listing.content.decode()
    page = public.get(f"/rules/{charter.pk}/")
    assert page.status_code == 200
    assert "本会名称为义巡" in page.content.decode()


def test_a_document_without_a_version_is_not_shown(public, officer) -> None:
    draft = rulebook.create_document(kind="management_rules", title="管理制度草稿", actor=officer)
    assert "管理制度草稿" not in public.get("/rules/").content.decode()
    assert public.get(f"/rules/{draft.pk}/").status_code == 404
    assert public.get(f"/api/v1/rulebook/{draft.pk}").status_code == 404
    assert [d["id"] for d in public.get("/api/v1/rulebook").json()] == []


def test_the_api_lists_the_rules_without_signing_in(public, officer, charter) -> None:
    publish(officer, charter, "第一条 修订。")
    response = public.get("/api/v1/rulebook")
    assert response.status_code == 200
    [document] = response.json()
    assert document["id"] == charter.pk
    assert document["kind"] == "charter"
    assert document["versions"] == [2, 1]
    assert document["current"]["body"] == "第一条 修订。"


def test_the_api_gives_an_old_version(public, officer, charter) -> None:
    publish(officer, charter, "第一条 修订。")
    response = public.get(f"/api/v1/rulebook/{charter.pk}/versions/1")
    assert response.status_code == 200
    assert response.json()["body"] == "第一条 本会名称为义巡。"
    assert public.get(f"/api/v1/rulebook/{charter.pk}/versions/3").status_code == 404


# The membership notice.


def test_a_new_notice_is_put_to_an_active_member_before_anything_else(
    login, volunteer, notice
) -> None:
    client = login(volunteer)
    for path in ("/members/", "/squads/", "/me/membership/?tab=data"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == f"/notice/?next={quote(path, safe='')}", path


def test_the_notice_page_itself_is_not_redirected(login, volunteer, notice) -> None:
    response = login(volunteer).get("/notice/", {"next": "/members/"})
    assert response.status_code == 200
    assert 'data-testid="accept-notice"' in response.content.decode()


def test_the_public_rules_and_the_api_stay_open_before_accepting(login, volunteer, notice):
    client = login(volunteer)
    assert client.get("/rules/").status_code == 200
    assert client.get(f"/rules/{notice.pk}/").status_code == 200
    assert client.get("/api/v1/rulebook/notice/state").status_code == 200


def test_accepting_records_it_and_returns_the_member_where_they_were(
    login, volunteer, notice
) -> None:
    client = login(volunteer)
    response = client.post("/notice/", {"accept": "yes", "next": "/squads/"})
    assert response.status_code == 302
    assert response["Location"] == "/squads/"
    acceptance = NoticeAcceptance.objects.get(user=volunteer)
    assert acceptance.version == current_notice()
    assert AuditEntry.objects.filter(
        action="members.rulebook_version.accepted", actor=volunteer
    ).exists()
    assert client.get("/squads/").status_code == 200
    assert client.get("/members/").status_code == 200


def test_the_next_address_in_the_query_is_followed_too(login, volunteer, notice) -> None:
    response = login(volunteer).post("/notice/?next=/members/", {"accept": "yes"})
    assert response.status_code == 302
    assert response["Location"] == "/members/"


@pytest.mark.parametrize(
    "target", ["https://evil.example/phish", "//evil.example/", "javascript:alert(1)"]
)
def test_an_outside_next_address_is_not_followed(login, volunteer, notice, target) -> None:
    response = login(volunteer).post("/notice/", {"accept": "yes", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert NoticeAcceptance.objects.filter(user=volunteer).exists()


def test_the_notice_must_be_ticked(login, volunteer, notice) -> None:
    client = login(volunteer)
    response = client.post("/notice/", {"next": "/members/"})
    assert response.status_code == 200
    assert not NoticeAcceptance.objects.exists()
    assert client.get("/members/").status_code == 302


@pytest.mark.parametrize("who", ["police", "officer"])
def test_people_who_are_not_members_are_not_asked(login, request, notice, who) -> None:
    assert login(request.getfixturevalue(who)).get("/squads/").status_code == 200


def test_a_suspended_member_is_not_asked(login, volunteer, notice) -> None:
    Member.objects.filter(user=volunteer).update(status=Member.Status.SUSPENDED)
    assert login(volunteer).get("/squads/").status_code == 200


def test_without_a_notice_nobody_is_asked(login, volunteer, charter) -> None:
    client = login(volunteer)
    assert client.get("/squads/").status_code == 200
    response = client.get("/notice/", {"next": "/squads/"})
    assert response.status_code == 302
    assert response["Location"] == "/squads/"


def test_a_newer_notice_is_put_again_to_those_who_accepted_the_old_one(
    login, officer, volunteer, notice
) -> None:
    client = login(volunteer)
    client.post("/notice/", {"accept": "yes", "next": "/squads/"})
    assert client.get("/squads/").status_code == 200
    publish(officer, notice, "一、遵守巡逻纪律。\n二、结伴巡逻。")
    response = client.get("/squads/")
    assert response.status_code == 302
    assert response["Location"].startswith("/notice/")
    client.post("/notice/", {"accept": "yes"})
    assert NoticeAcceptance.objects.filter(user=volunteer).count() == 2
    assert client.get("/squads/").status_code == 200


def test_a_form_sent_before_accepting_is_not_redirected(login, volunteer, notice) -> None:
    # Only page loads are stopped; a POST is not lost on the way to the notice.
    response = login(volunteer).post("/me/membership/", {"emergency_name": "张妈妈"})
    assert response.status_code == 302
    assert response["Location"] == "/me/membership/"


def test_accepting_twice_keeps_one_record(login, volunteer, notice) -> None:
    client = login(volunteer)
    client.post("/notice/", {"accept": "yes"})
    client.post("/notice/", {"accept": "yes"})
    assert NoticeAcceptance.objects.filter(user=volunteer).count() == 1
    assert AuditEntry.objects.filter(action="members.rulebook_version.accepted").count() == 1


def test_the_public_is_sent_to_sign_in_from_the_notice(public, notice) -> None:
    response = public.get("/notice/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# The acceptance report.


def listed_members(client: Client, document: RulebookDocument, show: str) -> set[int]:
    response = client.get(f"/rules/{document.pk}/acceptance/", {"show": show})
    assert response.status_code == 200
    return {int(pk) for pk in MEMBER_LINK.findall(response.content.decode())}


def test_the_report_lists_who_has_and_has_not_accepted(
    login, officer, notice, leader, volunteer, volunteer2, other_volunteer
) -> None:
    login(volunteer).post("/notice/", {"accept": "yes"})
    login(other_volunteer).post("/notice/", {"accept": "yes"})
    client = login(officer)
    ids = {user: Member.objects.get(user=user).pk for user in (leader, volunteer, volunteer2)}
    ids[other_volunteer] = Member.objects.get(user=other_volunteer).pk
    assert listed_members(client, notice, "yes") == {ids[volunteer], ids[other_volunteer]}
    assert listed_members(client, notice, "not") == {ids[leader], ids[volunteer2]}
    assert listed_members(client, notice, "") == {ids[leader], ids[volunteer2]}


def test_the_report_counts_only_active_members(
    login, officer, notice, leader, volunteer, volunteer2
) -> None:
    login(volunteer).post("/notice/", {"accept": "yes"})
    login(volunteer2).post("/notice/", {"accept": "yes"})
    Member.objects.filter(user=volunteer2).update(status=Member.Status.LEFT)
    client = login(officer)
    assert listed_members(client, notice, "yes") == {Member.objects.get(user=volunteer).pk}
    response = client.get(f"/rules/{notice.pk}/acceptance/")
    # The volunteer accepted; the leader (active) has not; volunteer2 has left.
    assert response.context["counts"] == {"total": 2, "accepted": 1}


@pytest.mark.parametrize("who", ["leader", "volunteer", "police", "moderator"])
def test_only_officers_see_the_acceptance_report(login, request, notice, who) -> None:
    user = request.getfixturevalue(who)
    rulebook.accept_notice(user=user, version=current_notice())
    assert login(user).get(f"/rules/{notice.pk}/acceptance/").status_code == 403


def test_the_public_cannot_see_the_acceptance_report(public, notice) -> None:
    response = public.get(f"/rules/{notice.pk}/acceptance/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_report_of_an_unknown_document_is_not_found(login, officer) -> None:
    assert login(officer).get("/rules/999999/acceptance/").status_code == 404


# The notice through the API.


def test_the_api_tells_a_member_the_notice_and_takes_their_acceptance(
    login, volunteer, notice
) -> None:
    client = login(volunteer)
    state = client.get("/api/v1/rulebook/notice/state")
    assert state.status_code == 200
    assert state.json()["accepted"] is False
    assert state.json()["version"]["number"] == 1
    accepted = client.post("/api/v1/rulebook/notice/accept")
    assert accepted.status_code == 200
    assert accepted.json()["accepted"] is True
    assert NoticeAcceptance.objects.filter(user=volunteer, version__number=1).exists()
    assert client.get("/api/v1/rulebook/notice/state").json()["accepted"] is True
    assert client.get("/squads/").status_code == 200


def test_the_api_without_a_notice_has_nothing_to_accept(login, volunteer, charter) -> None:
    client = login(volunteer)
    assert client.get("/api/v1/rulebook/notice/state").json() == {
        "version": None,
        "accepted": False,
    }
    assert client.post("/api/v1/rulebook/notice/accept").status_code == 404
    assert not NoticeAcceptance.objects.exists()


def test_the_notice_state_is_for_signed_in_people(public, notice) -> None:
    assert public.get("/api/v1/rulebook/notice/state").status_code == 401
    assert public.post("/api/v1/rulebook/notice/accept").status_code == 401
    assert not NoticeAcceptance.objects.exists()
