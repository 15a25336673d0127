"""Bulletins through the API: the writers (moderators, police liaisons, officers) write drafts,
the right person approves them and never their writer, corrections and withdrawals go out as new
revisions, and each member reads what reached their inbox. Drafts stay with the writers."""

import uuid
from typing import Any

import pytest
from django.test import Client

from yixun.accounts.models import User
from yixun.api.tests.documented import documented
from yixun.audit.models import AuditEntry
from yixun.bulletins.models import Bulletin, BulletinChange, InboxItem
from yixun.members.models import Squad

NOTICE = {"kind": "notice", "title": "夜巡集合时间调整", "body": "本周起晚八点集合。"}


def call(client: Client, method: str, path: str, data: Any = None, *, key: Any = None) -> Any:
    """A write as an app sends it: JSON, with an Idempotency-Key."""
    return getattr(client, method)(
        f"/api/v1{path}",
        {} if data is None else data,
        content_type="application/json",
        headers={"Idempotency-Key": str(key or uuid.uuid4())},
    )


def write(client: Client, *, key: Any = None, **fields: Any) -> Any:
    return call(client, "post", "/bulletins", {**NOTICE, "to_public": True, **fields}, key=key)


def written(client: Client, **fields: Any) -> int:
    answer = write(client, **fields)
    assert answer.status_code == 201, answer.content
    return int(documented(answer, "POST /bulletins")["id"])


def act(client: Client, bulletin_id: int, verb: str, data: Any = None) -> Any:
    return call(client, "post", f"/bulletins/{bulletin_id}/{verb}", data)


def published(writer: Client, approver: Client, **fields: Any) -> int:
    bulletin_id = written(writer, **fields)
    assert act(writer, bulletin_id, "submit").status_code == 200
    answer = act(approver, bulletin_id, "approve")
    assert answer.status_code == 200, answer.content
    return bulletin_id


# Writing


def test_a_volunteer_may_not_write_and_the_public_must_sign_in(login, volunteer, public) -> None:
    refused = write(login(volunteer))
    assert documented(refused, "POST /bulletins")["code"] == "forbidden"
    assert refused.status_code == 403
    assert write(public).status_code == 401
    assert not Bulletin.objects.exists()


def test_a_moderators_police_alert_is_approved_by_the_police_never_by_its_writer(
    login, moderator, police, volunteer
) -> None:
    writer = login(moderator)
    bulletin_id = written(
        writer,
        kind="alert",
        title="警惕冒充公检法诈骗",
        body="接到自称公安的电话要求转账，请立即挂断。",
        cap={
            "severity": "Severe",
            "urgency": "Expected",
            "certainty": "Likely",
            "area_description": "城关镇",
            "circle": {"latitude": 31.0, "longitude": 114.0, "radius_km": 2.5},
            "polygon": [[31.0, 114.0], [31.1, 114.0], [31.1, 114.1], [31.0, 114.1]],
        },
    )
    draft = Bulletin.objects.get(pk=bulletin_id)
    assert draft.status == "draft" and draft.written_by == moderator
    # An open ring is closed, as CAP has it.
    assert draft.polygon[0] == draft.polygon[-1] and len(draft.polygon) == 5
    assert draft.circle_radius_km == 2.5 and draft.severity == "Severe"

    assert act(writer, bulletin_id, "submit").status_code == 200
    assert act(writer, bulletin_id, "approve").status_code == 403  # the writer's own
    assert act(login(volunteer), bulletin_id, "approve").status_code == 403
    answer = act(login(police), bulletin_id, "approve")
    body = documented(answer, "POST /bulletins/{bulletin_id}/approve")
    assert answer.status_code == 200
    assert body["status"] == "published" and body["approved_by"] == police.name
    assert body["cap"]["circle"] == {"latitude": 31.0, "longitude": 114.0, "radius_km": 2.5}
    assert AuditEntry.objects.filter(
        action="bulletins.bulletin.published", actor=police, target_id=str(bulletin_id)
    ).exists()
    # Approving again finds it out already.
    assert act(login(police), bulletin_id, "approve").status_code == 409


