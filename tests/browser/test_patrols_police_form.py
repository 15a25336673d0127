"""A police liaison enters the police's own patrol on a phone: a box per weekday, named, each a
full tap target and never broken mid-word; times of day in time inputs; the list says 每天."""

import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from conftest import PASSWORD, PHONES
from tests.browser.conftest import PHONE
from tests.browser.signing import finish_second_step
from yixun.places.models import Area
from yixun.shifts.models import PolicePatrol

SHOTS = os.environ.get("YIXUN_SHOTS", "")


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1366, "height": 900}], ids=["phone", "desk"])
def test_the_police_enter_a_patrol_with_named_weekdays(
    browser: Browser, live_server, police, viewport
) -> None:
    town = Area.objects.create(name="城关镇", level=Area.Level.TOWN)
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=viewport)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/police-patrols/")
    page.fill("input[name=phone]", PHONES["police"])
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    finish_second_step(page, PHONES["police"])
    page.goto(f"{live_server.url}/police-patrols/")

    boxes = page.locator("input[name=weekdays]")
    expect(boxes).to_have_count(7)
    for label in page.locator("div.weekday-boxes label").all():
        box = label.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44
        assert label.evaluate("l => l.getClientRects().length") == 1  # one line, not broken
    expect(page.locator("input[name=starts]")).to_have_attribute("type", "time")
    expect(page.locator("input[name=ends]")).to_have_attribute("type", "time")

    page.select_option("select[name=force]", "community")
    page.select_option("select[name=area]", str(town.pk))
    for box in boxes.all():
        box.check()
    page.fill("input[name=starts]", "07:10")
    page.fill("input[name=ends]", "08:00")
    page.fill("input[name=valid_from]", timezone.localdate().isoformat())
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/police-form-{viewport['width']}.png", full_page=True)
    page.locator("form.stack button[type=submit]:not([name=delete])").click()

    expect(page.get_by_test_id("weekdays")).to_have_text(re.compile("^(每天|Every day)$"))
    assert PolicePatrol.objects.get().weekdays == list(range(7))
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/police-list-{viewport['width']}.png", full_page=True)
