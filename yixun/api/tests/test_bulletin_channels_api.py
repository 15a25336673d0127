"""How bulletins travel, through the API: the writers read a bulletin's delivery log and the
officers resend what failed; each member keeps their settings by the page's own rules; the
public subscribe by e-mail and report sightings of an urgent alert, which the staff follow."""

import uuid
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation

from yixun.accounts.models import User
from yixun.api.tests.documented import documented
from yixun.audit.models import AuditEntry
from yixun.bulletins import services
from yixun.bulletins.models import Bulletin, Preference, Sighting, Subscriber
from yixun.places.models import Area
from yixun.tips.models import Tip
from yixun.worker.models import Delivery

SIGHTING = {"text": "在城关镇菜市场东门看见一位穿蓝色外套的老人", "place": "菜市场东门"}


def send(client: Client, method: str, path: str, data: Any = None, **headers: Any) -> Any:
    return getattr(client, method)(
        f"/api/v1{path}", {} if data is None else data, content_type="application/json", **headers
    )


def in_chinese(msgid: str) -> str:
    with translation.override("zh-hans"):
        chinese = translation.gettext(msgid)
    assert chinese != msgid, f"no Chinese for {msgid!r} in the catalogue"
    return chinese


def field_messages(response: Any, operation: str) -> list[str]:
    assert response.status_code == 422, response.content
    return [error["message"] for error in documented(response, operation)["errors"]]


@pytest.fixture
def alert(police: User) -> Bulletin:
    """An urgent alert the police liaison sent at once, to the public."""
    bulletin = services.save_bulletin(
        actor=police,
        kind="urgent",
        title="寻找走失老人",
        body="七十岁男性，身穿蓝色外套。",
        to_public=True,
    )
    services.send_at_once(actor=police, bulletin=bulletin)
    bulletin.refresh_from_db()
    assert bulletin.is_out
    return bulletin


@pytest.fixture
def notice(moderator: User, officer: User) -> Bulletin:
    bulletin = services.save_bulletin(
        actor=moderator,
        kind="notice",
        title="夜巡集合时间调整",
        body="晚八点集合。",
        to_public=True,
    )
    services.submit_bulletin(actor=moderator, bulletin=bulletin)
    services.approve_bulletin(actor=officer, bulletin=bulletin)
    return bulletin


def _log(bulletin: Bulletin) -> list[Delivery]:
    """The delivery log as the worker leaves it: a robot post that failed for good (its robot
    since removed, so that resending it posts nowhere), a mail sent, a text message queued."""
    about = f"bulletins.bulletin:{bulletin.pk}"
    return [
        Delivery.objects.create(
            key=f"bulletin-{bulletin.pk}-r0-robot-999", channel="robot", about=about,
            recipient="城关群 (https://qyapi.weixin.qq.com)", status="failed", attempts=4,
            last_answer="HTTP 502",
        ),
        Delivery.objects.create(
            key=f"bulletin-{bulletin.pk}-r0-email-member-1", channel="email", about=about,
            recipient="z***@example.com", status="sent", attempts=1,
        ),
        Delivery.objects.create(
            key=f"bulletin-{bulletin.pk}-r0-sms-1", channel="message", about=about,
            recipient="139****0002", status="queued",
        ),
    ]  # fmt: skip


# The delivery log


@pytest.mark.parametrize("writer", ["moderator", "police", "officer"])
def test_the_writers_read_the_delivery_log_with_its_summary(writer, request, login, notice):
    _log(notice)
    client = login(request.getfixturevalue(writer))
    answer = documented(
        client.get(f"/api/v1/bulletins/{notice.pk}/deliveries"),
        "GET /bulletins/{bulletin_id}/deliveries",
    )
    mine = [row for row in answer["items"] if row["recipient"] in {"z***@example.com"}]
    assert mine[0]["status"] == "sent"
    assert {"channel": "robot", "queued": 0, "sent": 0, "failed": 1} in answer["summary"]
    failed = documented(
        client.get(f"/api/v1/bulletins/{notice.pk}/deliveries?status=failed"),
        "GET /bulletins/{bulletin_id}/deliveries",
    )
    assert [row["last_answer"] for row in failed["items"]] == ["HTTP 502"]
    assert failed["count"] == 1
    assert failed["summary"] == answer["summary"]  # the whole log, whatever the filter
    mails = client.get(f"/api/v1/bulletins/{notice.pk}/deliveries?channel=email").json()
    assert {row["channel"] for row in mails["items"]} == {"email"}


