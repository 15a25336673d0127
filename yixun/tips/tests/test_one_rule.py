"""Rules that the pages and the API both apply are one function each, so they cannot disagree:
what a reporter is shown (tracking page, a member's own tip, the API, Open311), the tip search,
when a captcha is due, and an idempotency key bound to what was sent with it."""

import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from yixun.tips.models import Tip, TipRules
from yixun.tips.services import triage
from yixun.tips.tests.conftest import send

TEXT = "城关镇菜市场门口有人打架，已经有人受伤"


def by_api(client: Client, data: dict[str, Any], key: uuid.UUID, **extra: Any) -> Any:
    return client.post(
        "/api/v1/tips",
        data,
        content_type="application/json",
        headers={"Idempotency-Key": str(key)},
        **extra,
    )


def shown(client: Client, tip: Tip) -> dict[str, Any]:
    """What the tracking page, the API and Open311 each say of one tip."""
    page = client.get(reverse("tips:track", args=[tip.code]))
    api = client.get(f"/api/v1/tips/track/{tip.code}").json()
    open311 = client.get(f"/api/v1/open311/v2/requests/{tip.code}.json").json()[0]
    return {
        "page": page.context["view"].status_label,
        "page_html": page.content.decode(),
        "api": api["status_label"],
        "api_status": api["status"],
        "api_answer": api["public_answer"],
        "open311": open311["status"],
        "open311_notes": open311["status_notes"],
    }


@pytest.mark.parametrize("state", ["new", "spam", "forwarded", "merged", "solved"])
def test_the_reporter_sees_the_same_on_the_page_the_api_and_open311(
    state, public, moderator, police, town
) -> None:
    tip = send()
    if state == "spam":
        triage.mark_spam(tips=[tip], actor=moderator)
    elif state in ("forwarded", "solved"):
        triage.take(tip=tip, actor=moderator)
        triage.forward(tip=tip, actor=moderator, area=town, summary="斗殴")
        if state == "solved":
            triage.record_outcome(
                tip=tip, actor=police, outcome="case_solved", public_answer="已抓获嫌疑人。"
            )
    elif state == "merged":
        other = send("菜市场门口有人打架，我也看见了", address="10.3.3.3")
        triage.take(tip=other, actor=moderator)
        triage.forward(tip=other, actor=moderator, area=town, summary="斗殴")
        triage.merge(tip=tip, into=other, actor=moderator)
    tip.refresh_from_db()
    seen = shown(public, tip)
    assert seen["page"] == seen["api"], state
    assert f'data-testid="status">{seen["api"]}<' in seen["page_html"]
    expected = {
        "new": ("new", "open"),
        "spam": ("new", "open"),  # a spammer learns nothing
        "forwarded": ("forwarded", "open"),
        "merged": ("forwarded", "open"),  # the other tip's status, never that it exists
        "solved": ("closed", "closed"),
    }[state]
    assert (seen["api_status"], seen["open311"]) == expected
    assert seen["api_answer"] == seen["open311_notes"]
    assert "spam" not in seen["page_html"].lower() and "李版主" not in seen["page_html"]


def test_a_member_following_their_own_tip_sees_what_every_reporter_sees(
    login, volunteer, moderator, public
) -> None:
    client = login(volunteer)
    client.post(
        reverse("tips:report"), {"category": "public_order", "text": TEXT, "place": "菜市场"}
    )
    tip = Tip.objects.get(reporter=volunteer)
    triage.take(tip=tip, actor=moderator)
    triage.write(tip=tip, actor=moderator, kind="question", text="具体在哪个门？")
    triage.write(tip=tip, actor=moderator, kind="note", text="内部：疑似上周那伙人")
    own = client.get(reverse("tips:detail", args=[tip.pk]), follow=True)
    assert own.redirect_chain[-1][0] == reverse("tips:track", args=[tip.code])
    page = own.content.decode()
    assert "具体在哪个门" in page
    assert "李版主" not in page and "内部" not in page  # no moderator's name, no internal note
    assert "李版主" not in str(public.get(f"/api/v1/tips/track/{tip.code}").json())
    # Their list of tips names a status as the tracking page does: one in the spam folder too.
    client.post(
        reverse("tips:report"), {"category": "other", "text": "加微信 vx88888 领红包，扫码进群"}
    )
    spam = Tip.objects.filter(reporter=volunteer).exclude(pk=tip.pk).get()
    triage.mark_spam(tips=[spam], actor=moderator)
    listed = client.get(reverse("tips:report")).content.decode()
    mine = listed[listed.index("tips/t/") :]
    assert mine.count("已收到") == 2 and "垃圾" not in mine


