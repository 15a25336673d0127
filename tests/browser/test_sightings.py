"""An urgent alert's sightings, from a phone in the street to the liaison's desk: someone of the
public opens the alert, taps "I saw them", drops a pin and sends; the liaison's open map shows
the new pin within seconds, without a reload; the liaison closes the alert (found), and the
public's page no longer shows the person's description."""

import time

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from tests.browser.conftest import PHONE
from tests.browser.shots import shot
from tests.browser.test_bulletins import DESK, worker
from tests.browser.test_live import open_as
from yixun.bulletins import services
from yixun.bulletins.models import Bulletin, Kind, Sighting
from yixun.lib import phone as phones
from yixun.live.tests.push import PushServer
from yixun.worker.models import Delivery

__all__ = ["worker"]  # the real task worker beside the push process, from test_bulletins.py

pytestmark = pytest.mark.django_db(transaction=True)
DESCRIPTION = "身穿蓝色上衣、灰色裤子，今早在城关镇菜市场附近走失。"


@pytest.fixture
def urgent(police) -> Bulletin:
    draft = services.save_bulletin(
        actor=police,
        kind=Kind.URGENT,
        title="紧急寻人：八旬老人走失",
        body=DESCRIPTION,
        to_public=True,
        cap={
            "area_description": "城关镇菜市场周边",
            "circle_latitude": 31.0,
            "circle_longitude": 114.0,
            "circle_radius_km": 2.0,
        },
    )
    return services.send_at_once(actor=police, bulletin=draft)


def test_a_sighting_from_a_phone_is_a_pin_on_the_liaisons_open_map(
    browser: Browser, server: PushServer, worker: None, urgent: Bulletin, police, moderator
) -> None:
    desk, _ = open_as(browser, server.url, police, f"/bulletins/{urgent.pk}/sightings/", DESK)
    desk.wait_for_function("window.yixunLive && window.yixunLive.connected")
    expect(desk.get_by_test_id("sightings")).not_to_contain_text("菜市场东门")
    expect(desk.locator("#sightings-map .leaflet-interactive")).to_have_count(0)
    shot(desk, "sightings-map-empty")

    # Someone of the public, on a phone, with no account.
    street = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport=PHONE, is_mobile=True, has_touch=True
    ).new_page()
    street.goto(f"{server.url}/bulletins/{urgent.pk}/")
    expect(street.get_by_test_id("body")).to_contain_text("蓝色上衣")
    shot(street, "sighting-alert-phone")
    street.get_by_test_id("saw-them").click()
    form = street.get_by_test_id("sighting-form")
    form.locator("#id_text").fill("在菜市场东门看到一位穿蓝色上衣的老人，往河边走了")
    form.locator("#id_place").fill("城关镇菜市场东门")
    map_box = street.get_by_test_id("sighting-map").bounding_box()
    assert map_box is not None and map_box["width"] >= 300  # the whole width of a phone
    street.get_by_test_id("sighting-map").tap(position={"x": 200, "y": 100})
    expect(street.locator("[data-located]")).to_contain_text("✓")
    shot(street, "sighting-form-phone")
    street.get_by_test_id("send-sighting").click()
    expect(street.get_by_test_id("sent")).to_be_visible()
    tip = Sighting.objects.select_related("tip").get().tip
    expect(street.get_by_test_id("code")).to_have_text(tip.code)
    assert tip.latitude is not None and tip.place == "城关镇菜市场东门"
    shot(street, "sighting-sent-phone")

    # The liaison's map, open all along: the new pin and row, without a reload.
    expect(desk.get_by_test_id("sightings")).to_contain_text("菜市场东门", timeout=5000)
    expect(desk.locator("#sightings-map .leaflet-interactive")).to_have_count(1)
    shot(desk, "sightings-map-live")
    desk.set_viewport_size(PHONE)  # a liaison in the car, on a phone
    shot(desk, "sightings-map-live")
    desk.set_viewport_size(DESK)
    # The worker told the liaison at once, by a message of its own (the delivery log keeps only
    # the masked number once it is sent); the unit tests read what it says.
    liaison = phones.mask(police.phone)
    deadline = time.monotonic() + 10
    while not Delivery.objects.filter(recipient=liaison).exists():
        assert time.monotonic() < deadline, "the liaison was not told"
        time.sleep(0.2)

    # Found: the liaison closes the alert on its page.
    desk.goto(f"{server.url}/bulletins/{urgent.pk}/")
    desk.get_by_text("结束协查（已找到）").click()
    desk.get_by_label("告知大家的话").fill("老人已找到，谢谢大家")
    desk.get_by_role("button", name="结束协查").click()
    expect(desk.get_by_test_id("withdrawn")).to_contain_text("老人已找到")

    street.goto(f"{server.url}/bulletins/{urgent.pk}/")
    expect(street.get_by_test_id("withdrawn")).to_be_visible()
    expect(street.get_by_test_id("body")).to_have_count(0)
    expect(street.get_by_text("蓝色上衣")).to_have_count(0)
    expect(street.get_by_test_id("saw-them")).to_have_count(0)
    shot(street, "sighting-alert-closed-phone")
    assert Bulletin.objects.get().withdrawn_at <= timezone.now()
