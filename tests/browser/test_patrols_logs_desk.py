"""A squad leader works through the logs waiting for approval: on a phone as cards, on a desk as
a table that uses the width, sorted by a column, with the ticked logs approved at once and each
one's outcome said."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from conftest import PASSWORD, PHONES
from tests.browser.conftest import PHONE
from tests.browser.shots import shot
from yixun.members.models import Member
from yixun.patrols.models import PatrolLog
from yixun.patrols.services import logs
from yixun.places.models import Area, Site
from yixun.shifts.models import Claim, Shift

DESK = {"width": 1366, "height": 900}


@pytest.fixture
def waiting(db, leader, volunteer) -> list[Shift]:
    """Four of the squad's shifts over in the last days: three summarised, one not."""
    town = Area.objects.create(name="城关镇", level=Area.Level.TOWN)
    school = Site.objects.create(
        name="城关一中", kind="school", area=town, latitude=Decimal("31"), longitude=Decimal("114")
    )
    member = Member.objects.get(user=volunteer)
    shifts = []
    for n in range(4):
        starts = timezone.now() - dt.timedelta(hours=6 + n * 20)
        shift = Shift.objects.create(
            kind="school_gate",
            site=school,
            squad=member.squad,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            min_people=1,
            capacity=3,
        )
        Shift.objects.filter(pk=shift.pk).update(taken=F("taken") + 1)
        Claim.objects.create(shift=shift, member=member, claimed_by=volunteer)
        if n != 2:
            logs.write_summary(log=logs.log_of(shift), actor=leader, summary=f"第{n + 1}班一切正常")
        shifts.append(shift)
    return shifts


def signed_in(browser: Browser, base: str, viewport: dict[str, int]) -> Page:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=viewport)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/?next=/duty/logs/")
    page.fill("input[name=phone]", PHONES["leader"])
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url("**/duty/logs/")
    return page


def test_on_a_phone_the_logs_are_cards(browser: Browser, live_server, waiting) -> None:
    page = signed_in(browser, live_server.url, PHONE)
    expect(page.get_by_test_id("log-cards")).to_be_visible()
    expect(page.get_by_test_id("log-desk")).to_be_hidden()
    expect(page.get_by_test_id("log-cards").locator("li")).to_have_count(4)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "logs-to-approve")


def test_on_a_desk_a_sortable_table_approves_the_ticked(
    browser: Browser, live_server, waiting
) -> None:
    page = signed_in(browser, live_server.url, DESK)
    desk = page.get_by_test_id("log-desk")
    expect(desk).to_be_visible()
    expect(page.get_by_test_id("log-cards")).to_be_hidden()
    table = desk.locator("table")
    assert table.bounding_box()["width"] > 1000  # the width is used, not a phone's column
    rows = desk.locator("tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first).to_have_attribute("data-shift", str(waiting[0].pk))  # newest first

    desk.locator("th a[data-sort=when]").click()  # oldest first
    expect(rows.first).to_have_attribute("data-shift", str(waiting[3].pk))
    expect(desk.locator("th[aria-sort=ascending]")).to_have_count(1)
    shot(page, "logs-to-approve")

    for shift in waiting[1:3]:  # one ready, one without a summary
        desk.locator(f"tr[data-shift='{shift.pk}'] input[name=shift]").check()
    approve = page.get_by_test_id("approve-ticked")
    assert approve.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(31, 122, 58)"
    approve.click()
    report = page.get_by_role("status")
    expect(report.locator("li")).to_have_count(2)
    expect(report.locator("li.success")).to_have_count(1)
    expect(report.locator("li.error")).to_have_count(1)
    shot(page, "logs-approved")
    assert PatrolLog.objects.get(shift=waiting[1]).is_approved
    assert not PatrolLog.objects.filter(shift=waiting[2]).exists()
    expect(rows).to_have_count(3)
    expect(desk.locator("th[aria-sort=ascending] a[data-sort=when]")).to_have_count(1)  # kept
    assert page.evaluate("document.documentElement.scrollWidth") <= DESK["width"]