def test_the_search_matches_the_same_tips_on_the_page_and_in_the_api(login, moderator) -> None:
    send("城關鎮菜市場門口有人打架", address="10.5.5.1")  # traditional characters
    send("城关镇菜市场门口有人打架，好几个人", address="10.5.5.2")
    send("环城路红绿灯坏了", "traffic", address="10.5.5.3")
    client = login(moderator)
    for query in ({"q": "菜市场 打架"}, {"q": "菜市場"}, {"category": "traffic"}, {"place": "无"}):
        page = client.get(reverse("tips:queue"), {"folder": "all", **query})
        on_page = {tip.pk for tip in page.context["page"].object_list}
        in_api = {row["id"] for row in client.get("/api/v1/tips", query).json()["items"]}
        assert on_page == in_api, query
    assert len(on_page) == 0 and len(in_api) == 0  # the last: no place holds "无"


def test_the_captcha_is_due_alike_on_the_page_the_api_and_open311(public, login, volunteer) -> None:
    rules = TipRules.current()
    address = {"REMOTE_ADDR": "10.6.6.6"}
    for n in range(rules.captcha_after):
        assert by_api(public, {"category": "other", "text": f"{TEXT}{n}"}, uuid.uuid4(), **address)
    page = public.get(reverse("tips:report"), **address)
    assert page.context["wants_captcha"]
    refused = by_api(public, {"category": "other", "text": TEXT + "!"}, uuid.uuid4(), **address)
    assert (refused.status_code, refused.json()["code"]) == (429, "captcha_needed")
    open311 = public.post(
        "/api/v1/open311/v2/requests.json",
        {"service_code": "other", "description": TEXT, "address_string": "菜市场"},
        **address,
    )
    assert open311.status_code == 429
    # A signed-in member is known, on the page and in the API alike.
    member = login(volunteer)
    assert not member.get(reverse("tips:report"), **address).context["wants_captcha"]
    assert (
        by_api(member, {"category": "other", "text": TEXT}, uuid.uuid4(), **address).status_code
        == 201
    )


def test_an_idempotency_key_is_bound_to_what_was_sent_with_it(db, public) -> None:
    key = uuid.uuid4()
    mine = {"category": "crime", "text": TEXT, "contact_phone": "13912345678"}
    first = by_api(public, mine, key, REMOTE_ADDR="10.7.0.1")
    assert first.status_code == 201
    # Someone else's report under the same key learns nothing of the first.
    theirs = by_api(public, {"category": "crime", "text": "别人的线索，想看看编号"}, key)
    assert (theirs.status_code, theirs.json()["code"]) == (409, "key_reused")
    assert first.json()["code"] not in theirs.content.decode()
    # The same report resent from another address (4G to Wi-Fi) gets its code back.
    again = by_api(public, mine, key, REMOTE_ADDR="10.7.0.2")
    assert (again.status_code, again.json()) == (201, first.json())
    assert Tip.objects.count() == 1


def test_an_idempotency_key_must_be_a_uuid(db, public) -> None:
    for short in ("1", "abc", "0" * 16):
        answer = public.post(
            "/api/v1/tips",
            {"category": "crime", "text": TEXT},
            content_type="application/json",
            headers={"Idempotency-Key": short},
        )
        assert (answer.status_code, answer.json()["code"]) == (400, "idempotency_key")
    assert not Tip.objects.exists()
