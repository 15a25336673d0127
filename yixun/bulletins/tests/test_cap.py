"""CAP 1.2 messages of alerts, checked against OASIS's own schema, and the Atom index of the
alerts in force."""

import datetime as dt
import re
from pathlib import Path
from typing import Any

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from lxml import etree

from yixun.accounts.models import User
from yixun.bulletins.cap import NAMESPACE, cap_xml
from yixun.bulletins.models import Bulletin, Kind
from yixun.bulletins.services import (
    approve_bulletin,
    correct_bulletin,
    save_bulletin,
    send_at_once,
    submit_bulletin,
    withdraw_bulletin,
)

SCHEMA = etree.XMLSchema(etree.parse(Path(__file__).parents[1] / "standards" / "CAP-v1.2.xsd"))
NS = {"cap": NAMESPACE}
ATOM = {"atom": "http://www.w3.org/2005/Atom"}
CAP_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")

BODY = "城关镇**东门菜场**附近发生多起电动车电池被盗案件。\n\n请夜间将电池带回家充电。"
TERMS = {
    "severity": "Moderate",
    "urgency": "Expected",
    "certainty": "Observed",
    "area_description": "城关镇东门菜场周边",
    "circle_latitude": 30.251234,
    "circle_longitude": 120.1666667,
    "circle_radius_km": 1.5,
}


def write(author: User, approver: User, *, kind: str = Kind.ALERT, **fields: Any) -> Bulletin:
    """A bulletin written, submitted and approved through the services, as a person would."""
    fields = {"title": "东门菜场电瓶被盗警示", "body": BODY, "to_public": True} | fields
    bulletin = save_bulletin(actor=author, kind=kind, **fields)
    submit_bulletin(actor=author, bulletin=bulletin)
    return approve_bulletin(actor=approver, bulletin=bulletin)


