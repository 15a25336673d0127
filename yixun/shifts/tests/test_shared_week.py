"""The week's rows are shared by everyone asking for the same week for a few seconds; a
member's own claims and cards never are."""

import re
import time

import pytest

from yixun.places.models import Area
from yixun.shifts import cards
from yixun.shifts.models import ClaimRules
from yixun.shifts.tests.helpers import at, claim, new_shift


@pytest.fixture(autouse=True)
def no_newcomer_rule(db) -> None:
    rules = ClaimRules.current()
    rules.newcomer_patrols = 0
    rules.save()


def card(page, shift) -> str:
    """The card of this shift on the week's page."""
    html = page.content.decode()
    found = re.search(rf'<li class="shift[^"]*"[^>]*data-shift="{shift.pk}">.*?</li>', html, re.S)
    assert found, f"no card for shift {shift.pk}"
    return found.group(0)


def places(page, shift) -> str:
    found = re.search(r'data-testid="places">([^<]*)<', card(page, shift))
    assert found
    return found.group(1)


@pytest.fixture
def week(officer, squad, other_squad) -> dict:
    town = Area.objects.create(name="城关镇", level="town")
    for each in (squad, other_squad):
        each.area = town
        each.save(update_fields=["area"])
    shift = new_shift(officer, town, starts_at=at(1, 9))
    return {"shift": shift, "url": f"/calendar/?start={at(1, 9).date().isoformat()}"}


def test_my_own_claim_shows_at_once_and_others_within_seconds(
    login, week, volunteer, volunteer2, other_volunteer, monkeypatch
) -> None:
    monkeypatch.setattr(cards, "SHARED_SECONDS", 1)
    shift, url = week["shift"], week["url"]
    me, neighbour = login(volunteer), login(other_volunteer)
    assert places(me.get(url), shift) == "0/4"
    assert places(neighbour.get(url), shift) == "0/4"

    claim(shift, volunteer2)
    me.post(f"/shifts/{shift.pk}/claim/", {"next": url})
    mine = me.get(url)
    assert " mine" in card(mine, shift)  # my claim, at once
    assert places(mine, shift) == "2/4"  # and my card as the shift is now

    time.sleep(1.1)  # the shared rows are read again once they are a second old
    assert places(neighbour.get(url), shift) == "2/4"
