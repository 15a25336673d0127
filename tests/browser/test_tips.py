"""Someone reports anonymously on a phone; a moderator takes, acknowledges and forwards the tip;
the police liaison records "case solved"; the reporter's tracking page shows it."""

import pytest
from playwright.sync_api import Browser, Page, expect

from conftest import PASSWORD, PHONES
from tests.browser.conftest import PHONE
from tests.browser.signing import finish_second_step
from yixun.places.models import Area, PoliceStation
from yixun.tips.models import Tip


@pytest.fixture
def town(police) -> Area:
    station = PoliceStation.objects.create(name="城关派出所")
    station.liaisons.add(police)
    return Area.objects.create(name="城关镇", level="town", station=station)


def sign_in(browser: Browser, base: str, who: str) -> Page:
    page = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai").new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=phone]", PHONES[who])
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    finish_second_step(page, PHONES[who])  # moderators and the police give a code as well
    return page


def test_report_triage_forward_solve_and_track(
    page: Page, browser: Browser, live_server, town, moderator, police
) -> None:
    page.goto(f"{live_server.url}/tips/new/")
    form = page.get_by_test_id("report-form")
    form.locator("select[name=category]").select_option("crime")
    form.locator("textarea[name=text]").fill("城关镇农贸市场后门有人撬电动车，两个人，一个穿黑衣服")
    form.locator("input[name=place]").fill("农贸市场后门")
    page.get_by_test_id("send-tip").click()
    code = page.get_by_test_id("code").inner_text().strip()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    tip = Tip.objects.get(code=code)
    assert not tip.has_contact  # anonymous by default

    moderator_page = sign_in(browser, live_server.url, "moderator")
    moderator_page.goto(f"{live_server.url}/tips/queue/")
    # The desk's table or the phone's card, whichever this screen shows.
    moderator_page.locator(f"a[href='/tips/{tip.pk}/']").locator("visible=true").first.click()
    moderator_page.get_by_test_id("take").click()
    moderator_page.get_by_test_id("acknowledge").click()
    forward = moderator_page.get_by_test_id("forward-form")
    forward.locator("select[name=area]").select_option(str(town.pk))
    forward.locator("textarea[name=summary]").fill("农贸市场后门有人盗窃电动车，二人，一人着黑衣")
    forward.get_by_role("button").click()
    expect(moderator_page.get_by_test_id("status")).to_contain_text("已转交")

    police_page = sign_in(browser, live_server.url, "police")
    police_page.goto(f"{live_server.url}/tips/police/")
    police_page.get_by_test_id("police-tips").locator("a").first.click()
    police_page.get_by_test_id("accept").click()
    outcome = police_page.get_by_test_id("outcome-form")
    outcome.locator("select[name=outcome]").select_option("case_solved")
    outcome.locator("textarea[name=public_answer]").fill("嫌疑人已被抓获，谢谢您的线索。")
    outcome.get_by_role("button").click()

    page.goto(f"{live_server.url}/tips/t/{code}/")
    expect(page.get_by_test_id("outcome")).to_contain_text("破案")
    expect(page.get_by_test_id("public-answer")).to_contain_text("嫌疑人已被抓获")
    assert "农贸市场后门有人盗窃" not in page.content()  # the police's summary stays internal
