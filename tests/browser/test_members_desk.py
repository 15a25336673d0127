"""The members list and the applications queue: a sortable table on a desk, cards on a phone;
checkbox groups on the join form and 我的会籍 with the question above whole options."""

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from conftest import PASSWORD, PHONES
from tests.browser.signing import finish_second_step
from yixun.accounts import services as accounts
from yixun.accounts.roles import Role
from yixun.members.models import Member, Squad
from yixun.members.services import rulebook

SHOTS = Path("/tmp/shots/members")  # noqa: S108 - screenshots to look at, nothing secret
WIDTHS = {"phone": 360, "desk": 1366}


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, url: str, who: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=phone]", PHONES[who])
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    if who in ("officer", "moderator", "police"):
        finish_second_step(page, PHONES[who])


@pytest.fixture
def roster(squad: Squad, other_squad: Squad) -> None:
    for i in range(12):
        user = accounts.create_user(
            phone=f"+86137{i:08d}", name=f"队员{i:02d}", password=PASSWORD, actor=None,
            roles=[Role.VOLUNTEER],
        )  # fmt: skip
        Member.objects.create(user=user, squad=squad if i % 2 else other_squad, kind="core")


@pytest.mark.parametrize("size", list(WIDTHS))
def test_the_members_list_is_a_table_on_a_desk_and_cards_on_a_phone(
    browser: Browser, live_server, officer, roster, size
) -> None:
    width = WIDTHS[size]
    context = browser.new_context(
        viewport={"width": width, "height": 900}, locale="zh-CN", is_mobile=size == "phone",
        has_touch=size == "phone",
    )  # fmt: skip
    page = context.new_page()
    sign_in(page, live_server.url, "officer")
    page.goto(f"{live_server.url}/members/")
    table = page.get_by_test_id("members-table")
    expect(table).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    rows = page.locator("[data-member]")
    first = rows.first.bounding_box()
    if size == "desk":
        expect(page.locator("table.roster thead")).to_be_visible()
        assert first["width"] > 900  # the table uses the width
        name = page.locator("th[aria-sort] a").first
        name.click()
        expect(page.locator("th[aria-sort=descending]")).to_have_count(1)
        assert "sort=-name" in page.url
    else:
        assert first["height"] > 60  # a card of its own lines, not a table row
        box = rows.first.locator("input[type=checkbox]").bounding_box()
        assert box["width"] >= 24
        tap = rows.first.locator("label.tap").bounding_box()
        assert tap["width"] >= 44 and tap["height"] >= 44
    shoot(page, f"members-{size}")
    # Two ticked, moved in one go, each said.
    rows.nth(0).locator("input[type=checkbox]").check()
    rows.nth(1).locator("input[type=checkbox]").check()
    page.locator("#id_bulk_squad").select_option(label="河口二分队")
    page.get_by_test_id("bulk-members").get_by_role("button").click()
    expect(page.locator(".messages li")).to_have_count(2)
    shoot(page, f"members-moved-{size}")
    context.close()


def checkbox_group_is_tidy(page: Page, name: str) -> None:
    group = page.get_by_test_id(f"choices-{name}")
    legend = group.locator("legend").bounding_box()
    labels = group.locator("label")
    assert labels.count() >= 4
    first = labels.first.bounding_box()
    assert legend["y"] + legend["height"] <= first["y"] + 1  # the question above the options
    for i in range(labels.count()):
        label = labels.nth(i)
        box = label.bounding_box()
        assert box["height"] >= 44, label.inner_text()
        assert box["height"] < 60, label.inner_text()  # one line: never broken inside
        tick = label.locator("input").bounding_box()
        assert tick["width"] >= 24 and tick["height"] >= 24


@pytest.mark.parametrize("size", list(WIDTHS))
def test_checkbox_groups_put_the_question_above_whole_options(
    browser: Browser, live_server, officer, volunteer, size
) -> None:
    document = rulebook.create_document(kind="membership_notice", title="入会须知", actor=officer)
    version = rulebook.publish_version(
        document=document, body="服从安排。", change_note="", actor=officer
    )
    rulebook.accept_notice(user=volunteer, version=version)
    width = WIDTHS[size]
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/join/")
    for name in ("skills", "availability"):
        checkbox_group_is_tidy(page, name)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.get_by_test_id("choices-availability").scroll_into_view_if_needed()
    shoot(page, f"join-{size}")
    sign_in(page, live_server.url, "volunteer")
    page.goto(f"{live_server.url}/me/membership/")
    for name in ("skills", "availability"):
        checkbox_group_is_tidy(page, name)
    shoot(page, f"membership-{size}")
    context.close()


@pytest.mark.parametrize("size", list(WIDTHS))
def test_the_applications_queue_is_a_table_with_bulk_decisions(
    browser: Browser, live_server, officer, squad, size
) -> None:
    from yixun.members.tests.test_review import submit

    document = rulebook.create_document(kind="membership_notice", title="入会须知", actor=officer)
    version = rulebook.publish_version(
        document=document, body="服从安排。", change_note="", actor=officer
    )
    made = [submit(version, i) for i in range(3)]
    width = WIDTHS[size]
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server.url, "officer")
    page.goto(f"{live_server.url}/applications/?sort=-submitted")
    rows = page.locator("[data-application]")
    expect(rows).to_have_count(3)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shoot(page, f"applications-{size}")
    rows.nth(0).locator("input[type=checkbox]").check()
    rows.nth(1).locator("input[type=checkbox]").check()
    page.locator("#id_bulk_squad").select_option(str(squad.pk))
    page.get_by_role("button", name="批准所选").click()
    expect(page.locator(".messages li")).to_have_count(2)
    assert Member.objects.filter(squad=squad, user__phone__in=[a.phone for a in made]).count() == 2
    context.close()
