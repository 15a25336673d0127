"""A squad leader taps Invite beside a member on a short shift; the page then marks the member
invited and lists who was asked and has not answered."""

import os

import pytest
from playwright.sync_api import Browser, expect

from conftest import PASSWORD, PHONES
from tests.browser.conftest import PHONE
from yixun.places.models import Area
from yixun.shifts.models import ClaimRules
from yixun.shifts.services import claims
from yixun.shifts.tests.helpers import member_of, new_shift

SHOTS = os.environ.get("YIXUN_SHOTS", "")


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1366, "height": 900}], ids=["phone", "desk"])
def test_an_invited_member_is_marked(
    browser: Browser, live_server, officer, leader, squad, volunteer, volunteer2, viewport
) -> None:
    rules = ClaimRules.current()
    rules.newcomer_patrols = 0
    rules.save()
    town = Area.objects.create(name="城关镇", level=Area.Level.TOWN)
    shift = new_shift(officer, town, min_people=3)
    claims.reserve_for_squad(shifts=[shift], squad=squad, actor=leader)

    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=viewport)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/shifts/{shift.pk}/")
    page.fill("input[name=phone]", PHONES["leader"])
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(f"**/shifts/{shift.pk}/")

    row = page.locator(f"[data-testid=candidates] li[data-member='{member_of(volunteer).pk}']")
    expect(row.get_by_test_id("invited-mark")).to_have_count(0)
    row.locator("form[action$='/invite/'] button").click()

    row = page.locator(f"[data-testid=candidates] li[data-member='{member_of(volunteer).pk}']")
    expect(row.get_by_test_id("invited-mark")).to_be_visible()
    expect(page.get_by_test_id("invited")).to_contain_text(volunteer.name)
    expect(page.get_by_test_id("invited")).not_to_contain_text(volunteer2.name)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/invited-{viewport['width']}.png", full_page=True)
