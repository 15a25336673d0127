"""An officer hands a tip on from a moderator who is away, on a phone, saying why; the tip page
shows the new holder, and the reason is in the trail."""

import os

import pytest
from playwright.sync_api import Browser, Page, expect

from conftest import PASSWORD, PHONES
from tests.browser.conftest import PHONE
from tests.browser.signing import finish_second_step
from yixun.accounts import services as accounts
from yixun.accounts.roles import Role
from yixun.audit.models import AuditEntry
from yixun.tips.models import Tip
from yixun.tips.services import intake, triage

SHOTS = os.environ.get("YIXUN_SHOTS", "")  # a folder: save what the phone showed, to look at


def sign_in(browser: Browser, base: str, who: str, viewport: dict[str, int]) -> Page:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=viewport)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=phone]", PHONES[who])
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    finish_second_step(page, PHONES[who])
    return page


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 800}], ids=["phone", "desk"])
def test_an_officer_hands_a_tip_on_saying_why(
    browser: Browser, live_server, moderator, officer, viewport
) -> None:
    other = accounts.create_user(
        phone="13900000019", name="钱版主", password=PASSWORD, actor=None, roles=[Role.MODERATOR]
    )
    tip = intake.submit_tip(
        report=intake.Report(category="public_order", text="菜市场门口有人打架，已经有人受伤"),
        address="10.0.0.1",
    )
    triage.take(tip=tip, actor=moderator)

    page = sign_in(browser, live_server.url, "officer", viewport)
    page.goto(f"{live_server.url}/tips/{tip.pk}/")
    expect(page.get_by_test_id("holder")).to_have_text("李版主")
    page.get_by_text("转给其他版主").click()
    form = page.get_by_test_id("assign-form")
    form.locator("select[name=to]").select_option(str(other.pk))
    form.locator("input[name=reason]").fill("李版主今晚不在")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/hand-on-{viewport['width']}.png", full_page=True)
    form.get_by_role("button").click()
    expect(page.get_by_test_id("holder")).to_have_text("钱版主")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert Tip.objects.get(pk=tip.pk).assigned_to == other
    entry = AuditEntry.objects.get(action="tips.tip.assigned")
    assert (entry.actor, entry.data["reason"]) == (officer, "李版主今晚不在")
