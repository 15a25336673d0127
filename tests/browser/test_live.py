"""Pages that change while they are open: with push (Yixun served over ASGI, as `make run` and
production's /live/ serve it), a new tip appears in a moderator's queue and a check-in on the
police's on-duty list without a reload and without asking every few seconds; without push (a
WSGI server, which answers that it does not push), the queue asks every few seconds, as before."""

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE
from tests.browser.shots import shot
from yixun.live.tests.push import PushServer, session_of
from yixun.patrols.models import Duty
from yixun.patrols.services import duty as duties
from yixun.patrols.tests.conftest import make_shift, put_on
from yixun.places.models import Area, Site
from yixun.shifts.services.claims import release_claim
from yixun.tips.models import Tip
from yixun.tips.services import intake, triage
from yixun.tips.tests.conftest import send

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def school(db: None) -> Site:
    town = Area.objects.create(name="城关镇", level=Area.Level.TOWN)
    return Site.objects.create(
        name="城关一小", kind=Site.Kind.SCHOOL, area=town, latitude=31.0, longitude=114.0
    )


def open_as(browser: Browser, base: str, user, path: str, viewport=PHONE) -> tuple[Page, list[str]]:
    """A page opened by a signed-in person, and the paths it asks for after it has loaded."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=viewport)
    context.add_cookies([{"name": "sessionid", "value": session_of(user), "url": base}])
    page = context.new_page()
    page.goto(f"{base}{path}")
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url.removeprefix(base)))
    return page, asked


def test_a_new_tip_appears_in_the_queue_without_asking(
    browser: Browser, server: PushServer, moderator
) -> None:
    page, asked = open_as(browser, server.url, moderator, "/tips/queue/")
    page.wait_for_function("window.yixunLive && window.yixunLive.connected")
    tip = send(text="学校门口有人持刀，情况紧急")
    expect(page.locator(f"a[href='/tips/{tip.pk}/']").locator("visible=true").first).to_be_visible(
        timeout=5000
    )
    page.wait_for_timeout(6000)  # longer than the old polling interval
    fetched = [path for path in asked if path.startswith("/tips/queue/")]
    assert len(fetched) == 1  # the one fetch the change caused; nothing asked on a timer
    assert page.evaluate("window.yixunLive.polling") is False
    shot(page, "live-queue")


def test_a_check_in_appears_on_the_police_on_duty_list(
    browser: Browser, server: PushServer, police, volunteer, school: Site
) -> None:
    claim = put_on(make_shift(school), volunteer)
    page, _asked = open_as(
        browser, server.url, police, "/duty/now/", viewport={"width": 1366, "height": 900}
    )
    page.wait_for_function("window.yixunLive && window.yixunLive.connected")
    on_duty = page.get_by_test_id("on-duty")
    expect(on_duty).not_to_contain_text("张志愿")
    duties.check_in(claim=claim, actor=volunteer, method=Duty.CheckIn.QR, token=school.qr_token)
    expect(on_duty).to_contain_text("张志愿", timeout=5000)
    expect(page.locator(".leaflet-interactive")).to_have_count(1)  # the marker, drawn again
    shot(page, "live-on-duty")


def test_without_push_the_queue_asks_every_few_seconds(
    browser: Browser, live_server, moderator
) -> None:
    page, asked = open_as(browser, live_server.url, moderator, "/tips/queue/")
    page.wait_for_function("window.yixunLive && window.yixunLive.polling")
    tip = send(text="河边有小孩落水，已有人在救")
    expect(page.locator(f"a[href='/tips/{tip.pk}/']").locator("visible=true").first).to_be_visible(
        timeout=12000
    )
    assert page.evaluate("window.yixunLive.connected") is False
    assert any(path.startswith("/tips/queue/") for path in asked)


def test_a_tip_page_shows_who_took_it_and_their_messages_as_it_happens(
    browser: Browser, server: PushServer, moderator, officer
) -> None:
    tip = send(text="菜市场门口有人打架，已经有人受伤")
    page, _asked = open_as(
        browser, server.url, officer, f"/tips/{tip.pk}/", viewport={"width": 1366, "height": 900}
    )
    page.wait_for_function("window.yixunLive && window.yixunLive.connected")
    expect(page.get_by_test_id("holder")).to_have_text("—")
    triage.take(tip=tip, actor=moderator)
    expect(page.get_by_test_id("holder")).to_have_text("李版主", timeout=5000)
    triage.acknowledge(tip=Tip.objects.get(pk=tip.pk), actor=moderator)
    expect(page.get_by_test_id("status")).not_to_contain_text("待受理", timeout=5000)
    expect(page.locator("#tip-clock")).not_to_contain_text("受理时限")  # now the next clock
    shot(page, "live-tip")


def test_a_squad_plan_counts_a_place_released_as_it_happens(
    browser: Browser, server: PushServer, leader, volunteer, squad, school: Site
) -> None:
    shift = make_shift(school, started_minutes_ago=-3 * 24 * 60, squad=squad)  # in three days
    claim = put_on(shift, volunteer)
    page, _asked = open_as(browser, server.url, leader, "/squad-plan/")
    page.wait_for_function("window.yixunLive && window.yixunLive.connected")
    places = page.get_by_test_id("squad-shifts")
    expect(places).to_contain_text("1/4")
    release_claim(claim=claim, actor=volunteer)
    expect(places).to_contain_text("0/4", timeout=5000)
    shot(page, "live-squad-plan")


def test_a_volunteers_home_shows_their_tip_taken_up(
    browser: Browser, server: PushServer, volunteer, moderator
) -> None:
    tip = intake.submit_tip(
        report=intake.Report(
            category="public_order", text="城关镇菜市场门口有人打架，已经有人受伤"
        ),
        address="10.0.0.9",
        reporter=volunteer,
    )
    page, _asked = open_as(browser, server.url, volunteer, "/")
    page.wait_for_function("window.yixunLive && window.yixunLive.connected")
    mine = page.get_by_test_id("my-tips")
    before = mine.inner_text()
    triage.take(tip=tip, actor=moderator)
    triage.acknowledge(tip=Tip.objects.get(pk=tip.pk), actor=moderator)
    expect(mine).not_to_have_text(before, timeout=10000)  # the home waits up to 5 s, at random
    shot(page, "live-home")


def test_a_shift_page_shows_who_is_on_it_as_it_changes(
    browser: Browser, server: PushServer, leader, volunteer, squad, school: Site
) -> None:
    shift = make_shift(school, started_minutes_ago=-3 * 24 * 60, squad=squad)
    claim = put_on(shift, volunteer)
    page, _asked = open_as(browser, server.url, leader, f"/shifts/{shift.pk}/")
    page.wait_for_function("window.yixunLive && window.yixunLive.connected")
    expect(page.get_by_test_id("shift-people")).to_contain_text("张志愿")
    release_claim(claim=claim, actor=volunteer)
    expect(page.get_by_test_id("shift-people")).not_to_contain_text("张志愿", timeout=5000)
    expect(page.get_by_test_id("places")).to_contain_text("0 / 4")
