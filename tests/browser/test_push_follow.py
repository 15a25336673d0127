"""The public follow a town in their phone's browser, without an account: they tick it on the
subscribe page and press "show them in this browser"; the next public bulletin for that town
reaches the browser's push endpoint, encrypted for it alone, with why it came and the link
that stops it.

Chromium's own push service is on the internet, which these machines cannot reach: the page's
`PushManager.subscribe` is replaced by one that returns a subscription to a push service on
127.0.0.1 (test_push.PushService), which decrypts with the browser's keys. Everything else
runs for real: the service worker, the permission, push.js, the server, the fan-out."""

import json

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import PHONE
from tests.browser.shots import shot
from yixun.bulletins import services
from yixun.bulletins.models import Kind, PushSubscription
from yixun.bulletins.tests.test_push import PushService, service, vapid
from yixun.places.models import Area

__all__ = ["service", "vapid"]  # fixtures: the local push endpoint of test_push
pytestmark = pytest.mark.django_db(transaction=True)

# Instead of Chromium's push service: the subscription the test's push endpoint decrypts for.
STUB = """
(() => {
  const subscription = %s;
  let current = null;
  PushManager.prototype.subscribe = function () {
    current = { toJSON: () => subscription, unsubscribe: () => { current = null; return Promise.resolve(true); } };
    return Promise.resolve(current);
  };
  PushManager.prototype.getSubscription = function () { return Promise.resolve(current); };
})();
"""


def test_the_public_follow_a_town_in_the_browser_and_its_alert_arrives(
    browser: Browser, live_server, service: PushService, police, officer
) -> None:
    county = Area.objects.create(name="义安县", level=Area.Level.COUNTY)
    town = Area.objects.create(name="城关镇", level=Area.Level.TOWN, parent=county)
    phone = service.browser("phone")
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport=PHONE, is_mobile=True,
        has_touch=True, permissions=["notifications"],
    )  # fmt: skip
    context.add_init_script(STUB % json.dumps(phone.subscription()))
    page = context.new_page()
    page.goto(f"{live_server.url}/bulletins/subscribe/")

    page.get_by_label("城关镇").check()
    page.get_by_test_id("push-on").click()
    expect(page.locator("[data-push-status]")).not_to_be_empty()
    expect(page.get_by_test_id("push-off")).to_be_visible()
    shot(page, "push-follow")
    stored = PushSubscription.objects.select_related("subscriber").get()
    assert stored.user is None and stored.endpoint == phone.endpoint
    assert list(stored.subscriber.areas.all()) == [town]

    draft = services.save_bulletin(
        actor=police, kind=Kind.ALERT, title="城关镇夜间盗窃电动车", body="请锁好车辆。",
        to_public=True, areas=[town],
    )  # fmt: skip
    services.submit_bulletin(actor=police, bulletin=draft)
    services.approve_bulletin(actor=officer, bulletin=draft)

    [received] = service.to(phone)
    assert received.message["title"].endswith("城关镇夜间盗窃电动车")
    assert received.message["url"].endswith(f"/bulletins/{draft.pk}/")
    assert "城关镇" in received.message["why"]
    assert f"/bulletins/push/stop/{stored.subscriber.token}/" in received.message["stop"]

    page.get_by_test_id("push-off").click()
    expect(page.get_by_test_id("push-off")).to_be_hidden()
    assert not PushSubscription.objects.exists()
    context.close()