def test_an_officer_approves_a_notice_and_a_police_liaison_may_not(
    login, moderator, police, officer
) -> None:
    bulletin_id = written(login(moderator))
    act(login(moderator), bulletin_id, "submit")
    assert act(login(police), bulletin_id, "approve").status_code == 403
    answer = act(login(officer), bulletin_id, "approve")
    assert answer.status_code == 200
    assert answer.json()["is_current"] is True


def test_a_reviewer_sends_a_draft_back_with_a_note_and_the_writer_edits_it(
    login, moderator, officer, volunteer
) -> None:
    writer = login(moderator)
    bulletin_id = written(writer)
    act(writer, bulletin_id, "submit")
    assert act(login(volunteer), bulletin_id, "return", {"note": "时间写错"}).status_code == 403
    answer = act(login(officer), bulletin_id, "return", {"note": "时间写错了"})
    assert documented(answer, "POST /bulletins/{bulletin_id}/return")["returned_note"] == (
        "时间写错了"
    )
    assert answer.json()["status"] == "draft"
    edited = call(writer, "put", f"/bulletins/{bulletin_id}", {**NOTICE, "to_members": True})
    assert documented(edited, "PUT /bulletins/{bulletin_id}")["to_members"] is True
    assert edited.json()["to_public"] is False
    refused = call(
        login(volunteer), "put", f"/bulletins/{bulletin_id}", {**NOTICE, "to_members": True}
    )
    assert refused.status_code == 403


def test_a_bulletin_that_went_out_is_corrected_not_edited(login, moderator, officer) -> None:
    bulletin_id = published(login(moderator), login(officer))
    answer = call(
        login(moderator), "put", f"/bulletins/{bulletin_id}", {**NOTICE, "to_public": True}
    )
    assert documented(answer, "PUT /bulletins/{bulletin_id}")["code"] == "already_published"
    assert answer.status_code == 409


def test_the_police_send_an_urgent_alert_at_once_and_it_is_reviewed_after(
    login, moderator, police, officer, volunteer
) -> None:
    urgent = {"kind": "urgent", "title": "寻找走失老人", "body": "身穿蓝色外套，七十岁。"}
    by_moderator = written(login(moderator), **urgent)
    assert act(login(moderator), by_moderator, "send-now").status_code == 403
    assert act(login(volunteer), by_moderator, "send-now").status_code == 403
    bulletin_id = written(login(police), **urgent)
    answer = act(login(police), bulletin_id, "send-now")
    body = documented(answer, "POST /bulletins/{bulletin_id}/send-now")
    assert body["status"] == "published" and body["sent_unreviewed"] is True
    assert act(login(police), bulletin_id, "review").status_code == 403  # the writer
    reviewed = act(login(officer), bulletin_id, "review")
    assert documented(reviewed, "POST /bulletins/{bulletin_id}/review")["sent_unreviewed"] is False
    assert act(login(officer), bulletin_id, "review").status_code == 409


