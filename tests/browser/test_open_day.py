"""A police open day, on phones: someone of the public finds it on the home page, registers with
a code sent to their mobile, and gets their ticket; a volunteer keeping the door opens the
ticket's link (as scanning its QR code does) and lets them in; the public figures then count
the person reached."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from tests.browser.shots import shot
from tests.browser.signing import latest_code
from tests.browser.test_live import open_as
from yixun.events.models import Event, Registration
from yixun.events.services import manage

pytestmark = pytest.mark.django_db(transaction=True)
NUMBER = "13712345678"


@pytest.fixture
def open_day(officer, volunteer) -> Event:
    # Within the two hours before the start, when the door opens.
    starts = timezone.now() + dt.timedelta(minutes=45)
    return manage.save_event(
        actor=officer,
        kind=Event.Kind.OPEN_DAY,
        title="城关派出所警营开放日",
        description="参观指挥中心、警用装备展示，民警讲解防诈骗知识。",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
        place_name="城关派出所",
        address="解放路 12 号",
        latitude=31.0,
        longitude=114.0,
        capacity=30,
        audience=Event.Audience.PUBLIC,
        staff=[volunteer],
    )


def test_the_public_register_for_the_open_day_and_are_let_in_at_the_door(
    page: Page, browser: Browser, live_server, open_day: Event, volunteer
) -> None:
    page.goto(live_server.url + "/")
    events = page.get_by_test_id("events")
    expect(events).to_contain_text(open_day.title)
    shot(page, "open-day-1-home")
    events.get_by_role("link", name=open_day.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(open_day.title)

    form = page.get_by_test_id("public-register")
    form.locator("input[name=name]").fill("王芳")
    form.locator("input[name=phone]").fill(NUMBER)
    shot(page, "open-day-2-register")
    page.get_by_test_id("send-code").click()
    code_form = page.get_by_test_id("code-form")
    expect(code_form).to_be_visible()
    code_form.locator("input[name=code]").fill(latest_code(NUMBER))
    page.get_by_test_id("confirm-code").click()

    expect(page.get_by_test_id("ticket-qr").locator("svg")).to_be_visible()
    ticket = Registration.objects.get(event=open_day)
    expect(page.get_by_test_id("ticket-code")).to_have_text(ticket.code)
    assert page.url.endswith(ticket.get_absolute_url())
    shot(page, "open-day-3-ticket")
    # The QR code holds the ticket's own address, as the person will reach it.
    assert re.search(rf"/events/tickets/{re.escape(ticket.token)}/$", page.url)

    door, _asked = open_as(browser, live_server.url, volunteer, ticket.get_absolute_url())
    expect(door.get_by_test_id("staff-view")).to_contain_text("王芳")
    shot(door, "open-day-4-door")
    door.get_by_test_id("let-in").click()
    expect(door.get_by_test_id("already-in")).to_be_visible()
    door.close()

    page.reload()
    expect(page.get_by_test_id("checked-in")).to_be_visible()

    page.goto(live_server.url + "/our-work/")
    this_year = str(timezone.localdate().year)
    table = page.get_by_test_id("by-year")
    expect(
        table.locator(f"tr[data-year='{this_year}'] td[data-figure=people_reached]")
    ).to_have_text("1")
    shot(page, "open-day-5-figures")
