"""The tip form's captcha where the eye is, the look-up box for a tracking code, and the
moderators' queue as a table on a desk and cards on a phone; each at 360 px and 1366 px."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from conftest import PASSWORD, PHONES
from tests.browser.signing import finish_second_step
from yixun.tips.models import Tip
from yixun.tips.services import intake

SHOTS = os.environ.get("YIXUN_SHOTS", "")  # a folder: save what the screens showed, to look at
WIDTHS = {"phone": {"width": 360, "height": 740}, "desk": {"width": 1366, "height": 800}}


def open_page(browser: Browser, size: str) -> Page:
    return browser.new_context(
        viewport=WIDTHS[size], locale="zh-CN", timezone_id="Asia/Shanghai"
    ).new_page()


def shoot(page: Page, name: str, *, whole: bool = True) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=whole)


def send(n: int, address: str = "127.0.0.1", category: str = "traffic") -> Tip:
    return intake.submit_tip(
        report=intake.Report(category=category, text=f"国道口红绿灯坏了，第{n}次，晚上很危险"),
        address=address,
    )


@pytest.mark.parametrize("size", ["phone", "desk"])
def test_the_captcha_shows_where_the_person_looks(browser: Browser, live_server, size) -> None:
    for n in range(3):
        send(n)  # three tips from this address within the hour
    page = open_page(browser, size)
    page.goto(f"{live_server.url}/tips/new/")
    form = page.get_by_test_id("report-form")
    form.locator("select[name=category]").select_option("traffic")
    form.locator("textarea[name=text]").fill("路口井盖丢了，晚上很危险，请尽快处理")
    page.get_by_test_id("send-tip").click()
    captcha = page.locator("input[name=captcha]")
    expect(captcha).to_be_focused()
    expect(page.get_by_test_id("captcha-reason")).to_be_in_viewport()  # the reason, in words
    box = captcha.bounding_box()
    assert box is not None and box["y"] + box["height"] <= WIDTHS[size]["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[size]["width"]
    shoot(page, f"captcha-{size}", whole=False)  # what is on screen, not the whole page
    assert Tip.objects.count() == 3


@pytest.mark.parametrize("size", ["phone", "desk"])
def test_a_tracking_code_can_be_typed_in(browser: Browser, live_server, size) -> None:
    tip = send(1, address="10.0.0.9")
    page = open_page(browser, size)
    page.goto(f"{live_server.url}/tips/new/")
    box = page.get_by_test_id("look-up")
    box.locator("input[name=code]").fill("NOSUCHCODE")
    box.get_by_role("button").click()
    expect(page.get_by_test_id("look-up-problem")).to_be_in_viewport()
    shoot(page, f"look-up-unknown-{size}")
    box = page.get_by_test_id("look-up")
    box.locator("input[name=code]").fill(tip.code.lower())
    box.get_by_role("button").click()
    expect(page.get_by_test_id("status")).to_be_visible()
    assert page.url.endswith(f"/tips/t/{tip.code}/")
    expect(page.get_by_test_id("look-up")).to_be_visible()  # and on the tracking page
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[size]["width"]
    shoot(page, f"track-{size}")


def sign_in(browser: Browser, base: str, who: str, size: str) -> Page:
    page = open_page(browser, size)
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=phone]", PHONES[who])
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    finish_second_step(page, PHONES[who])
    return page


@pytest.mark.parametrize("size", ["phone", "desk"])
def test_the_queue_is_a_table_on_a_desk_and_cards_on_a_phone(
    browser: Browser, live_server, moderator, size
) -> None:
    tips = [send(n, address=f"10.5.0.{n}") for n in range(4)]
    urgent = send(9, address="10.5.0.9", category="missing_person")
    page = sign_in(browser, live_server.url, "moderator", size)
    page.goto(f"{live_server.url}/tips/queue/")
    table, cards = page.get_by_test_id("queue-table"), page.get_by_test_id("queue")
    if size == "phone":
        expect(table).to_be_hidden()
        expect(cards).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[size]["width"]
        shoot(page, "queue-phone")
        return
    expect(cards).to_be_hidden()
    expect(table).to_be_visible()
    width = table.bounding_box()
    assert width is not None and width["width"] > 1000  # the table uses the desk's width
    assert page.locator("[data-row]").first.get_attribute("data-row") == str(urgent.pk)
    table.locator("a[data-sort=received]").click()
    expect(page.locator("th[aria-sort=ascending] a[data-sort=received]")).to_be_visible()
    assert page.locator("[data-row]").first.get_attribute("data-row") == str(tips[0].pk)
    shoot(page, "queue-desk-sorted")
    for tip in tips[:2]:
        table.locator(f"[data-row='{tip.pk}'] input[type=checkbox]").check()
    page.get_by_test_id("bulk-take").click()
    expect(page.locator(".messages")).to_contain_text(f"#{tips[0].pk}")
    assert "sort=received" in page.url  # back where the moderator was
    held = Tip.objects.filter(assigned_to=moderator).values_list("pk", flat=True)
    assert sorted(held) == [tips[0].pk, tips[1].pk]
    shoot(page, "queue-desk-taken")
