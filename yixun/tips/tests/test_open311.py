"""Open311 GeoReport v2: civic-report apps list the services, send a tip as a request and follow
it by its id, in JSON and in XML; refusals come as Open311 errors."""

import uuid
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from yixun.accounts.models import User
from yixun.places.models import Area, PoliceStation
from yixun.tips.models import Tip, TipCategory, TipRules
from yixun.tips.services import intake, triage

BASE = "/api/v1/open311/v2"
REQUEST = {
    "service_code": "public_order",
    "description": "城关镇菜市场门口有人打架，已经有人受伤",
    "lat": "31.0001",
    "long": "114.0002",
    "address_string": "城关镇菜市场北门",
}


def parse(answer: Any) -> ET.Element:
    assert answer["Content-Type"] == "text/xml; charset=utf-8"
    assert answer.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(answer.content)  # noqa: S314 - our own answer, in a test


def rows(element: ET.Element) -> list[dict[str, str | None]]:
    return [{child.tag: child.text for child in row} for row in element]


def open311(client: Client, path: str, data: dict[str, str], **extra: Any) -> Any:
    """A request as the apps send it: form-encoded, from their own address."""
    return client.post(
        f"{BASE}/{path}",
        urlencode(data),
        content_type="application/x-www-form-urlencoded",
        REMOTE_ADDR=extra.pop("address", "10.9.0.1"),
        **extra,
    )


def sent(client: Client, data: dict[str, str] | None = None, **extra: Any) -> Any:
    return open311(client, "requests.json", data or REQUEST, **extra)


def tip_of(text: str, address: str) -> Tip:
    return intake.submit_tip(
        report=intake.Report(category="fire", text=text, place="河口村"), address=address
    )


@pytest.fixture
def area(police: User) -> Area:
    station = PoliceStation.objects.create(name="城关派出所")
    station.liaisons.add(police)
    return Area.objects.create(name="城关镇", level="town", station=station)


