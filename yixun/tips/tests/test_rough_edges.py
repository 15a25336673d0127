"""What a newcomer stumbled on: the captcha out of sight and unexplained, no box to type a
tracking code into, the forward form not knowing the pin's area, raw coordinates, the police
list without urgency or year, closed tips said to be in hand, and a fight now on the slow clock."""

import datetime as dt
import re
from decimal import Decimal

from django.urls import reverse

from yixun.places.models import Area, Site
from yixun.tips.models import Tip
from yixun.tips.services import triage
from yixun.tips.services.tracking import MISSES_PER_HOUR
from yixun.tips.services.urgency import starts_urgent
from yixun.tips.tests.conftest import send

REPORT = {"category": "traffic", "text": "国道口红绿灯坏了两天了，晚上很危险", "place": "307国道口"}


# 1. The captcha, where the person is looking, and why


def test_the_captcha_comes_first_in_the_form_with_its_reason(db, public) -> None:
    first = public.get(reverse("tips:report")).content.decode()
    assert 'data-testid="captcha"' not in first  # nobody is asked without cause
    for n in range(3):
        public.post(reverse("tips:report"), {**REPORT, "text": f"{REPORT['text']}，第{n}次"})
    page = public.get(reverse("tips:report")).content.decode()
    assert "为防止滥用" in page  # the reason, in the visitor's Chinese
    # Above every field of the form, not under the map and the contact box.
    assert page.index('data-testid="captcha"') < page.index('name="category"')
    sent_back = public.post(reverse("tips:report"), {**REPORT, "text": "路口井盖丢了，很危险"})
    body = sent_back.content.decode()
    assert sent_back.status_code == 400 and Tip.objects.count() == 3
    assert "请输入图片中的数字。" in body
    assert re.search(r'<input[^>]*name="captcha"[^>]*autofocus', body)


# 2. A box for the tracking code


def test_the_public_pages_have_a_box_for_a_tracking_code(db, public) -> None:
    tip = send()
    for page in (reverse("tips:report"), reverse("tips:track", args=[tip.code])):
        html = public.get(page).content.decode()
        assert 'action="/tips/t/"' in html and 'method="get"' in html
    found = public.get("/tips/t/", {"code": f"  {tip.code.lower()} "})
    assert found.status_code == 302 and found.url == reverse("tips:track", args=[tip.code])


def test_an_unknown_code_is_told_in_words(db, public) -> None:
    unknown = public.get(reverse("tips:find"), {"code": "A" * 20})
    assert unknown.status_code == 400 and "没有与此查询码对应的线索" in unknown.content.decode()
    empty = public.get(reverse("tips:find"), {"code": ""})
    assert empty.status_code == 400 and "请输入您拿到的查询码" in empty.content.decode()
    assert public.get(reverse("tips:find")).status_code == 200  # the box on its own