def test_nobody_else_reads_the_delivery_log(login, volunteer, leader, public, notice):
    _log(notice)
    path = f"/api/v1/bulletins/{notice.pk}/deliveries"
    refused = login(volunteer).get(path)
    assert refused.status_code == 403
    assert documented(refused, "GET /bulletins/{bulletin_id}/deliveries")["code"] == "forbidden"
    assert login(leader).get(path).status_code == 403
    assert public.get(path).status_code == 401


def test_the_log_of_a_bulletin_that_does_not_exist_is_not_found(login, officer):
    answer = login(officer).get("/api/v1/bulletins/999999/deliveries")
    assert answer.status_code == 404


def test_the_log_is_paginated_in_a_few_queries(
    login, officer, notice, django_assert_max_num_queries
):
    _log(notice)
    client = login(officer)
    with django_assert_max_num_queries(12):
        answer = client.get(f"/api/v1/bulletins/{notice.pk}/deliveries?page_size=2").json()
    assert len(answer["items"]) == 2
    assert answer["count"] == 3


def test_an_officer_resends_what_failed(login, officer, notice):
    _log(notice)
    answer = send(login(officer), "post", f"/bulletins/{notice.pk}/deliveries/resend")
    assert documented(answer, "POST /bulletins/{bulletin_id}/deliveries/resend") == {"resent": 1}
    assert AuditEntry.objects.filter(action="bulletins.bulletin.deliveries_resent").count() == 1


@pytest.mark.parametrize("writer", ["moderator", "police"])
def test_only_officers_resend(writer, request, login, notice):
    robot_post = _log(notice)[0]
    answer = send(
        login(request.getfixturevalue(writer)), "post", f"/bulletins/{notice.pk}/deliveries/resend"
    )
    assert answer.status_code == 403
    robot_post.refresh_from_db()
    assert robot_post.status == "failed"
    assert not AuditEntry.objects.filter(action="bulletins.bulletin.deliveries_resent").exists()


# Each member's settings


def test_a_member_who_never_chose_gets_urgent_alerts_by_text_message(login, volunteer):
    answer = login(volunteer).get("/api/v1/me/bulletin-preferences")
    assert documented(answer, "GET /me/bulletin-preferences") == {
        "channels": ["sms"],
        "kinds": ["urgent"],
        "email": "",
        "quiet_from": None,
        "quiet_until": None,
    }


def test_a_member_saves_their_settings(login, volunteer):
    client = login(volunteer)
    chosen = {
        "channels": ["email", "push"],
        "kinds": ["alert", "notice"],
        "email": "zhang@example.com",
        "quiet_from": "22:00",
        "quiet_until": "07:00",
    }
    answer = send(client, "put", "/me/bulletin-preferences", chosen)
    assert documented(answer, "PUT /me/bulletin-preferences") == chosen
    assert client.get("/api/v1/me/bulletin-preferences").json() == chosen
    saved = Preference.objects.get(user=volunteer)
    assert saved.quiet_from.hour == 22
    assert AuditEntry.objects.filter(action="bulletins.preference.changed").count() == 1


