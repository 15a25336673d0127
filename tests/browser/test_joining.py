"""A person applies on a phone in Chinese, an officer approves, the new member sets a password,
signs in, and accepts the membership notice that changed in the meantime."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from conftest import PASSWORD, PHONES
from tests.browser.signing import finish_second_step
from yixun.accounts.models import User
from yixun.lib import resident_id
from yixun.members.models import Application, Member, NoticeAcceptance
from yixun.members.services import rulebook

APPLICANT_PHONE = "13712345678"


def id_number(birth: str) -> str:
    first17 = f"420923{birth}123"
    return first17 + resident_id.check_character(first17)


@pytest.fixture
def notice(officer):
    document = rulebook.create_document(kind="membership_notice", title="入会须知", actor=officer)
    return rulebook.publish_version(
        document=document, body="# 入会须知\n\n- 年满 16 周岁", change_note="", actor=officer
    )


def test_apply_approve_sign_in_and_accept(
    page: Page, browser: Browser, live_server, officer, squad, notice, outbox
) -> None:
    # The applicant, on a phone, in Chinese.
    page.goto(f"{live_server.url}/join/")
    expect(page.locator("main > h1")).to_have_text("加入网友义务巡逻")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.fill("input[name=id_number]", id_number("20120101"))
    expect(page.get_by_test_id("id-problem")).to_be_visible()  # told at once: too young
    page.fill("input[name=id_number]", id_number("19900315"))
    expect(page.get_by_test_id("id-problem")).to_have_count(0)
    page.fill("input[name=name]", "林晓")
    page.fill("input[name=phone]", APPLICANT_PHONE)
    page.select_option("select[name=occupation]", "teacher")
    page.check("input[name=skills][value=first_aid]")
    page.check("input[name=availability][value=weekend_evening]")
    page.fill("input[name=emergency_name]", "林父")
    page.fill("input[name=emergency_phone]", "13712345679")
    page.check("input[name=accept_notice]")
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_test_id("status-link")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    application = Application.objects.get(phone="+86" + APPLICANT_PHONE)
    assert application.status == Application.Status.PENDING

    # The officer approves, into the squad.
    desk = browser.new_context(locale="zh-CN").new_page()
    desk.goto(f"{live_server.url}/accounts/login/")
    desk.fill("input[name=phone]", PHONES["officer"])
    desk.fill("input[name=password]", PASSWORD)
    desk.locator("form.stack button[type=submit]").click()
    finish_second_step(desk, PHONES["officer"])  # officers also give the code sent to them
    desk.goto(f"{live_server.url}/applications/")
    desk.locator(f"[data-application='{application.pk}'] a").click()
    desk.select_option("select[name=squad]", str(squad.pk))
    desk.get_by_test_id("approve").click()
    expect(desk.locator(".messages")).to_be_visible()
    member = Member.objects.get(user__phone="+86" + APPLICANT_PHONE)
    assert member.squad == squad

    # Meanwhile the association changes its notice.
    rulebook.publish_version(
        document=notice.document,
        body=notice.body + "\n- 夜巡须参保",
        change_note="夜巡须参保",
        actor=officer,
    )

    # The new member follows the link in their welcome message and chooses a password.
    welcome = next(
        m
        for m in outbox
        if m.to == "+86" + APPLICANT_PHONE and "/accounts/password-reset/" in m.body
    )
    path = re.search(r"(/accounts/password-reset/\S+/)", welcome.body).group(1)
    page.goto(live_server.url + path)
    page.fill("input[name=new_password1]", "Lin-patrol-2026")
    page.fill("input[name=new_password2]", "Lin-patrol-2026")
    page.locator("form.stack button[type=submit]").click()

    # They sign in and are asked to accept the new notice before anything else.
    page.fill("input[name=phone]", APPLICANT_PHONE)
    page.fill("input[name=password]", "Lin-patrol-2026")
    page.locator("form.stack button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/notice/"))
    page.get_by_test_id("accept-notice").check()
    page.get_by_role("button", name="接受并继续").click()
    expect(page.locator("main > h1")).to_contain_text("林晓")
    user = User.objects.get(phone="+86" + APPLICANT_PHONE)
    assert NoticeAcceptance.objects.filter(user=user, version__number=2).exists()
