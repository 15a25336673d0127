"""Tips through the API: the public sends and follows them, moderators triage and the police
answer; contact details reach only the moderator handling a tip and its police, and every look
is audited; nobody else reaches a tip by its id."""

import json
import uuid
from typing import Any

import pytest
from django.test import Client

from yixun.accounts import services as accounts
from yixun.accounts.models import User
from yixun.accounts.roles import Role
from yixun.audit.models import AuditEntry
from yixun.places.models import Area, PoliceStation
from yixun.tips.models import Tip, TipMessage, TipRules
from yixun.tips.services import intake, triage

SENT_TEXT = "城关镇菜市场门口有人打架，已经有人受伤"
CONTACT_PHONE = "13912345678"
CONTACT_NAME = "李先生"


def person(phone: str, name: str, role: str) -> User:
    return accounts.create_user(phone=phone, name=name, password=None, actor=None, roles=[role])


@pytest.fixture
def station(police: User) -> PoliceStation:
    station = PoliceStation.objects.create(name="城关派出所")
    station.liaisons.add(police)
    return station


@pytest.fixture
def town(station: PoliceStation) -> Area:
    return Area.objects.create(name="城关镇", level="town", station=station)


@pytest.fixture
def other_police(db: None) -> User:
    """A liaison of another station: the tips of the first are none of theirs."""
    other = person("13900000008", "吴警官", Role.POLICE)
    PoliceStation.objects.create(name="河口派出所").liaisons.add(other)
    return other


@pytest.fixture
def moderator2(db: None) -> User:
    return person("13900000009", "孙版主", Role.MODERATOR)


def send(text: str = SENT_TEXT, *, address: str = "10.0.0.1", **extra: Any) -> Tip:
    return intake.submit_tip(
        report=intake.Report(category=extra.pop("category", "public_order"), text=text, **extra),
        address=address,
    )


@pytest.fixture
def tip(db: None) -> Tip:
    return send(contact_name=CONTACT_NAME, contact_phone=CONTACT_PHONE)


@pytest.fixture
def forwarded(tip: Tip, moderator: User, town: Area) -> Tip:
    triage.take(tip=tip, actor=moderator)
    return triage.forward(tip=tip, actor=moderator, area=town, summary="菜市场门口斗殴，一人受伤")


def post(client: Client, path: str, data: Any = None, **extra: Any) -> Any:
    return client.post(path, {} if data is None else data, content_type="application/json", **extra)


def send_by_api(client: Client, data: Any = None, *, key: Any = None, **extra: Any) -> Any:
    payload = {"category": "public_order", "text": SENT_TEXT} if data is None else data
    return client.post(
        "/api/v1/tips",
        payload,
        content_type="application/json",
        headers={"Idempotency-Key": str(key or uuid.uuid4())},
        **extra,
    )


# Sending


def test_the_public_sends_a_tip_and_a_resend_with_the_same_key_gets_the_same_tip(
    db, public
) -> None:
    key = uuid.uuid4()
    data = {
        "category": "crime",
        "text": SENT_TEXT,
        "place": "城关镇菜市场",
        "latitude": 31.0,
        "longitude": 114.0,
        "is_happening_now": True,
        "occurred_at": "2026-01-05T20:00:00+08:00",
    }
    first = send_by_api(public, data, key=key)
    assert first.status_code == 201
    body = first.json()
    assert set(body) == {"code", "tracking_url"}
    assert body["tracking_url"] == f"http://testserver/tips/t/{body['code']}/"
    again = send_by_api(public, data, key=key)
    assert again.status_code == 201
    assert again.json() == body
    tip = Tip.objects.get()
    assert tip.code == body["code"] and tip.key == key
    assert tip.source == Tip.Source.API and tip.reporter is None
    assert tip.is_urgent and tip.place == "城关镇菜市场" and not tip.has_contact


