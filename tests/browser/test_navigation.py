"""Each role signs in on a phone and sees its own navigation, in Chinese and in English."""

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD, PHONES
from tests.browser.signing import finish_second_step

# In the menu's order: grouped by what people do (patrols, tips, squads and area, administration).
PATROLLER = ["home", "calendar", "mine", "duty", "hours"]
MEMBER_END = ["squad", "members", "rules", "inbox", "account", "logout"]
NAVIGATION = {
    "volunteer": [*PATROLLER, "report", "bulletins", "events", *MEMBER_END],
    "leader": [*PATROLLER, "squad_plan", "report", "bulletins", "events", "now", "figures", *MEMBER_END],
    "moderator": [*PATROLLER, "report", "tips", "bulletins", "events", "bulletin_desk", *MEMBER_END],
    "police": [
        "home", "report", "police_tips", "bulletins", "events", "bulletin_desk", "now", "coverage", "police",
        "figures", "rules", "inbox", "account", "logout",
    ],
    "officer": [
        *PATROLLER, "report", "tips", "bulletins", "events", "bulletin_desk", "now", "coverage", "figures",
        "squad", "members", "planning", "applications", "insurance", "partners", "public_site",
        "people", "audit",
        "rules", "inbox", "account", "logout",
    ],
}  # fmt: skip
# The phone's bottom bar: four destinations for the person's work first, then "more".
DOCK = {
    "volunteer": ["home", "calendar", "mine", "duty"],
    "leader": ["home", "calendar", "mine", "duty"],
    "moderator": ["home", "calendar", "mine", "tips"],
    "police": ["home", "police_tips", "now", "coverage"],
    "officer": ["home", "calendar", "tips", "applications"],
}
ROLE_BADGE = {
    "volunteer": ("志愿者", "Volunteer"),
    "leader": ("分队长", "Squad leader"),
    "moderator": ("版主", "Moderator"),
    "police": ("联络民警", "Police liaison"),
    "officer": ("协会干事", "Association officer"),
}
SIGN_OUT = ("退出", "Sign out")


def nav_keys(page: Page) -> list[str]:
    return page.locator("[data-testid=nav] [data-nav]").evaluate_all(
        "items => items.map(i => i.dataset.nav)"
    )


def dock_keys(page: Page) -> list[str]:
    return page.locator("[data-testid=dock] [data-nav]").evaluate_all(
        "items => items.map(i => i.dataset.nav)"
    )


def test_the_public_sees_sign_in(page: Page, live_server) -> None:
    page.goto(live_server.url)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert nav_keys(page) == [
        "home", "join", "about", "report", "bulletins", "events", "our_work", "rules", "login"
    ]  # fmt: skip
    # Six do not fit: what the public comes for (tips, bulletins, signing in), then "more".
    assert dock_keys(page) == ["home", "report", "bulletins", "login"]
    expect(page.get_by_test_id("more")).to_have_count(1)
    page.get_by_test_id("language-en").click()
    expect(page.get_by_test_id("dock").locator("[data-nav=login]")).to_have_text("Sign in")


@pytest.mark.parametrize("who", list(NAVIGATION))
def test_each_role_sees_its_own_navigation(page: Page, live_server, request, who: str) -> None:
    request.getfixturevalue(who)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=phone]", PHONES[who])
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    if who in ("officer", "moderator", "police"):  # staff give the code sent to them as well
        finish_second_step(page, PHONES[who])
    expect(page.get_by_test_id("who")).to_contain_text(ROLE_BADGE[who][0])
    assert nav_keys(page) == NAVIGATION[who]
    assert dock_keys(page) == DOCK[who]
    expect(page.locator("[data-nav=logout]")).to_have_text(SIGN_OUT[0])
    # Nothing is wider than the phone: no sideways scrolling of the page itself.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_test_id("language-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("who")).to_contain_text(ROLE_BADGE[who][1])
    assert nav_keys(page) == NAVIGATION[who]
    expect(page.locator("[data-nav=logout]")).to_have_text(SIGN_OUT[1])
    page.goto(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")  # the choice is remembered