def test_the_services_are_the_tip_categories_in_the_callers_language(db, public) -> None:
    chinese = public.get(f"{BASE}/services.json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.status_code == 200
    assert chinese["Content-Type"] == "application/json; charset=utf-8"
    services = chinese.json()
    assert [service["service_code"] for service in services] == TipCategory.values
    assert services[0]["service_name"] == "治安"
    assert all(s["type"] == "realtime" and s["metadata"] is False for s in services)
    english = public.get(f"{BASE}/services.json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english[0]["service_name"] == "Public order"


def test_the_services_in_xml(db, public) -> None:
    root = parse(public.get(f"{BASE}/services.xml", HTTP_ACCEPT_LANGUAGE="en"))
    assert root.tag == "services"
    services = rows(root)
    assert [service["service_code"] for service in services] == TipCategory.values
    assert services[4]["service_name"] == "Missing person"
    assert services[0]["metadata"] == "false" and services[0]["type"] == "realtime"


def test_a_request_makes_a_tip_and_is_followed_by_its_id(db, public) -> None:
    data = {**REQUEST, "first_name": "三", "last_name": "张", "phone": "139 1234 5678"}
    data["email"] = "zhang@example.com"
    answer = sent(public, data)
    assert answer.status_code == 201
    [created] = answer.json()
    code = created["service_request_id"]
    assert created["service_notice"] and created["account_id"] is None
    tip = Tip.objects.get(code=code)
    assert tip.source == Tip.Source.OPEN311 and tip.reporter is None
    assert (tip.category, tip.place) == ("public_order", "城关镇菜市场北门")
    assert (float(tip.latitude), float(tip.longitude)) == (31.0001, 114.0002)
    assert tip.contact() == ("张三", "+8613912345678")

    followed = public.get(f"{BASE}/requests/{code}.json", HTTP_ACCEPT_LANGUAGE="en")
    assert followed.status_code == 200
    [request] = followed.json()
    assert request["service_request_id"] == code
    assert (request["status"], request["status_notes"]) == ("open", "")
    assert (request["service_code"], request["service_name"]) == ("public_order", "Public order")
    assert request["requested_datetime"].endswith("+08:00")
    [as_xml] = rows(parse(public.get(f"{BASE}/requests/{code.lower()}.xml")))
    assert as_xml["service_request_id"] == code and as_xml["status"] == "open"
    for body in (followed.content, public.get(f"{BASE}/requests/{code}.xml").content):
        text = body.decode()
        assert "张三" not in text and "13912345678" not in text and "example.com" not in text


def test_a_request_in_xml_answers_in_xml(db, public) -> None:
    answer = open311(public, "requests.xml", {**REQUEST, "lat": "", "long": ""})
    assert answer.status_code == 201
    root = parse(answer)
    assert root.tag == "service_requests"
    [created] = rows(root)
    assert Tip.objects.get(code=created["service_request_id"]).latitude is None


def test_an_app_needs_no_csrf_token(db) -> None:
    app = Client(enforce_csrf_checks=True)
    assert sent(app).status_code == 201


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"service_code": "potholes"}, "service_code"),
        ({"lat": "", "long": "", "address_string": ""}, "address_string"),
        ({"lat": "31.0", "long": ""}, "lat"),
        ({"lat": "north", "long": "114"}, "lat"),
        ({"lat": "91", "long": "114"}, "lat"),
        ({"description": "打架"}, "few words"),
        ({"phone": "12345"}, "mobile"),
    ],
)
def test_a_request_that_does_not_fit_is_an_open311_error(db, public, change, says) -> None:
    answer = sent(public, {**REQUEST, **change}, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400
    [error] = answer.json()
    assert error["code"] == 400 and says in error["description"]
    root = parse(open311(public, "requests.xml", {**REQUEST, **change}))
    assert root.tag == "errors"
    assert rows(root)[0]["code"] == "400"
    assert not Tip.objects.exists()


def test_the_rate_limits_apply_as_open311_errors(db, public) -> None:
    TipRules.objects.update_or_create(pk=1, defaults={"tips_per_hour": 2, "captcha_after": 50})
    texts = ["第一条：菜市场门口有人打架", "第二条：环城路红绿灯坏了", "第三条：河边有人钓鱼落水"]
    answers = [sent(public, {**REQUEST, "description": text}) for text in texts]
    assert [answer.status_code for answer in answers] == [201, 201, 429]
    assert answers[-1].json()[0]["code"] == 429
    # Another address is not held back by this one.
    assert sent(public, address="10.9.0.2").status_code == 201


def test_after_a_few_requests_from_one_address_the_app_is_sent_to_the_tip_page(db, public) -> None:
    rules = TipRules.current()
    for n in range(rules.captcha_after):
        assert sent(public, {**REQUEST, "description": f"第{n}条：有人打架斗殴"}).status_code == 201
    refused = open311(public, "requests.xml", REQUEST, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429
    assert "tip page" in rows(parse(refused))[0]["description"]
    assert Tip.objects.count() == rules.captcha_after


def test_requests_by_their_ids_open_closed_and_merged(db, public, moderator, police, area) -> None:
    first = tip_of("河口村有一处草垛着火了，烟很大", "10.9.1.1")
    second = tip_of("河口村草垛起火，浓烟滚滚", "10.9.1.2")
    third = tip_of("环城路口有一辆车冒烟着火", "10.9.1.3")
    triage.merge(tip=second, into=first, actor=moderator)
    triage.take(tip=first, actor=moderator)
    triage.forward(tip=first, actor=moderator, area=area, summary="草垛着火")
    triage.record_outcome(tip=first, actor=police, outcome="checked", public_answer="已扑灭。")
    wanted = f"{first.code},{second.code.lower()}, {third.code},ABCDEFGHJKLMNPQRSTUV"
    answer = public.get(f"{BASE}/requests.json", {"service_request_id": wanted})
    assert answer.status_code == 200
    found = {row["service_request_id"]: row for row in answer.json()}
    assert list(found) == [first.code, second.code, third.code]
    assert (found[first.code]["status"], found[first.code]["status_notes"]) == (
        "closed",
        "已扑灭。",
    )
    # The merged tip's reporter sees the outcome of the tip it joined, and nothing of it.
    assert (found[second.code]["status"], found[second.code]["status_notes"]) == (
        "closed",
        "已扑灭。",
    )
    assert found[third.code]["status"] == "open"
    xml_rows = rows(parse(public.get(f"{BASE}/requests.xml", {"service_request_id": wanted})))
    assert [row["status"] for row in xml_rows] == ["closed", "closed", "open"]


def test_there_is_no_public_list_of_requests(db, public) -> None:
    tip_of("河口村有一处草垛着火了，烟很大", "10.9.2.1")
    answer = public.get(f"{BASE}/requests.json")
    assert answer.status_code == 400
    assert answer.json()[0]["code"] == 400
    many = ",".join(uuid.uuid4().hex[:20] for _ in range(51))
    assert public.get(f"{BASE}/requests.json", {"service_request_id": many}).status_code == 400


def test_an_unknown_request_or_format_is_an_open311_error(db, public) -> None:
    missing = public.get(f"{BASE}/requests/ABCDEFGHJKLMNPQRSTUV.json")
    assert missing.status_code == 404
    assert missing.json()[0]["code"] == 404
    assert rows(parse(public.get(f"{BASE}/requests/NOTHING.xml")))[0]["code"] == "404"
    wrong = public.get(f"{BASE}/services.html")
    assert wrong.status_code == 404 and wrong.json()[0]["code"] == 404