def test_a_tip_without_an_idempotency_key_is_refused(db, public) -> None:
    answer = public.post(
        "/api/v1/tips",
        {"category": "crime", "text": SENT_TEXT},
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "idempotency_key"
    assert not Tip.objects.exists()


def test_a_signed_in_members_tip_is_linked_to_them(login, volunteer, volunteer2) -> None:
    assert send_by_api(login(volunteer)).status_code == 201
    token = accounts.issue_token(user=volunteer2, name="app", actor=volunteer2)[1]
    by_token = Client().post(
        "/api/v1/tips",
        {"category": "traffic", "text": "环城路口红绿灯坏了，车辆拥堵"},
        content_type="application/json",
        headers={"Idempotency-Key": str(uuid.uuid4()), "Authorization": f"Bearer {token}"},
    )
    assert by_token.status_code == 201
    assert {tip.reporter for tip in Tip.objects.all()} == {volunteer, volunteer2}


def test_a_token_that_is_not_valid_is_refused_not_taken_as_anonymous(db, public) -> None:
    answer = public.post(
        "/api/v1/tips",
        {"category": "crime", "text": SENT_TEXT},
        content_type="application/json",
        headers={"Idempotency-Key": str(uuid.uuid4()), "Authorization": "Bearer yx_nothing"},
    )
    assert answer.status_code == 401
    assert not Tip.objects.exists()


def test_bad_input_is_refused_with_a_reason(db, public) -> None:
    # Rules the document states (at least five characters, a mainland mobile number) answer 422
    # with the field named, as every other rule of the input does.
    for wrong in (
        {"category": "crime", "text": "打架"},
        {"category": "crime", "text": "     打架    "},
        {"category": "crime", "text": SENT_TEXT, "contact_phone": "12345"},
        {"category": "crime", "text": SENT_TEXT, "occurred_at": "2026-01-05T20:00:00"},
        {"category": "crime", "text": SENT_TEXT, "latitude": 31.0},
        {"category": "weather", "text": SENT_TEXT},
    ):
        answer = send_by_api(public, wrong)
        assert (answer.status_code, answer.json()["code"]) == (422, "invalid"), wrong
    assert not Tip.objects.exists()


def test_after_a_few_tips_from_one_address_the_api_asks_for_a_captcha(
    public, login, volunteer
) -> None:
    rules = TipRules.current()
    keys = [uuid.uuid4() for _ in range(rules.captcha_after)]
    codes = [send_by_api(public, key=key).json()["code"] for key in keys]
    refused = send_by_api(public)
    assert refused.status_code == 429
    assert refused.json()["code"] == "captcha_needed"
    # A resend of a tip already made is the same tip, not a new one to prove.
    again = send_by_api(public, key=keys[-1])
    assert (again.status_code, again.json()["code"]) == (201, codes[-1])
    # A signed-in member is known: no captcha.
    assert send_by_api(login(volunteer)).status_code == 201
    assert Tip.objects.count() == rules.captcha_after + 1


def test_past_the_rate_limit_a_tip_is_refused(login, volunteer) -> None:
    TipRules.objects.update_or_create(pk=1, defaults={"tips_per_hour": 2})
    client = login(volunteer)
    texts = ["第一条：菜市场门口有人打架", "第二条：环城路红绿灯坏了", "第三条：河边有人钓鱼落水"]
    answers = [send_by_api(client, {"category": "other", "text": text}) for text in texts]
    assert [answer.status_code for answer in answers] == [201, 201, 429]
    assert answers[-1].json()["code"] == "too_many"


# Following a tip by its code


def test_the_tracking_code_shows_status_and_public_messages_only(public, tip, moderator) -> None:
    triage.take(tip=tip, actor=moderator)
    triage.write(tip=tip, actor=moderator, kind="question", text="具体在菜市场哪个门？")
    triage.write(tip=tip, actor=moderator, kind="note", text="内部：疑似与上周同一伙人")
    sent = post(public, f"/api/v1/tips/track/{tip.code.lower()}/answers", {"text": "北门"})
    assert sent.status_code == 201
    assert sent.json()["kind"] == "answer"
    answer = public.get(f"/api/v1/tips/track/{tip.code}", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 200
    body = answer.json()
    assert body["code"] == tip.code and body["category"] == "public_order"
    assert body["status"] == "new" and body["outcome"] is None and body["outcome_label"] is None
    assert [(m["kind"], m["text"]) for m in body["messages"]] == [
        ("question", "具体在菜市场哪个门？"),
        ("answer", "北门"),
    ]
    assert body["can_answer"] is True
    text = answer.content.decode()
    for secret in ("内部", CONTACT_NAME, CONTACT_PHONE, moderator.name, "contact"):
        assert secret not in text


def test_an_answer_needs_a_question_and_a_code_that_exists(public, tip) -> None:
    refused = post(public, f"/api/v1/tips/track/{tip.code}/answers", {"text": "北门"})
    assert (refused.status_code, refused.json()["code"]) == (409, "no_question")
    assert public.get("/api/v1/tips/track/ABCDEFGHJKLMNPQRSTUV").status_code == 404
    assert post(public, "/api/v1/tips/track/nothing/answers", {"text": "x"}).status_code == 404
    assert not TipMessage.objects.exists()


def test_a_merged_tip_shows_the_outcome_of_the_tip_it_was_merged_into(
    public, tip, moderator, police, town
) -> None:
    duplicate = send("菜市场门口打架了，好几个人", address="10.0.0.2")
    triage.merge(tip=duplicate, into=tip, actor=moderator)
    triage.take(tip=tip, actor=moderator)
    triage.forward(tip=tip, actor=moderator, area=town, summary="菜市场门口斗殴")
    triage.record_outcome(
        tip=tip, actor=police, outcome="case_solved", public_answer="已依法处理，谢谢您的线索。"
    )
    body = public.get(f"/api/v1/tips/track/{duplicate.code}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["status"] == "closed"
    assert (body["outcome"], body["outcome_label"]) == ("case_solved", "Case solved")
    assert body["public_answer"] == "已依法处理，谢谢您的线索。"
    assert body["can_answer"] is False
    assert tip.code not in json.dumps(body)


# The moderators' and the police's work


def test_a_moderator_triages_and_forwards_and_the_police_answer(
    login, tip, moderator, police, town
) -> None:
    mod, cop = login(moderator), login(police)
    url = f"/api/v1/tips/{tip.pk}"
    taken = post(mod, f"/api/v1/tips/{tip.pk}/take")
    assert taken.status_code == 200
    assert taken.json()["assigned_to"] == moderator.name
    assert post(mod, f"/api/v1/tips/{tip.pk}/acknowledge").json()["status"] == "acknowledged"
    asked = post(mod, f"/api/v1/tips/{tip.pk}/messages", {"kind": "question", "text": "哪个门？"})
    assert asked.status_code == 201 and asked.json()["author"] == moderator.name
    assert post(mod, f"/api/v1/tips/{tip.pk}/urgency", {"urgent": True}).json()["is_urgent"] is True
    sent = post(
        mod, f"/api/v1/tips/{tip.pk}/forward", {"area": town.pk, "summary": "菜市场门口斗殴"}
    )
    assert sent.status_code == 200
    assert (sent.json()["status"], sent.json()["station"]) == ("forwarded", "城关派出所")
    assert post(cop, f"/api/v1/tips/{tip.pk}/accept").json()["status"] == "accepted"
    progress = post(cop, f"/api/v1/tips/{tip.pk}/messages", {"kind": "progress", "text": "已出警"})
    assert progress.status_code == 201
    done = post(
        cop,
        f"/api/v1/tips/{tip.pk}/outcome",
        {"outcome": "case_opened", "public_answer": "已立案侦查。", "note": "嫌疑人已到案"},
    )
    assert done.status_code == 200
    body = done.json()
    assert (body["status"], body["outcome"], body["public_answer"]) == (
        "closed",
        "case_opened",
        "已立案侦查。",
    )
    assert [m["kind"] for m in mod.get(url).json()["messages"]] == [
        "question",
        "progress",
        "progress",
    ]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "tips.tip.taken",
        "tips.tip.acknowledged",
        "tips.tip.forwarded",
        "tips.tip.accepted",
        "tips.tip.outcome_recorded",
    } <= actions


def test_a_tip_another_moderator_has_is_not_taken_from_them(
    login, tip, moderator, moderator2
) -> None:
    assert post(login(moderator), f"/api/v1/tips/{tip.pk}/take").status_code == 200
    refused = post(login(moderator2), f"/api/v1/tips/{tip.pk}/take")
    assert (refused.status_code, refused.json()["code"]) == (409, "taken")
    handed = post(login(moderator), f"/api/v1/tips/{tip.pk}/assign", {"to": moderator2.pk})
    assert handed.json()["assigned_to_id"] == moderator2.pk


def test_a_moderator_closes_a_tip_with_a_reason(login, tip, moderator) -> None:
    mod = login(moderator)
    assert post(mod, f"/api/v1/tips/{tip.pk}/close", {"reason": "x"}).json()["code"] == (
        "not_taken"
    )
    post(mod, f"/api/v1/tips/{tip.pk}/take")
    closed = post(
        mod, f"/api/v1/tips/{tip.pk}/close", {"reason": "已调解", "public_answer": "已处理"}
    )
    assert closed.status_code == 200
    assert (closed.json()["status"], closed.json()["close_reason"]) == ("closed", "已调解")


def test_spam_in_bulk_and_restored(login, moderator, police) -> None:
    tips = [send(f"第{n}条：菜市场门口有人打架", address=f"10.0.1.{n}") for n in range(3)]
    mod = login(moderator)
    marked = post(mod, "/api/v1/tips/spam", {"ids": [tips[0].pk, tips[1].pk]})
    assert (marked.status_code, marked.json()) == (200, {"marked": 2})
    assert Tip.objects.filter(status="spam").count() == 2
    restored = post(mod, f"/api/v1/tips/{tips[0].pk}/restore")
    assert restored.json()["status"] == "new"
    # An id the caller may not see refuses the whole request, as for one tip.
    refused = post(login(police), "/api/v1/tips/spam", {"ids": [tips[2].pk]})
    assert refused.status_code == 404
    assert Tip.objects.get(pk=tips[2].pk).status == "new"


def test_a_duplicate_is_merged(login, tip, moderator) -> None:
    duplicate = send("菜市场门口打架了，好几个人", address="10.0.0.2")
    merged = post(login(moderator), f"/api/v1/tips/{duplicate.pk}/merge", {"into": tip.pk})
    assert merged.status_code == 200
    assert (merged.json()["status"], merged.json()["merged_into_id"]) == ("merged", tip.pk)
    assert login(moderator).get(f"/api/v1/tips/{tip.pk}").json()["merged"] == [duplicate.pk]
    unknown = post(login(moderator), f"/api/v1/tips/{tip.pk}/merge", {"into": 10**9})
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")


# Lists and search


def test_the_list_filters_and_searches_traditional_and_simplified_alike(login, moderator) -> None:
    send("菜市場門口有人打架", address="10.0.2.1")  # traditional characters
    send("环城路口红绿灯坏了，车辆拥堵", category="traffic", address="10.0.2.2")
    client = login(moderator)

    def texts(**query: Any) -> list[str]:
        answer = client.get("/api/v1/tips", query)
        assert answer.status_code == 200
        return [item["text"] for item in answer.json()["items"]]

    assert texts(q="菜市场门口") == ["菜市場門口有人打架"]
    assert texts(q="紅綠燈") == ["环城路口红绿灯坏了，车辆拥堵"]
    assert texts(q="菜市场 打架") == ["菜市場門口有人打架"]
    assert texts(category="traffic") == ["环城路口红绿灯坏了，车辆拥堵"]
    assert texts(status="closed") == []
    assert len(texts(**{"from": "2000-01-01", "to": "2099-12-31"})) == 2
    assert texts(**{"to": "2000-01-01"}) == []


def test_lists_and_tips_never_carry_contact_details(
    login, tip, moderator, officer, police, forwarded, django_assert_max_num_queries
) -> None:
    for n in range(4):
        send(f"第{n}条：菜市场门口有人打架", address=f"10.0.3.{n}", contact_phone=CONTACT_PHONE)
    for who in (moderator, officer, police):
        client = login(who)
        with django_assert_max_num_queries(5):
            listed = client.get("/api/v1/tips")
        assert listed.status_code == 200
        one = client.get(f"/api/v1/tips/{tip.pk}")
        assert one.status_code == 200 and one.json()["has_contact"] is True
        for answer in (listed, one):
            text = answer.content.decode()
            assert CONTACT_PHONE not in text and CONTACT_NAME not in text
            assert tip.code not in text
    assert len(login(police).get("/api/v1/tips").json()["items"]) == 1  # its station's only


def test_the_list_is_for_moderators_officers_and_police(login, public, volunteer, tip) -> None:
    assert public.get("/api/v1/tips").status_code == 401
    assert login(volunteer).get("/api/v1/tips").status_code == 403


# Nobody else reaches a tip by its id

ID_ENDPOINTS = [
    ("get", "", None),
    ("post", "/take", None),
    ("post", "/assign", {"to": 1}),
    ("post", "/acknowledge", None),
    ("post", "/urgency", {"urgent": True}),
    ("post", "/messages", {"kind": "note", "text": "看看"}),
    ("post", "/forward", {"area": 1, "summary": "看看"}),
    ("post", "/close", {"reason": "看看"}),
    ("post", "/restore", None),
    ("post", "/merge", {"into": 1}),
    ("post", "/accept", None),
    ("post", "/outcome", {"outcome": "checked", "public_answer": "看看"}),
    ("post", "/contact", {"reason": "回访"}),
]


@pytest.mark.parametrize(("method", "suffix", "data"), ID_ENDPOINTS)
def test_no_one_else_reaches_a_tip_by_its_id(
    method, suffix, data, public, login, volunteer, other_police, forwarded
) -> None:
    url = f"/api/v1/tips/{forwarded.pk}{suffix}"

    def call(client: Client) -> Any:
        if method == "get":
            return client.get(url)
        return post(client, url, data)

    assert call(public).status_code == 401
    assert call(login(volunteer)).status_code == 403  # works on no tips: refused before the id
    assert call(login(other_police)).status_code == 404  # works on tips, not this one
    assert not AuditEntry.objects.filter(action="tips.tip.contact_viewed").exists()


def test_a_volunteer_follows_their_own_tip_by_its_code_not_by_its_id(login, volunteer) -> None:
    client = login(volunteer)
    code = send_by_api(client).json()["code"]
    tip = Tip.objects.get(code=code)
    assert tip.reporter == volunteer
    assert client.get(f"/api/v1/tips/{tip.pk}").status_code == 403
    assert client.get(f"/api/v1/tips/track/{code}").status_code == 200


# Contact details


def test_the_moderator_handling_a_tip_sees_the_contact_and_the_look_is_audited(
    login, tip, moderator
) -> None:
    client = login(moderator)
    post(client, f"/api/v1/tips/{tip.pk}/take")
    assert client.get(f"/api/v1/tips/{tip.pk}").json()["may_see_contact"] is True
    answer = post(client, f"/api/v1/tips/{tip.pk}/contact", {"reason": "回访核实地点"})
    assert answer.status_code == 200
    assert answer.json()["name"] == CONTACT_NAME
    assert CONTACT_PHONE in answer.json()["phone"]
    entry = AuditEntry.objects.get(action="tips.tip.contact_viewed")
    assert entry.actor == moderator and entry.target_id == str(tip.pk)
    assert entry.data == {"reason": "回访核实地点"}
    assert CONTACT_PHONE not in json.dumps(entry.data, ensure_ascii=False)


def test_contact_details_need_a_reason(login, tip, moderator) -> None:
    client = login(moderator)
    post(client, f"/api/v1/tips/{tip.pk}/take")
    assert post(client, f"/api/v1/tips/{tip.pk}/contact", {"reason": ""}).status_code == 422
    refused = post(client, f"/api/v1/tips/{tip.pk}/contact", {"reason": "  "})
    assert refused.status_code == 422  # the document asks for a character that is not a space
    assert not AuditEntry.objects.filter(action="tips.tip.contact_viewed").exists()


def test_another_moderator_and_officers_may_not_see_the_contact(
    login, tip, moderator, moderator2, officer
) -> None:
    post(login(moderator), f"/api/v1/tips/{tip.pk}/take")
    for who in (moderator2, officer):
        client = login(who)
        assert client.get(f"/api/v1/tips/{tip.pk}").json()["may_see_contact"] is False
        refused = post(client, f"/api/v1/tips/{tip.pk}/contact", {"reason": "好奇"})
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
        assert CONTACT_PHONE not in refused.content.decode()
    assert not AuditEntry.objects.filter(action="tips.tip.contact_viewed").exists()


def test_the_police_of_the_forwarded_station_see_the_contact_and_no_one_else(
    login, public, forwarded, police, other_police, volunteer
) -> None:
    answer = post(login(police), f"/api/v1/tips/{forwarded.pk}/contact", {"reason": "联系报警人"})
    assert answer.status_code == 200 and CONTACT_PHONE in answer.json()["phone"]
    assert post(public, f"/api/v1/tips/{forwarded.pk}/contact", {"reason": "x"}).status_code == 401
    for who, status in ((volunteer, 403), (other_police, 404)):
        refused = post(login(who), f"/api/v1/tips/{forwarded.pk}/contact", {"reason": "x"})
        assert refused.status_code == status
    assert AuditEntry.objects.filter(action="tips.tip.contact_viewed").count() == 1


def test_the_audit_trail_never_carries_the_contact(login, tip, moderator, officer) -> None:
    client = login(moderator)
    post(client, f"/api/v1/tips/{tip.pk}/take")
    post(client, f"/api/v1/tips/{tip.pk}/contact", {"reason": "回访"})
    trail = login(officer).get("/api/v1/audit/entries", {"action": "tips"})
    assert trail.status_code == 200
    actions = {entry["action"] for entry in trail.json()["items"]}
    assert {"tips.tip.received", "tips.tip.taken", "tips.tip.contact_viewed"} <= actions
    assert CONTACT_PHONE not in trail.content.decode()
    assert CONTACT_NAME not in trail.content.decode()


def test_a_tip_in_the_spam_folder_shows_as_received(public, tip, moderator) -> None:
    triage.mark_spam(tips=[tip], actor=moderator)
    body = public.get(f"/api/v1/tips/track/{tip.code}").json()
    assert body["status"] == "new"
    assert "spam" not in json.dumps(body)


def test_a_code_of_spaces_alone_is_refused_as_the_document_says(db, public) -> None:
    """Spaces are stripped from a typed code, so spaces alone are no code: the document says a
    code holds something besides spaces, and the server refuses the rest in words."""
    document = public.get("/api/v1/openapi.json").json()
    code = next(
        p for p in document["paths"]["/api/v1/tips/track/{code}"]["get"]["parameters"]
        if p["name"] == "code"
    )  # fmt: skip
    assert code["schema"]["pattern"] == r"\S"
    refused = public.get("/api/v1/tips/track/%20%20")
    assert refused.status_code == 422 and refused.json()["errors"][0]["location"] == [
        "path",
        "code",
    ]
    assert public.get("/api/v1/tips/track/%20ABCDEFGHJKLMNPQRSTUV%20").status_code == 404