def fetch(client: Client, bulletin: Bulletin) -> etree._Element:
    """The bulletin's CAP message over HTTP, after checking it against the schema."""
    response = client.get(reverse("bulletins:cap", args=[bulletin.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/cap+xml"
    root = etree.fromstring(response.content)
    SCHEMA.assertValid(root)
    return root


def text(root: etree._Element, path: str) -> str:
    found = root.findtext(path, namespaces=NS)
    assert found is not None, path
    return found


def test_an_alert_is_a_valid_cap_alert(public: Client, moderator: User, police: User) -> None:
    expires = timezone.now() + dt.timedelta(days=2)
    alert = write(moderator, police, cap=TERMS, expires_at=expires)

    root = fetch(public, alert)

    assert text(root, "cap:identifier") == f"yixun-testserver-bulletin-{alert.pk}-0"
    assert text(root, "cap:sender") == "testserver"
    assert text(root, "cap:status") == "Actual"
    assert text(root, "cap:msgType") == "Alert"
    assert text(root, "cap:scope") == "Public"
    assert root.find("cap:references", NS) is None
    sent = text(root, "cap:sent")
    assert CAP_TIME.match(sent)
    assert dt.datetime.fromisoformat(sent) == alert.published_at.replace(microsecond=0)
    assert len(root.findall("cap:info", NS)) == 1
    assert text(root, "cap:info/cap:language") == "zh-CN"
    assert text(root, "cap:info/cap:category") == "Security"
    with translation.override("zh-hans"):
        assert text(root, "cap:info/cap:event") == str(Kind.ALERT.label)
    assert text(root, "cap:info/cap:urgency") == "Expected"
    assert text(root, "cap:info/cap:severity") == "Moderate"
    assert text(root, "cap:info/cap:certainty") == "Observed"
    assert text(root, "cap:info/cap:headline") == "东门菜场电瓶被盗警示"
    description = text(root, "cap:info/cap:description")
    assert "东门菜场附近发生多起" in description
    assert "<" not in description and "**" not in description
    assert text(root, "cap:info/cap:web") == f"http://testserver/bulletins/{alert.pk}/"
    expires_sent = text(root, "cap:info/cap:expires")
    assert CAP_TIME.match(expires_sent)
    assert dt.datetime.fromisoformat(expires_sent) == expires.replace(microsecond=0)
    assert text(root, "cap:info/cap:area/cap:areaDesc") == "城关镇东门菜场周边"
    assert text(root, "cap:info/cap:area/cap:circle") == "30.251234,120.166667 1.5"
    assert root.find("cap:info/cap:area/cap:polygon", NS) is None


def test_a_correction_is_an_update_that_references_the_alert(
    public: Client, moderator: User, police: User
) -> None:
    alert = write(moderator, police, cap=TERMS)
    first = fetch(public, alert)

    corrected = correct_bulletin(
        actor=police,
        bulletin=alert,
        title="东门菜场电瓶被盗警示（更正）",
        body=BODY,
        note="地点更正",
    )
    root = fetch(public, corrected)

    assert text(root, "cap:msgType") == "Update"
    assert text(root, "cap:identifier") == f"yixun-testserver-bulletin-{alert.pk}-1"
    assert text(root, "cap:references") == (
        f"testserver,{text(first, 'cap:identifier')},{text(first, 'cap:sent')}"
    )
    assert text(root, "cap:note") == "地点更正"
    assert text(root, "cap:info/cap:headline") == "东门菜场电瓶被盗警示（更正）"
    assert text(root, "cap:sent") >= text(first, "cap:sent")


def test_a_withdrawal_is_a_cancel_that_references_every_message_before(
    public: Client, moderator: User, police: User
) -> None:
    alert = write(moderator, police, cap=TERMS)
    first = fetch(public, alert)
    correct_bulletin(actor=police, bulletin=alert, title="更正", body=BODY, note="地点更正")
    update = fetch(public, alert)

    withdraw_bulletin(actor=police, bulletin=alert, note="嫌疑人已抓获")
    root = fetch(public, alert)

    assert text(root, "cap:msgType") == "Cancel"
    assert text(root, "cap:identifier") == f"yixun-testserver-bulletin-{alert.pk}-2"
    assert text(root, "cap:references").split(" ") == [
        f"testserver,{text(message, 'cap:identifier')},{text(message, 'cap:sent')}"
        for message in (first, update)
    ]
    assert text(root, "cap:note") == "嫌疑人已抓获"
    assert text(root, "cap:info/cap:urgency") == "Past"
    # A withdrawn police alert keeps its text: only an urgent alert's is taken down.
    assert "东门菜场附近发生多起" in text(root, "cap:info/cap:description")


def test_a_withdrawn_urgent_alert_says_nothing_of_the_person(
    public: Client, moderator: User, police: User
) -> None:
    fields = {"title": "寻找走失老人", "body": "王某某，78岁，身穿蓝色外套，患阿尔茨海默病。"}
    urgent = write(moderator, police, kind=Kind.URGENT, cap=TERMS, **fields)
    assert "王某某" in text(fetch(public, urgent), "cap:info/cap:description")

    withdraw_bulletin(actor=police, bulletin=urgent, note="已找到，谢谢大家")
    root = fetch(public, urgent)

    assert text(root, "cap:msgType") == "Cancel"
    assert root.find("cap:info/cap:description", NS) is None
    assert "王某某" not in etree.tostring(root, encoding="unicode")


def test_an_urgent_alert_sent_before_review_has_its_message(public: Client, police: User) -> None:
    urgent = save_bulletin(
        actor=police, kind=Kind.URGENT, title="寻找走失儿童", body="身穿红色上衣。", to_public=True
    )
    send_at_once(actor=police, bulletin=urgent)

    root = fetch(public, urgent)

    assert text(root, "cap:msgType") == "Alert"
    assert text(root, "cap:info/cap:category") == "Security"


def test_blank_terms_are_unknown_and_the_area_has_a_default(
    public: Client, moderator: User, police: User
) -> None:
    alert = write(moderator, police)

    root = fetch(public, alert)

    for term in ("urgency", "severity", "certainty"):
        assert text(root, f"cap:info/cap:{term}") == "Unknown"
    assert text(root, "cap:info/cap:area/cap:areaDesc").strip()
    assert root.find("cap:info/cap:area/cap:circle", NS) is None
    assert root.find("cap:info/cap:area/cap:polygon", NS) is None
    assert root.find("cap:info/cap:expires", NS) is None


def test_a_polygon_goes_out_closed(public: Client, moderator: User, police: User) -> None:
    corners = [[30.25, 120.16], [30.26, 120.16], [30.26, 120.17], [30.25, 120.17]]
    alert = write(moderator, police, cap={"polygon": corners})

    root = fetch(public, alert)

    assert text(root, "cap:info/cap:area/cap:polygon") == (
        "30.25,120.16 30.26,120.16 30.26,120.17 30.25,120.17 30.25,120.16"
    )
    assert root.find("cap:info/cap:area/cap:circle", NS) is None


def test_a_circle_and_a_polygon_together(public: Client, moderator: User, police: User) -> None:
    closed = [[30.25, 120.16], [30.26, 120.16], [30.26, 120.17], [30.25, 120.16]]
    alert = write(moderator, police, cap=TERMS | {"polygon": closed})

    root = fetch(public, alert)

    area = root.find("cap:info/cap:area", NS)
    assert [etree.QName(child).localname for child in area] == ["areaDesc", "polygon", "circle"]
    assert text(area, "cap:polygon") == "30.25,120.16 30.26,120.16 30.26,120.17 30.25,120.16"


def test_only_public_alerts_that_are_out_have_a_message(
    public: Client, moderator: User, police: User, officer: User
) -> None:
    draft = save_bulletin(actor=moderator, kind=Kind.ALERT, title="草稿", body=BODY, to_public=True)
    waiting = save_bulletin(
        actor=moderator, kind=Kind.ALERT, title="待审", body=BODY, to_public=True
    )
    submit_bulletin(actor=moderator, bulletin=waiting)
    scheduled = write(
        moderator, police, title="明早发布", publish_at=timezone.now() + dt.timedelta(hours=8)
    )
    members_only = write(moderator, police, title="仅会员", to_public=False, to_members=True)
    notice = write(moderator, officer, kind=Kind.NOTICE, title="年会通知")
    advice = write(moderator, officer, kind=Kind.ADVICE, title="防诈骗提示")

    for bulletin in (draft, waiting, scheduled, members_only, notice, advice):
        response = public.get(reverse("bulletins:cap", args=[bulletin.pk]))
        assert response.status_code == 404, bulletin.title
    assert public.get(reverse("bulletins:cap", args=[advice.pk + 1000])).status_code == 404


def test_the_builder_takes_the_site_address_it_is_given(moderator: User, police: User) -> None:
    alert = write(moderator, police)

    root = etree.fromstring(cap_xml(alert, base_url="https://yixun.county.gov.cn"))

    SCHEMA.assertValid(root)
    assert text(root, "cap:sender") == "yixun.county.gov.cn"
    assert text(root, "cap:identifier") == f"yixun-yixun.county.gov.cn-bulletin-{alert.pk}-0"
    assert text(root, "cap:info/cap:web") == f"https://yixun.county.gov.cn/bulletins/{alert.pk}/"


def test_the_index_lists_the_alerts_in_force_with_their_cap_messages(
    public: Client, moderator: User, police: User, officer: User
) -> None:
    soon = timezone.now() + dt.timedelta(hours=1)
    write(moderator, police, title="在发警示", cap=TERMS)
    write(moderator, police, kind=Kind.URGENT, title="寻人")
    corrected = write(moderator, police, title="已更正警示")
    correct_bulletin(actor=police, bulletin=corrected, title="已更正警示", body="新", note="更正")
    withdrawn = write(moderator, police, title="已撤回警示")
    withdraw_bulletin(actor=police, bulletin=withdrawn, note="撤回")
    expiring = write(moderator, police, title="已过期警示", expires_at=soon)
    write(moderator, police, title="仅会员警示", to_public=False, to_members=True)
    write(moderator, officer, kind=Kind.NOTICE, title="通知")
    save_bulletin(actor=moderator, kind=Kind.ALERT, title="草稿警示", body=BODY, to_public=True)

    with time_machine.travel(soon + dt.timedelta(minutes=1), tick=True):
        response = public.get(reverse("bulletins:alerts"))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/atom+xml")
        feed = etree.fromstring(response.content)
        assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
        for required in ("atom:id", "atom:title", "atom:updated"):
            assert feed.findtext(required, namespaces=ATOM), required
        entries = feed.findall("atom:entry", ATOM)
        assert {entry.findtext("atom:title", namespaces=ATOM) for entry in entries} == {
            "在发警示",
            "寻人",
            "已更正警示",
        }
        for entry in entries:
            for required in ("atom:id", "atom:title", "atom:updated"):
                assert entry.findtext(required, namespaces=ATOM), required
            cap_links = entry.findall("atom:link[@type='application/cap+xml']", ATOM)
            assert len(cap_links) == 1
            href = cap_links[0].get("href")
            assert href.startswith("http://testserver/")
            message = etree.fromstring(public.get(href).content)
            SCHEMA.assertValid(message)
            assert text(message, "cap:info/cap:headline") == entry.findtext(
                "atom:title", namespaces=ATOM
            )
            pages = [
                link.get("href")
                for link in entry.findall("atom:link", ATOM)
                if link.get("type") is None
            ]
            assert pages == [text(message, "cap:info/cap:web")]

    by_title = {entry.findtext("atom:title", namespaces=ATOM): entry for entry in entries}
    assert "东门菜场附近发生多起" in by_title["在发警示"].findtext("atom:summary", namespaces=ATOM)
    update = etree.fromstring(public.get(reverse("bulletins:cap", args=[corrected.pk])).content)
    assert text(update, "cap:msgType") == "Update"
    updated = by_title["已更正警示"].findtext("atom:updated", namespaces=ATOM)
    assert dt.datetime.fromisoformat(updated).replace(microsecond=0) == dt.datetime.fromisoformat(
        text(update, "cap:sent")
    )
    # Gone from the index, the withdrawn and expired alerts keep their messages.
    assert public.get(reverse("bulletins:cap", args=[withdrawn.pk])).status_code == 200
    assert public.get(reverse("bulletins:cap", args=[expiring.pk])).status_code == 200
