"""Each role's home and navigation on a phone (360 px) and a desk (1366 px): the day's sections
with their counts, and every item of the menu reachable and on screen."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD, PHONES
from tests.browser.signing import finish_second_step
from yixun.tests.home_world import build_day

SHOTS = Path("/tmp/shots/home")  # noqa: S108 - screenshots to look at, nothing secret
SECTIONS = {
    "volunteer": ["volunteer"],
    "leader": ["volunteer", "leader"],
    "moderator": ["moderator"],
    "police": ["police"],
    "officer": ["officer"],
}
COUNTS = {  # a count on each home, as the page shows it
    "volunteer": ("hours-month", "1.5"),
    "leader": ("logs-count", "1"),
    "moderator": ("tips-overdue", "1"),
    "police": ("forwarded-count", "1"),
    "officer": ("applications-count", "1"),
}
WIDTHS = {"phone": {"width": 360, "height": 740}, "desk": {"width": 1366, "height": 768}}


@pytest.fixture
def day(squad, leader, volunteer, volunteer2, moderator, police, officer) -> dict:
    return build_day(
        squad=squad,
        leader=leader,
        volunteer=volunteer,
        volunteer2=volunteer2,
        moderator=moderator,
        police=police,
        officer=officer,
    )


def sign_in(page: Page, base: str, who: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=phone]", PHONES[who])
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    if who in ("officer", "moderator", "police"):
        finish_second_step(page, PHONES[who])


def within_viewport(page: Page, selector: str) -> None:
    width = page.viewport_size["width"]
    for box in page.locator(selector).evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect(); return [e.dataset.nav, r.left, r.right, r.width] })"
    ):
        key, left, right, shown = box
        assert shown > 0, f"{key} is not shown"
        assert left >= 0 and right <= width + 0.5, (
            f"{key} sits off-screen: {left}–{right} of {width}"
        )


def every_item_reachable(page: Page, size: str) -> None:
    """Open each place an item may sit (the phone's "more", each group) and find every item of
    the menu visible and within the screen."""
    keys = page.locator("[data-testid=nav] [data-nav]").evaluate_all(
        "els => els.map(e => e.dataset.nav)"
    )
    assert "account" in keys and "logout" in keys
    if size == "phone":
        dock = page.get_by_test_id("dock")
        assert dock.locator("a").count() <= 5
        within_viewport(page, "[data-testid=dock] a")
        page.get_by_test_id("more").click()
        expect(page.get_by_test_id("nav")).to_be_visible()
        within_viewport(page, "[data-testid=nav] [data-nav]")
    else:
        expect(page.get_by_test_id("dock")).to_be_hidden()
        for key in ("account", "logout", "home"):
            within_viewport(page, f"[data-testid=nav] [data-nav={key}]")
        groups = page.locator("[data-testid=nav] details")
        for index in range(groups.count()):
            group = groups.nth(index)
            group.locator("summary").click()
            within_viewport(page, "[data-testid=nav] details[open] [data-nav]")
        page.mouse.click(5, 700)  # a tap elsewhere closes the group
        expect(page.locator("[data-testid=nav] details[open]")).to_have_count(0)


@pytest.mark.parametrize("size", list(WIDTHS))
@pytest.mark.parametrize("who", list(SECTIONS))
def test_each_role_s_home_and_menu(page: Page, live_server, day, who: str, size: str) -> None:
    page.set_viewport_size(WIDTHS[size])
    sign_in(page, live_server.url, who)
    page.goto(live_server.url + "/")
    shown = page.locator("section.day").evaluate_all("els => els.map(e => e.dataset.section)")
    assert shown == SECTIONS[who]
    testid, number = COUNTS[who]
    expect(page.get_by_test_id(testid).locator("b")).to_have_text(number)
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[size]["width"]
    if who == "police":
        expect(page.locator("#duty-map .leaflet-interactive")).to_have_count(1)  # the one on duty
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{who}-{size}.png"), full_page=True)
    every_item_reachable(page, size)
    if size == "phone":
        page.screenshot(path=str(SHOTS / f"{who}-{size}-more.png"))


def test_the_volunteer_checks_in_from_home(page: Page, live_server, day) -> None:
    sign_in(page, live_server.url, "volunteer")
    page.goto(live_server.url + "/")
    page.get_by_test_id("check-in").click()
    expect(page).to_have_url(f"{live_server.url}/duty/")


def test_larger_text_follows_the_account(page: Page, live_server, volunteer) -> None:
    sign_in(page, live_server.url, "volunteer")
    page.goto(live_server.url + "/accounts/me/")
    size = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    page.get_by_test_id("text-size-form").locator("input[value=large]").check()
    page.get_by_test_id("save-text-size").click()
    expect(page.locator("html")).to_have_class("text-large")
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") > size
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(SHOTS / "larger-text-phone.png"), full_page=True)


def test_a_visitor_may_ask_for_larger_text(page: Page, live_server) -> None:
    page.goto(live_server.url + "/")
    page.get_by_test_id("text-size").click()
    expect(page.locator("html")).to_have_class("text-large")
    page.goto(live_server.url + "/rules/")
    expect(page.locator("html")).to_have_class("text-large")
