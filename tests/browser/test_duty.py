"""A volunteer on a phone checks in by the site's QR link, logs an inspection and a rescue with
the browser offline, comes back online, and the records appear once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import PASSWORD, PHONES
from yixun.members.models import Member
from yixun.patrols.models import Duty, Incident, Inspection
from yixun.places.models import Area, Site
from yixun.shifts.models import Claim, Shift


@pytest.fixture
def school(db) -> Site:
    town = Area.objects.create(name="城关镇", level=Area.Level.TOWN)
    return Site.objects.create(
        name="城关一中",
        kind="school",
        area=town,
        latitude=Decimal("31.0"),
        longitude=Decimal("114.0"),
    )


@pytest.fixture
def shift(school, volunteer) -> Shift:
    starts = timezone.now() - dt.timedelta(minutes=5)
    shift = Shift.objects.create(
        kind="school_gate",
        site=school,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        min_people=1,
        capacity=2,
    )
    Shift.objects.filter(pk=shift.pk).update(taken=F("taken") + 1)
    Claim.objects.create(
        shift=shift, member=Member.objects.get(user=volunteer), claimed_by=volunteer
    )
    return shift


def test_check_in_by_qr_and_log_offline(page: Page, live_server, shift, school, volunteer) -> None:
    page.goto(
        f"{live_server.url}/accounts/login/?next={reverse('places:check_in', args=[school.qr_token])}"
    )
    page.fill("input[name=phone]", PHONES["volunteer"])
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.stack button[type=submit]").click()

    page.get_by_test_id("check-in").click()  # the poster's link led to the check-in page
    card = page.locator(f"[data-shift='{shift.pk}']")
    expect(card.get_by_test_id("on-duty")).to_be_visible()
    assert Duty.objects.get().check_in_method == "qr"

    # The page is kept by its service worker: reopened without signal, it still works.
    expect(page.locator("html")).to_have_attribute("data-kept", "1")
    page.reload()  # now under the service worker
    expect(page.locator("html")).to_have_attribute("data-kept", "1")
    page.context.set_offline(True)
    page.reload()
    card = page.locator(f"[data-shift='{shift.pk}']")
    expect(card.get_by_test_id("on-duty")).to_be_visible()
    inspection = card.get_by_test_id("inspection-form")
    inspection.locator("select[name$=finding]").select_option("hazard")
    inspection.locator("textarea[name$=note]").fill("校门口井盖缺失")
    inspection.get_by_role("button").click()
    rescue = card.get_by_test_id("incident-form")
    rescue.locator("select[name$=kind]").select_option("rescue")
    rescue.locator("textarea[name$=account]").fill("女孩腿卡在铁椅里，已解救")
    rescue.locator("input[name$=people_helped]").fill("1")
    rescue.get_by_role("button").click()

    expect(page.get_by_test_id("network")).to_be_visible()
    expect(page.get_by_test_id("queued")).to_have_count(2)
    assert not Inspection.objects.exists() and not Incident.objects.exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(card.get_by_test_id("inspection")).to_have_count(1)
    expect(card.get_by_test_id("incident")).to_have_count(1)
    expect(page.get_by_test_id("outbox")).to_be_hidden()
    assert Inspection.objects.get().note == "校门口井盖缺失"
    rescue_row = Incident.objects.get()
    assert (rescue_row.kind, rescue_row.people_helped) == ("rescue", 1)
    assert rescue_row.occurred_at < rescue_row.recorded_at  # when it happened, not when it arrived
