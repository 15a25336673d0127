"""A volunteer on a phone claims a shift, finds it in "my patrols", releases it, and the
next person on the waiting list gets the place."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import PASSWORD, PHONES
from yixun.members.models import Member
from yixun.places.models import Area
from yixun.shifts.models import Claim, ClaimRules, WaitlistEntry
from yixun.shifts.services import claims, planning


@pytest.fixture
def shift(officer, squad):
    rules = ClaimRules.current()
    rules.newcomer_patrols = 0
    rules.save()
    town = Area.objects.create(name="城关镇", level=Area.Level.TOWN)
    squad.area = town
    squad.save()
    day = timezone.localdate() + dt.timedelta(days=2)
    return planning.create_shift(
        actor=officer,
        kind="patrol",
        starts_at=timezone.make_aware(dt.datetime.combine(day, dt.time(19, 0))),
        ends_at=timezone.make_aware(dt.datetime.combine(day, dt.time(21, 0))),
        area=town,
        min_people=1,
        capacity=1,
    )


def test_claim_release_and_the_waiting_list_moves_up(
    page: Page, live_server, shift, volunteer, volunteer2, outbox
) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next=/calendar/")
    page.fill("input[name=phone]", PHONES["volunteer"])
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url("**/calendar/")
    page.wait_for_load_state()  # htmx is running: a click before it would post the whole page

    card = page.locator(f"[data-shift='{shift.pk}']")
    expect(card).to_be_visible()
    card.get_by_test_id("claim").click()
    expect(card.get_by_test_id("claimed")).to_be_visible()  # swapped in place, no reload
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # Meanwhile someone else wants it too, and waits.
    waiting = claims.claim_shift(
        shift=shift, member=Member.objects.get(user=volunteer2), actor=volunteer2
    )
    assert isinstance(waiting, WaitlistEntry)

    page.get_by_role("navigation").locator("[data-nav=mine]").click()
    mine = page.get_by_test_id("my-upcoming")
    expect(mine.locator(f"[data-shift='{shift.pk}']")).to_be_visible()
    mine.locator(f"[data-shift='{shift.pk}']").get_by_test_id("release").click()
    expect(page.get_by_test_id("my-upcoming").locator(f"[data-shift='{shift.pk}']")).to_have_count(
        0
    )

    promoted = Claim.objects.active().get(shift=shift)
    assert promoted.member.user == volunteer2
    assert promoted.source == Claim.Source.WAITLIST
    assert any(message.to == volunteer2.phone for message in outbox)
