"""Each role's main pages, on a phone: axe-core finds no serious or critical problem, and every
button, link, field and checkbox is at least 44×44 px. The home pages pass axe on a desk too.
Run by `make a11y`, with the crawl of every page of every role (crawl_accessibility.py)."""

import os
import re
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Browser, Page

from tests.browser.accessibility import axe_problems, sign_in, small_targets
from tests.browser.conftest import PHONE
from yixun.demo import county

DESK = {"width": 1366, "height": 900}
LOGINS = {role.value: number for number, _name, role in county.LOGINS}
ONE_TIP = "one tip"  # the first tip of the moderator's queue, whichever it is

MAIN_PAGES = {
    "public": [
        "home", "tips:report", "members:apply", "accounts:login", "events:list", "public:figures",
        "public:squads", "public:about",
    ],
    "volunteer": [
        "home", "shifts:week", "shifts:mine", "patrols:duty", "patrols:hours", "accounts:account",
    ],
    "squad_leader": ["home", "shifts:squad_plan"],
    "moderator": ["home", "tips:queue", ONE_TIP],
    "police": ["home", "tips:police", "patrols:now"],
    "officer": [
        "home", "members:members", "members:applications", "audit:entries", "stats:figures",
    ],
}  # fmt: skip


@pytest.fixture
def demo_county(transactional_db: None) -> None:
    """The small demo county: every role, shifts, duties, tips and applications, in 3 seconds."""
    call_command("demo", "--size", "small", verbosity=0)


def open_page(page: Page, base: str, path: str) -> list[str]:
    response = page.goto(base + path)
    if response is None or response.status != 200:
        return [f"answered {response.status if response else 'nothing'}"]
    return []


def first_tip(page: Page, base: str) -> str:
    page.goto(base + reverse("tips:queue"))
    paths = page.locator("main a[href]").evaluate_all("links => links.map(a => a.pathname)")
    tips = [path for path in paths if re.fullmatch(r"/tips/\d+/", path)]
    assert tips, "the demo's tip queue shows no tip"
    return tips[0]


def once(lines: list[str]) -> list[str]:
    """The same problem on every row of a list, said once with its count."""
    counts = Counter(re.sub(r' ".*?"', "", line) for line in lines)
    return [line if n == 1 else f"{line} (×{n})" for line, n in counts.items()]


def shoot(page: Page, name: str) -> None:
    """A screenshot for people to look at, when YIXUN_SHOTS names a folder."""
    if folder := os.environ.get("YIXUN_SHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def test_each_roles_main_pages_pass_axe_and_have_big_targets(
    browser: Browser, live_server, demo_county
) -> None:
    problems = []
    for who, names in MAIN_PAGES.items():
        context = browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )  # fmt: skip
        page = context.new_page()
        if who != "public":
            sign_in(page, live_server.url, LOGINS[who], county.DEMO_PASSWORD)
        for name in names:
            path = first_tip(page, live_server.url) if name == ONE_TIP else reverse(name)
            found = open_page(page, live_server.url, path)
            found = found or [*axe_problems(page), *small_targets(page)]
            problems += [f"{who} {path} at 360 px: {line}" for line in once(found)]
            shoot(page, f"{who}-{name.replace(':', '-').replace(' ', '-')}-360")
        # The same person on a desk: staff sign in once, their codes are rationed.
        page.set_viewport_size(DESK)
        found = open_page(page, live_server.url, "/") or axe_problems(page)
        problems += [f"{who} / at 1366 px: {line}" for line in found]
        shoot(page, f"{who}-home-1366")
        context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("template", ["400.html", "500.html", "503.html"])
def test_the_bare_error_pages_say_their_language(template: str) -> None:
    # Screen readers pick their voice by it: without it Chinese is read out as English.
    with translation.override("zh-hans"):
        assert '<html lang="zh-hans">' in render_to_string(template)
    with translation.override("en"):
        assert '<html lang="en">' in render_to_string(template)


def test_the_bare_error_page_passes_axe(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/healthz")  # the page's address, for its stylesheet
    with translation.override("zh-hans"):
        page.set_content(render_to_string("500.html"))
    shoot(page, "public-500-360")
    assert axe_problems(page) == []
    assert small_targets(page) == []
