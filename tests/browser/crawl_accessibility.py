"""The full crawl (`make a11y`): each role signs in to the small demo county and follows every
link it can reach in the app, one page of each kind, and axe-core checks each at 360 px.

Not collected by `make test` (the name does not start with test_): `make a11y` names the file.
Same origin, GET links only; never signing out; /x/123/ and /x/456/ count as one page."""

from collections import deque
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page

from tests.browser.accessibility import axe_problems, pattern, sign_in
from tests.browser.conftest import PHONE
from yixun.demo import county

LOGINS = {role.value: number for number, _name, role in county.LOGINS}
ROLES = ["public", *LOGINS]
# Not pages: files, feeds, the API, and what ends the session.
SKIP = ("/accounts/logout/", "/api/", "/static/", "/media/", "/healthz")


@pytest.fixture
def demo_county(transactional_db: None) -> None:
    call_command("demo", "--size", "small", verbosity=0)


def links(page: Page) -> list[str]:
    """Every in-app link of this page: path and query, without the fragment."""
    return page.locator("a[href]").evaluate_all(
        """links => links
             .filter(a => a.origin === location.origin && !a.hasAttribute('download'))
             .map(a => a.pathname + a.search)"""
    )


def crawl(page: Page, base: str, who: str) -> tuple[list[str], int]:
    """Visit one page of each kind this person can reach; axe's findings on each."""
    problems: list[str] = []
    seen: set[str] = set()
    queue = deque(["/", "/no-such-page/"])  # the not-found page too
    while queue:
        url = queue.popleft()
        path = urlsplit(url).path
        kind = pattern(path)
        if kind in seen or path.startswith(SKIP):
            continue
        seen.add(kind)
        # Ask first: a file (poster, spreadsheet, feed) is not a page to load.
        answer = page.request.get(base + url, max_redirects=0)
        if answer.status in (301, 302, 303):
            queue.append(answer.headers["location"].removeprefix(base))
            continue
        if answer.status >= 500 or (answer.status >= 400 and path != "/no-such-page/"):
            problems.append(f"{who} {url}: answered {answer.status}")
        if not answer.headers.get("content-type", "").startswith("text/html"):
            continue
        page.goto(base + url)
        problems += [f"{who} {url}: {line}" for line in axe_problems(page)]
        queue.extend(links(page))
    return problems, len(seen)


def test_every_page_of_every_role_passes_axe(browser: Browser, live_server, demo_county) -> None:
    problems = []
    for who in ROLES:
        context = browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )  # fmt: skip
        page = context.new_page()
        if who != "public":
            sign_in(page, live_server.url, LOGINS[who], county.DEMO_PASSWORD)
        found, pages = crawl(page, live_server.url, who)
        print(f"{who}: {pages} kinds of page, {len(found)} problems")
        problems += found
        context.close()
    assert not problems, "\n".join(problems)
