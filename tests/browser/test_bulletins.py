"""Bulletins from the writer's desk to everyone's open pages: a liaison writes a police alert,
an officer approves it and sees it arrive in their inbox without a reload, and a volunteer on a
phone sees the unread count change; an urgent alert a liaison sends at once is a banner on the
volunteer's open page within seconds."""

import subprocess
import sys
from collections.abc import Iterator

import pytest
from django.conf import settings
from playwright.sync_api import Browser, expect

from tests.browser.shots import shot
from tests.browser.test_live import open_as
from yixun.bulletins.models import Bulletin
from yixun.live.tests.push import PushServer
from yixun.worker.models import Worker
from yixun.worker.tests.processes import wait_for

pytestmark = pytest.mark.django_db(transaction=True)
DESK = {"width": 1366, "height": 900}


@pytest.fixture
def worker(server: PushServer) -> Iterator[None]:
    """The task worker of the same install as the push process: the fan-out runs in it. The
    test waits until it has started (its first heartbeat): a worker still importing Django
    when the alert goes out would count against the banner's five seconds."""
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--interval", "0.2"],
        cwd=settings.BASE_DIR,
        env=server.env,
    )
    wait_for("the worker", lambda: Worker.objects.filter(pid=process.pid).exists())
    yield
    process.terminate()
    process.wait(timeout=10)


def test_a_police_alert_goes_from_the_liaison_to_everyones_open_pages(
    browser: Browser, server: PushServer, worker: None, police, officer, volunteer
) -> None:
    phone, _ = open_as(browser, server.url, volunteer, "/")
    inbox, _ = open_as(browser, server.url, officer, "/inbox/", viewport=DESK)
    for page in (phone, inbox):
        page.wait_for_function("window.yixunLive && window.yixunLive.connected")
    expect(phone.get_by_test_id("unread")).to_have_count(0)

    desk, _ = open_as(browser, server.url, police, "/bulletins/write/", viewport=DESK)
    desk.get_by_label("警情通报").check()
    desk.get_by_label("标题").fill("近期夜间盗窃电动车警情")
    desk.get_by_label("内容").fill("城关镇近期发生多起夜间盗窃电动车案件，请锁好车辆。")
    desk.get_by_label("公众（及全体会员）").check()
    shot(desk, "bulletin-write")
    desk.get_by_test_id("save").click()
    desk.get_by_test_id("submit").click()
    expect(desk.get_by_test_id("status")).to_contain_text("待审核")

    review, _ = open_as(browser, server.url, officer, "/bulletins/desk/", viewport=DESK)
    review.get_by_test_id("waiting").get_by_role("link", name="近期夜间盗窃电动车警情").click()
    review.get_by_test_id("approve").click()
    expect(review.locator(".messages")).to_contain_text("批准")

    expect(inbox.get_by_test_id("inbox")).to_contain_text("近期夜间盗窃电动车警情", timeout=5000)
    expect(phone.get_by_test_id("unread")).to_contain_text("1", timeout=5000)
    shot(inbox, "bulletin-inbox-live")
    shot(phone, "bulletin-unread-phone")


def test_an_urgent_alert_is_a_banner_on_an_open_phone_page(
    browser: Browser, server: PushServer, worker: None, police, volunteer
) -> None:
    phone, _ = open_as(browser, server.url, volunteer, "/me/patrols/")
    phone.wait_for_function("window.yixunLive && window.yixunLive.connected")
    desk, _ = open_as(browser, server.url, police, "/bulletins/write/", viewport=DESK)
    desk.get_by_label("紧急协查").check()
    desk.get_by_label("标题").fill("紧急寻人：八旬老人走失")
    desk.get_by_label("内容").fill("身穿蓝色上衣，今早在城关镇菜市场附近走失。")
    desk.get_by_label("公众（及全体会员）").check()
    desk.get_by_test_id("save").click()
    desk.get_by_test_id("send-now").click()
    banner = phone.get_by_test_id("urgent-banner")
    expect(banner).to_contain_text("紧急寻人：八旬老人走失", timeout=5000)
    box = banner.bounding_box()
    assert box is not None and box["width"] >= 300 and box["height"] >= 44
    shot(phone, "bulletin-urgent-banner")
    banner.click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("紧急寻人")
    assert Bulletin.objects.get().sent_unreviewed