def test_look_ups_that_miss_are_throttled_as_the_tracking_page_is(db, public) -> None:
    tip = send()
    for n in range(MISSES_PER_HOUR - 1):
        public.get(reverse("tips:find"), {"code": f"WRONG{n}"})
    assert public.get(reverse("tips:track", args=["B" * 20])).status_code == 404  # counts too
    stopped = public.get(reverse("tips:find"), {"code": tip.code})
    assert stopped.status_code == 429 and "请1小时后再试" in stopped.content.decode()
    assert public.get(reverse("tips:track", args=[tip.code])).status_code == 429
    other = public.get(reverse("tips:find"), {"code": tip.code}, REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 302  # another address is not held up


# 3. Moderators and the police


def test_the_forward_form_starts_on_the_area_of_the_pin(login, moderator, town) -> None:
    village = Area.objects.create(name="东关村", level="community", parent=town)
    Site.objects.create(
        name="东关小学",
        kind="school",
        area=village,
        latitude=Decimal("31.000000"),
        longitude=Decimal("114.000000"),
    )
    pinned = send(point=(31.001, 114.001))
    far = send("远处有人打架，已经有人受伤了", point=(32.0, 115.0), address="10.0.0.2")
    for tip in (pinned, far):
        triage.take(tip=tip, actor=moderator)  # the forward form is the holder's
    client = login(moderator)
    html = client.get(reverse("tips:detail", args=[pinned.pk])).content.decode()
    assert re.search(rf'<option value="{village.pk}" selected>', html)
    html = client.get(reverse("tips:detail", args=[far.pk])).content.decode()
    assert '<option value="" selected>' in html  # too far from every site: the moderator chooses


def test_the_tip_page_shows_the_pin_on_a_map_not_numbers(login, moderator) -> None:
    pinned = send(point=(31.123456, 114.654321))
    html = login(moderator).get(reverse("tips:detail", args=[pinned.pk])).content.decode()
    assert 'data-testid="tip-map"' in html and "leaflet.js" in html
    assert "(31.123456, 114.654321)" not in html  # no raw pair in the text
    plain = send("没有位置的线索，有人打架", address="10.0.0.3")
    html = login(moderator).get(reverse("tips:detail", args=[plain.pk])).content.decode()
    assert "leaflet.js" not in html  # the library only where there is a pin


def test_the_police_list_has_urgency_the_year_and_due_order(login, moderator, police, town) -> None:
    slow = send("上周小区门口有人打架，现在没事了，请关注", address="10.0.0.4")
    fast = send("有个小孩走失了，穿红色衣服，在广场附近", "missing_person", address="10.0.0.5")
    for tip in (slow, fast):
        triage.take(tip=tip, actor=moderator)
        triage.forward(tip=tip, actor=moderator, area=town, summary=f"摘要{tip.pk}")
    Tip.objects.filter(pk=fast.pk).update(resolve_due_at=slow.resolve_due_at - dt.timedelta(1))
    html = login(police).get(reverse("tips:police")).content.decode()
    assert html.index(f'data-tip="{fast.pk}"') < html.index(f'data-tip="{slow.pk}"')
    assert html.count('data-testid="urgent"') == 1
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", html)


def test_a_closed_tip_is_not_said_to_be_in_hand(login, moderator) -> None:
    tip = send()
    triage.take(tip=tip, actor=moderator)
    triage.close(tip=tip, actor=moderator, reason="已处理")
    html = login(moderator).get(reverse("tips:queue"), {"folder": "all"}).content.decode()
    cards = html.split('data-testid="queue-table"')[0]
    assert "正在处理" not in cards and "已办结" in cards  # the moderator reads Chinese


def test_a_fight_going_on_now_is_urgent_by_one_rule() -> None:
    assert starts_urgent(
        category="public_order", text="广场上一群人正在打架，有人拿着棍子", is_happening_now=False
    )
    assert starts_urgent(category="public_order", text="菜市场门口有人斗毆", is_happening_now=True)
    # A fight told of afterwards is not going on now.
    assert not starts_urgent(
        category="public_order", text="上周小区门口有人打架，现在没事了", is_happening_now=False
    )
    assert not starts_urgent(
        category="public_order", text="楼上装修噪音太大，现在还在响", is_happening_now=True
    )
    assert not starts_urgent(
        category="public_order",
        text="城关镇菜市场门口有人打架，已经有人受伤",
        is_happening_now=False,
    )
    assert starts_urgent(category="crime", text="有人撬车", is_happening_now=True)
    assert starts_urgent(category="fire", text="仓库冒烟", is_happening_now=False)


def test_a_fight_sent_from_the_page_gets_the_urgent_clock(db, public) -> None:
    public.post(
        reverse("tips:report"),
        {"category": "public_order", "text": "广场上一群人正在打架，有人拿着棍子", "place": "广场"},
    )
    tip = Tip.objects.get()
    assert tip.is_urgent and tip.ack_due_at - tip.created_at == dt.timedelta(minutes=15)