def test_e_mail_needs_an_address_as_on_the_settings_page(login, volunteer):
    answer = send(
        login(volunteer),
        "put",
        "/me/bulletin-preferences",
        {"channels": ["email"], "kinds": []},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    messages = field_messages(answer, "PUT /me/bulletin-preferences")
    assert messages == [in_chinese("Give the address to send e-mail to.")]
    assert answer.json()["errors"][0]["location"] == ["body", "payload", "email"]
    assert not Preference.objects.exists()


def test_quiet_hours_need_both_ends(login, volunteer):
    answer = send(
        login(volunteer),
        "put",
        "/me/bulletin-preferences",
        {"channels": [], "kinds": [], "quiet_from": "22:00"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    messages = field_messages(answer, "PUT /me/bulletin-preferences")
    assert messages == [in_chinese("Give both ends of the quiet hours, or neither.")]
    assert not Preference.objects.exists()


def test_a_time_of_day_is_hours_and_minutes(login, volunteer):
    answer = send(
        login(volunteer),
        "put",
        "/me/bulletin-preferences",
        {"channels": [], "kinds": [], "quiet_from": "22:00:00+08:00", "quiet_until": "07:00"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    messages = field_messages(answer, "PUT /me/bulletin-preferences")
    assert messages == [in_chinese("This is not in the form the documentation gives.")]
    assert not Preference.objects.exists()


def test_the_public_have_no_settings(public, db):
    assert public.get("/api/v1/me/bulletin-preferences").status_code == 401
    answer = send(public, "put", "/me/bulletin-preferences", {"channels": [], "kinds": []})
    assert answer.status_code == 401
    assert not Preference.objects.exists()


# The public's e-mail subscriptions


@pytest.fixture
def town(db) -> Area:
    county = Area.objects.create(name="示范县", level="county")
    return Area.objects.create(name="城关镇", level="town", parent=county)


def test_the_public_subscribe_and_get_a_confirmation_link(public, town):
    answer = send(
        public,
        "post",
        "/bulletins/subscriptions",
        {"email": "li@example.com", "area_ids": [town.pk], "kinds": ["alert"]},
    )
    assert answer.status_code == 202
    assert documented(answer, "POST /bulletins/subscriptions") == {"sent": True}
    assert [message.to for message in mail.outbox] == [["li@example.com"]]
    assert "/bulletins/subscribe/confirm/" in mail.outbox[0].body
    subscriber = Subscriber.objects.get(email="li@example.com")
    assert subscriber.confirmed_at is None  # nothing is sent before the link is followed


def test_a_known_address_gets_the_same_answer(public, town):
    body = {"email": "li@example.com", "area_ids": [], "kinds": []}
    first = send(public, "post", "/bulletins/subscriptions", body)
    again = send(public, "post", "/bulletins/subscriptions", body)
    assert first.status_code == again.status_code == 202
    assert first.content == again.content
    assert Subscriber.objects.count() == 1


def test_subscriptions_are_throttled_as_on_the_page(public, town):
    body = {"email": "li@example.com"}
    for _ in range(3):
        assert send(public, "post", "/bulletins/subscriptions", body).status_code == 202
    refused = send(public, "post", "/bulletins/subscriptions", body)
    assert refused.status_code == 429
    assert documented(refused, "POST /bulletins/subscriptions")["code"] == "throttled"
    assert len(mail.outbox) == 3


def test_a_community_or_an_unknown_area_is_not_followed(public, town):
    village = Area.objects.create(name="东关村", level="community", parent=town)
    for area_id in (village.pk, 999999):
        answer = send(
            public,
            "post",
            "/bulletins/subscriptions",
            {"email": "li@example.com", "area_ids": [town.pk, area_id]},
        )
        assert documented(answer, "POST /bulletins/subscriptions")["code"] == "unknown_area"
        assert str(area_id) in answer.json()["message"]
    assert not Subscriber.objects.exists()
    assert mail.outbox == []


def test_a_mistyped_address_is_refused_in_the_callers_language(public, db):
    answer = send(
        public,
        "post",
        "/bulletins/subscriptions",
        {"email": "li@example", "kinds": ["nonsense"]},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    messages = field_messages(answer, "POST /bulletins/subscriptions")
    assert in_chinese("Choose one of: %(expected)s.").split("%")[0] in messages[-1]
    assert not Subscriber.objects.exists()
    assert mail.outbox == []


# Sightings


def report(client: Client, bulletin: Bulletin, key: Any = None, **fields: Any) -> Any:
    return send(
        client,
        "post",
        f"/bulletins/{bulletin.pk}/sightings",
        {**SIGHTING, **fields},
        HTTP_IDEMPOTENCY_KEY=str(key or uuid.uuid4()),
    )


def test_anyone_reports_a_sighting_and_a_resend_answers_the_same_code(public, alert):
    key = uuid.uuid4()
    first = report(public, alert, key, latitude=31.0, longitude=114.0)
    assert first.status_code == 201, first.content
    sent = documented(first, "POST /bulletins/{bulletin_id}/sightings")
    assert sent["tracking_url"].endswith(f"{sent['code']}/")
    again = report(public, alert, key, latitude=31.0, longitude=114.0)
    assert again.status_code == 201
    assert again.json() == sent
    sighting = Sighting.objects.get()
    assert sighting.bulletin == alert
    assert sighting.tip.category == Tip.Category.MISSING_PERSON
    assert sighting.tip.code == sent["code"]


def test_a_sighting_needs_an_idempotency_key(public, alert):
    answer = send(public, "post", f"/bulletins/{alert.pk}/sightings", SIGHTING)
    assert documented(answer, "POST /bulletins/{bulletin_id}/sightings")["code"] == (
        "idempotency_key"
    )
    assert not Sighting.objects.exists()


def test_a_sighting_that_says_nothing_is_refused_in_the_callers_language(public, alert):
    answer = send(
        public,
        "post",
        f"/bulletins/{alert.pk}/sightings",
        {"text": "看见了"},
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    messages = field_messages(answer, "POST /bulletins/{bulletin_id}/sightings")
    least = in_chinese("Write at least %(count)d characters that are not spaces.")
    assert messages == [least % {"count": 5}]
    assert not Sighting.objects.exists()
    assert not Tip.objects.exists()


def test_only_an_urgent_alert_that_is_out_takes_sightings(public, login, police, notice):
    draft = services.save_bulletin(
        actor=police, kind="urgent", title="寻找走失儿童", body="草稿", to_public=True
    )
    for bulletin in (notice, draft):
        answer = report(public, bulletin)
        assert answer.status_code == 404
        # Not even the writers: a draft is not out.
        assert report(login(police), bulletin).status_code == 404
    assert not Sighting.objects.exists()


def test_a_closed_alert_takes_no_new_sighting_but_a_resend_gets_its_code(public, police, alert):
    key = uuid.uuid4()
    sent = report(public, alert, key).json()
    services.withdraw_bulletin(actor=police, bulletin=alert, note="老人已找到")
    refused = report(public, alert)
    assert refused.status_code == 409
    assert documented(refused, "POST /bulletins/{bulletin_id}/sightings")["code"] == (
        "not_taking_sightings"
    )
    assert report(public, alert, key).json() == sent
    assert Sighting.objects.count() == 1


def test_a_busy_address_is_asked_for_the_captcha_as_tips_are(public, login, volunteer, alert):
    for n in range(3):
        assert report(public, alert, text=f"第{n}次看见穿蓝色外套的老人").status_code == 201
    refused = report(public, alert)
    assert refused.status_code == 429
    assert documented(refused, "POST /bulletins/{bulletin_id}/sightings")["code"] == (
        "captcha_needed"
    )
    assert Sighting.objects.count() == 3
    # A member is known, and is not asked.
    assert report(login(volunteer), alert).status_code == 201


@pytest.mark.parametrize("watcher", ["moderator", "police", "officer"])
def test_the_staff_follow_the_sightings(watcher, request, login, public, alert):
    report(public, alert, latitude=31.0, longitude=114.0)
    spam = report(public, alert, text="加微信领红包加微信领红包 http://spam.example").json()
    Tip.objects.filter(code=spam["code"]).update(status=Tip.Status.SPAM)
    answer = login(request.getfixturevalue(watcher)).get(f"/api/v1/bulletins/{alert.pk}/sightings")
    listed = documented(answer, "GET /bulletins/{bulletin_id}/sightings")
    assert listed["count"] == 1  # spam stays in the tips' spam folder
    seen = listed["items"][0]
    assert seen["text"] == SIGHTING["text"]
    assert (seen["latitude"], seen["longitude"]) == (31.0, 114.0)
    assert seen["tip_id"] == Sighting.objects.get(tip__status=Tip.Status.NEW).tip_id


def test_nobody_else_sees_the_sightings(login, volunteer, leader, public, alert):
    report(public, alert)
    path = f"/api/v1/bulletins/{alert.pk}/sightings"
    refused = login(volunteer).get(path)
    assert documented(refused, "GET /bulletins/{bulletin_id}/sightings")["code"] == "forbidden"
    assert login(leader).get(path).status_code == 403
    assert public.get(path).status_code == 401


def test_a_bulletin_that_is_no_urgent_alert_has_no_sightings(login, police, notice):
    assert login(police).get(f"/api/v1/bulletins/{notice.pk}/sightings").status_code == 404
