"""On a 360 px phone: a volunteer signs in with a code sent to their phone, and an officer
gives their password, then the code, asking for another on the way."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD, PHONES
from tests.browser.conftest import PHONE
from tests.browser.signing import latest_code


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where each step's screenshot goes: YIXUN_SCREENSHOTS if set (to look at them), else a
    scratch folder."""
    folder = Path(os.environ.get("YIXUN_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_volunteer_signs_in_with_a_code(page: Page, live_server, volunteer, shots) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next=/calendar/")
    page.screenshot(path=shots / "code-1-login.png", full_page=True)
    page.get_by_test_id("sign-in-by-code").click()
    expect(page.get_by_test_id("code-request-form")).to_be_visible()
    fits(page)
    page.fill("input[name=phone]", "139 0000 0002")
    page.screenshot(path=shots / "code-2-number.png", full_page=True)
    page.get_by_test_id("send-code").click()

    expect(page.get_by_test_id("code-sent")).to_contain_text("139****0002")
    code_input = page.locator("input[name=code]")
    assert code_input.get_attribute("autocomplete") == "one-time-code"
    assert code_input.get_attribute("inputmode") == "numeric"
    fits(page)
    code_input.fill(latest_code(PHONES["volunteer"]))
    page.screenshot(path=shots / "code-3-enter.png", full_page=True)
    page.get_by_test_id("enter-code").click()

    expect(page.get_by_test_id("who")).to_contain_text(volunteer.name)
    assert page.url.endswith("/calendar/")
    page.screenshot(path=shots / "code-4-signed-in.png", full_page=True)


def test_an_officer_gives_the_password_and_then_the_code(
    page: Page, live_server, officer, shots
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=phone]", PHONES["officer"])
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.stack button[type=submit]").click()

    expect(page.get_by_test_id("step-form")).to_be_visible()
    expect(page.get_by_test_id("step-explained")).to_contain_text(officer.masked_phone)
    expect(page.get_by_test_id("who")).to_have_count(0)  # not signed in yet
    fits(page)
    page.screenshot(path=shots / "staff-1-second-step.png", full_page=True)
    first = latest_code(PHONES["officer"])

    page.get_by_test_id("resend-code").click()  # too soon: told how long to wait
    expect(page.locator(".messages")).to_be_visible()
    fits(page)
    page.screenshot(path=shots / "staff-2-resend-too-soon.png", full_page=True)
    assert latest_code(PHONES["officer"]) == first

    page.fill("input[name=code]", "000000" if first != "000000" else "111111")
    page.get_by_test_id("finish-sign-in").click()
    expect(page.locator(".errorlist")).to_be_visible()
    page.screenshot(path=shots / "staff-3-wrong-code.png", full_page=True)

    page.fill("input[name=code]", first)
    page.get_by_test_id("finish-sign-in").click()
    expect(page.get_by_test_id("who")).to_contain_text(officer.name)
    page.screenshot(path=shots / "staff-4-signed-in.png", full_page=True)


def test_an_officer_can_cancel_the_second_step(page: Page, live_server, officer) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=phone]", PHONES["officer"])
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    page.get_by_test_id("cancel-sign-in").click()
    expect(page.locator("input[name=password]")).to_be_visible()
    page.goto(f"{live_server.url}/accounts/login/second-step/")
    expect(page.get_by_test_id("step-form")).to_have_count(0)
    expect(page.locator("input[name=password]")).to_be_visible()  # back at the first step