def test_a_correction_and_a_withdrawal_each_go_out_as_a_new_revision(
    login, moderator, police, officer, volunteer, public
) -> None:
    bulletin_id = published(
        login(police), login(officer), kind="urgent", title="寻找走失老人", body="身穿蓝色外套。"
    )
    reader = login(volunteer)
    assert (
        act(reader, bulletin_id, "correct", {"title": "t", "body": "b", "note": "n"}).status_code
        == 403
    )
    corrected = act(
        login(moderator),
        bulletin_id,
        "correct",
        {"title": "寻找走失老人（更正）", "body": "身穿灰色外套。", "note": "衣服颜色更正"},
    )
    body = documented(corrected, "POST /bulletins/{bulletin_id}/correct")
    assert body["revision"] == 1 and body["title"] == "寻找走失老人（更正）"
    assert body["changes"][-1] | {"at": None} == {
        "kind": "update", "revision": 1, "note": "衣服颜色更正", "at": None
    }  # fmt: skip
    assert InboxItem.objects.get(user=volunteer, bulletin_id=bulletin_id).revision == 1

    assert act(reader, bulletin_id, "withdraw", {"note": "已找到"}).status_code == 403
    withdrawn = act(login(police), bulletin_id, "withdraw", {"note": "已找到，谢谢大家"})
    body = documented(withdrawn, "POST /bulletins/{bulletin_id}/withdraw")
    assert body["status"] == "withdrawn" and body["revision"] == 2
    assert list(
        BulletinChange.objects.filter(bulletin_id=bulletin_id).values_list("kind", "revision")
    ) == [("update", 1), ("cancel", 2)]
    # A withdrawn urgent alert shows no description to anyone any more.
    shown = public.get(f"/api/v1/bulletins/{bulletin_id}")
    assert documented(shown, "GET /bulletins/{bulletin_id}")["body"] == ""
    assert shown.json()["title"] == "寻找走失老人（更正）"
    # A bulletin withdrawn is withdrawn: neither corrected nor withdrawn again.
    assert act(login(police), bulletin_id, "withdraw", {"note": "再撤"}).status_code == 409


# Reading


def test_drafts_are_seen_by_the_writers_only(
    login, moderator, police, officer, volunteer, public
) -> None:
    draft_id = written(login(moderator), title="草稿通知")
    out_id = published(login(moderator), login(officer))
    for reader in (public, login(volunteer)):
        assert reader.get(f"/api/v1/bulletins/{draft_id}").status_code == 404
        assert reader.get(f"/api/v1/bulletins/{out_id}").status_code == 200
        listed = reader.get("/api/v1/bulletins?status=draft")
        assert documented(listed, "GET /bulletins")["items"] == []
        everything = reader.get("/api/v1/bulletins").json()["items"]
        assert [item["id"] for item in everything] == [out_id]
        assert everything[0]["written_by"] is None  # who wrote it is for the writers
    for writer in (moderator, police, officer):
        drafts = login(writer).get("/api/v1/bulletins?status=draft").json()["items"]
        assert [item["id"] for item in drafts] == [draft_id]
    assert login(police).get(f"/api/v1/bulletins/{draft_id}").json()["written_by"] == moderator.name


def test_the_public_list_filters_by_kind_and_leaves_out_members_only(
    login, moderator, police, officer, public
) -> None:
    notice = published(login(moderator), login(officer))
    advice = published(login(moderator), login(police), kind="advice", title="防火提示")
    members_only = published(login(moderator), login(officer), to_public=False, to_members=True)
    listed = public.get("/api/v1/bulletins").json()["items"]
    assert {item["id"] for item in listed} == {notice, advice}
    advice_only = public.get("/api/v1/bulletins?kind=advice").json()["items"]
    assert [item["id"] for item in advice_only] == [advice]
    assert public.get(f"/api/v1/bulletins/{members_only}").status_code == 404
    assert public.get("/api/v1/bulletins?kind=nonsense").status_code == 422


def test_the_list_reads_a_page_in_a_few_queries(
    login, moderator, officer, public, django_assert_max_num_queries
) -> None:
    for _n in range(5):
        published(login(moderator), login(officer))
    with django_assert_max_num_queries(5):  # the page, its count, squads, areas, photos
        answer = public.get("/api/v1/bulletins")
    assert len(answer.json()["items"]) == 5


# The inbox


def test_the_inbox_lists_what_reached_a_member_and_reading_marks_it(
    login, moderator, officer, squad: Squad, volunteer, other_volunteer, public
) -> None:
    bulletin_id = published(login(moderator), login(officer), to_public=False, squad_ids=[squad.pk])
    reader = login(volunteer)
    inbox = reader.get("/api/v1/inbox")
    items = documented(inbox, "GET /inbox")["items"]
    assert [(item["bulletin_id"], item["is_read"]) for item in items] == [(bulletin_id, False)]
    assert documented(reader.get("/api/v1/inbox/unread"), "GET /inbox/unread") == {"unread": 1}
    # The squad's member sees it by its id; a member of another squad does not.
    assert reader.get(f"/api/v1/bulletins/{bulletin_id}").status_code == 200
    outsider = login(other_volunteer)
    assert outsider.get(f"/api/v1/bulletins/{bulletin_id}").status_code == 404
    assert outsider.get("/api/v1/inbox").json()["items"] == []
    assert act_read(outsider, bulletin_id).status_code == 404

    read = act_read(reader, bulletin_id)
    assert documented(read, "POST /inbox/{bulletin_id}/read")["is_read"] is True
    assert reader.get("/api/v1/inbox/unread").json() == {"unread": 0}
    assert public.get("/api/v1/inbox").status_code == 401
    assert act_read(public, bulletin_id).status_code == 401


