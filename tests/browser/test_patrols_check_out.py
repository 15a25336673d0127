"""A volunteer taps check-out twenty minutes before the shift's end: the phone asks first, saying
when the shift ends and what ending now credits; staying changes nothing; ending says what was
credited. Without script the same question comes as a page."""

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
from yixun.patrols.models import Duty
from yixun.patrols.services import duty as duties
from yixun.places.models import Area, Site
from yixun.shifts.models import Claim, Shift

DESK = {"width": 1366, "height": 900}


@pytest.fixture
def on_duty(db, volunteer) -> Duty:
    """On duty for 24 minutes; the shift ends in 20."""
    town = Area.objects.create(name="城关镇", level=Area.Level.TOWN)
    school = Site.objects.create(
        name="城关一中", kind="school", area=town, latitude=Decimal("31"), longitude=Decimal("114")
    )
    now = timezone.now()
    shift = Shift.objects.create(
        kind="school_gate",
        site=school,
        starts_at=now - dt.timedelta(minutes=100),
        ends_at=now + dt.timedelta(minutes=20),
        min_people=1,
        capacity=2,
    )
    Shift.objects.filter(pk=shift.pk).update(taken=F("taken") + 1)
    claim = Claim.objects.create(
        shift=shift, member=Member.objects.get(user=volunteer), claimed_by=volunteer
    )
    duty, _ = duties.check_in(
        claim=claim,
        actor=volunteer,
        method="qr",
        token=school.qr_token,
        at=now - dt.timedelta(minutes=24),
    )
    return duty


def signed_in(browser: Browser, base: str, viewport: dict[str, int], script: bool = True) -> Page:
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport=viewport,
        java_script_enabled=script,
        service_workers="block",
    )
    page = context.new_page()
    page.goto(f"{base}/accounts/login/?next=/duty/")
    page.fill("input[name=phone]", PHONES["volunteer"])
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url("**/duty/")
    return page


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_check_out_early_asks_in_a_dialog(browser: Browser, live_server, on_duty, viewport) -> None:
    page = signed_in(browser, live_server.url, viewport)
    end = f"{timezone.localtime(on_duty.shift.ends_at):%H:%M}"
    expect(page.get_by_test_id("shift-ends")).to_contain_text(end)

    page.get_by_test_id("check-out").click()
    dialog = page.get_by_test_id("check-out-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(end)
    expect(dialog).to_contain_text("30")  # 24 minutes, to the nearest quarter hour
    shot(page, "check-out-dialog")
    dialog.get_by_role("button", name="继续执勤").or_(dialog.locator("[data-keep]")).click()
    expect(dialog).to_be_hidden()
    assert Duty.objects.get().status == Duty.Status.ON_DUTY

    page.get_by_test_id("check-out").click()
    expect(dialog).to_be_visible()
    dialog.get_by_test_id("confirm-check-out").click()
    expect(page.get_by_role("status")).to_contain_text("30")
    shot(page, "checked-out")
    duty = Duty.objects.get()
    assert duty.status == Duty.Status.DONE and duty.minutes == 30
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_without_script_the_question_is_a_page(
    browser: Browser, live_server, on_duty, viewport
) -> None:
    page = signed_in(browser, live_server.url, viewport, script=False)
    page.get_by_test_id("check-out").click()
    confirm = page.get_by_test_id("check-out-confirm")
    expect(confirm).to_contain_text(f"{timezone.localtime(on_duty.shift.ends_at):%H:%M}")
    shot(page, "check-out-confirm")
    assert Duty.objects.get().status == Duty.Status.ON_DUTY
    page.get_by_test_id("keep-on-duty").click()
    expect(page.get_by_test_id("on-duty")).to_be_visible()

    page.get_by_test_id("check-out").click()
    page.get_by_test_id("confirm-check-out").click()
    expect(page.get_by_role("status")).to_contain_text("30")
    assert Duty.objects.get().minutes == 30
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