def act_read(client: Client, bulletin_id: int) -> Any:
    return client.post(f"/api/v1/inbox/{bulletin_id}/read", content_type="application/json")


# Bad input


@pytest.mark.parametrize(
    ("fields", "status", "location"),
    [
        ({"squad_ids": [999_999]}, 404, None),
        ({"area_ids": [999_999]}, 404, None),
        ({"to_public": False}, 422, ["body", "payload"]),
        ({"title": "   "}, 422, ["body", "payload", "title"]),
        ({"kind": "gossip"}, 422, ["body", "payload", "kind"]),
        ({"roles": ["mayor"]}, 422, ["body", "payload", "roles", "0"]),
        ({"expires_after_minutes": 0}, 422, ["body", "payload", "expires_after_minutes"]),
        ({"publish_at": "2026-12-05 20:00"}, 422, ["body", "payload", "publish_at"]),
        (
            {"cap": {"severity": "Minor", "urgency": "Future", "certainty": "Possible",
                     "polygon": [[31.0, 114.0], [31.1, 114.0], [31.0, 114.0]]}},
            422,
            ["body", "payload", "cap", "polygon"],
        ),
        (
            {"cap": {"severity": "Minor", "urgency": "Future", "certainty": "Possible",
                     "circle": {"latitude": 91, "longitude": 114.0, "radius_km": 1}}},
            422,
            ["body", "payload", "cap", "circle", "latitude"],
        ),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_a_reason_and_changes_nothing(
    login, moderator, fields: dict[str, Any], status: int, location: list[str] | None
) -> None:
    answer = write(login(moderator), **fields)
    body = documented(answer, "POST /bulletins")
    assert answer.status_code == status, body
    assert body["message"]
    if location is not None:
        assert location in [error["location"] for error in body["errors"]], body
    assert not Bulletin.objects.exists()


def test_an_unknown_squad_is_named_in_the_answer(login, moderator, squad: Squad) -> None:
    answer = write(login(moderator), to_public=False, squad_ids=[squad.pk, 424242])
    assert answer.status_code == 404
    assert answer.json()["code"] == "unknown_squad" and "424242" in answer.json()["message"]


def test_the_expiry_always_falls_after_the_bulletin_goes_out(login, moderator) -> None:
    bulletin_id = written(
        login(moderator), publish_at="2099-01-01T08:00:00+08:00", expires_after_minutes=90
    )
    bulletin = Bulletin.objects.get(pk=bulletin_id)
    assert bulletin.publish_at is not None and bulletin.expires_at is not None
    assert (bulletin.expires_at - bulletin.publish_at).total_seconds() == 90 * 60


def test_a_write_without_an_idempotency_key_is_refused(login, moderator) -> None:
    answer = login(moderator).post(
        "/api/v1/bulletins", {**NOTICE, "to_public": True}, content_type="application/json"
    )
    assert answer.status_code == 400 and answer.json()["code"] == "idempotency_key"
    assert not Bulletin.objects.exists()


def test_a_resend_of_a_write_with_the_same_key_answers_the_same_bulletin(
    login, moderator: User
) -> None:
    key = uuid.uuid4()
    first = write(login(moderator), key=key)
    again = write(login(moderator), key=key)
    assert first.status_code == 201 and again.status_code in (200, 201)
    assert again.json()["id"] == first.json()["id"]
    assert Bulletin.objects.count() == 1
