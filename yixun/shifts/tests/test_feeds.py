"""iCalendar feeds: a member's patrols and a squad's, updated in place, behind revocable secrets."""

import datetime as dt
import re
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from yixun.accounts.models import User
from yixun.audit.models import AuditEntry
from yixun.members.services import roster
from yixun.places.models import Area, Site
from yixun.shifts.models import CalendarFeed, ClaimRules, Shift
from yixun.shifts.services import claims, feeds, planning
from yixun.shifts.services.errors import NotAllowed


@pytest.fixture(autouse=True)
def newcomers_may_claim(db: None) -> None:
    """Let the cast claim shifts on their own (the newcomer rule is tested with the claims)."""
    rules = ClaimRules.current()
    rules.newcomer_patrols = 0
    rules.save()


@pytest.fixture
def school(db: None) -> Site:
    town = Area.objects.create(name="城关镇", level="town")
    return Site.objects.create(
        name="城关一中",
        kind="school",
        area=town,
        latitude=Decimal("30.612345"),
        longitude=Decimal("114.301234"),
        watch_from=dt.time(7),
        watch_until=dt.time(18),
    )


def in_days(days: int, hour: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def patrol(officer: User, site: Site, days: int, hour: int = 9, notes: str = "") -> Shift:
    return planning.create_shift(
        actor=officer,
        kind="school_gate",
        starts_at=in_days(days, hour),
        ends_at=in_days(days, hour + 2),
        site=site,
        min_people=1,
        capacity=4,
        notes=notes,
    )


def take(shift: Shift, user: User) -> Any:
    return claims.claim_shift(shift=shift, member=user.membership, actor=user)


def subscribe(client: Client) -> str:
    """Ask for a calendar address on "my patrols"; return its path as the page shows it."""
    response = client.post("/me/patrols/feed/")
    assert response.status_code == 302
    page = client.get("/me/patrols/").content.decode()
    match = re.search(r'data-testid="feed-url">([^<]+)<', page)
    assert match, page
    return urlsplit(match.group(1)).path


def events(response: Any) -> dict[str, Any]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def uid(shift: Shift) -> str:
    return f"{shift.uid}@yixun"


def test_a_members_feed_lists_the_patrols_they_hold(
    login, public, officer, volunteer, volunteer2, school
) -> None:
    mine = patrol(officer, school, 2, notes="带好反光背心")
    also_mine = patrol(officer, school, 3, hour=20)
    theirs = patrol(officer, school, 4)
    nobodys = patrol(officer, school, 5)
    take(mine, volunteer)
    take(also_mine, volunteer)
    take(theirs, volunteer2)

    path = subscribe(login(volunteer))
    found = events(public.get(path))  # a phone's calendar fetches it without signing in

    assert set(found) == {uid(mine), uid(also_mine)}
    assert uid(theirs) not in found and uid(nobodys) not in found
    for shift in (mine, also_mine):
        event = found[uid(shift)]
        assert event.decoded("DTSTART") == shift.starts_at
        assert event.decoded("DTEND") == shift.ends_at
        assert int(event["SEQUENCE"]) == shift.sequence
    assert found[uid(mine)].decoded("DTSTART") == in_days(2, 9)  # the same instant, any zone
    assert str(found[uid(mine)]["DESCRIPTION"]) == "带好反光背心"
    latitude, longitude = (float(x) for x in found[uid(mine)].decoded("GEO"))
    assert (latitude, longitude) == pytest.approx((30.612345, 114.301234))
    assert AuditEntry.objects.filter(action="shifts.calendar_feed.created").count() == 1


def test_a_moved_shift_keeps_its_uid_with_a_higher_sequence(
    login, public, officer, volunteer, school
) -> None:
    shift = patrol(officer, school, 2)
    take(shift, volunteer)
    path = subscribe(login(volunteer))
    before = events(public.get(path))[uid(shift)]

    planning.update_shift(
        shift=shift, actor=officer, starts_at=in_days(3, 14), ends_at=in_days(3, 16)
    )

    after = events(public.get(path))
    assert list(after) == [uid(shift)]
    moved = after[uid(shift)]
    assert int(moved["SEQUENCE"]) > int(before["SEQUENCE"])
    assert moved.decoded("DTSTART") == in_days(3, 14)
    assert moved.decoded("DTEND") == in_days(3, 16)


def test_a_cancelled_shift_and_a_released_place_leave_the_feed(
    login, public, officer, volunteer, school
) -> None:
    kept = patrol(officer, school, 2)
    cancelled = patrol(officer, school, 3)
    released = patrol(officer, school, 4)
    take(kept, volunteer)
    take(cancelled, volunteer)
    claim = take(released, volunteer)
    path = subscribe(login(volunteer))
    assert set(events(public.get(path))) == {uid(kept), uid(cancelled), uid(released)}

    planning.cancel_shift(shift=cancelled, actor=officer, reason="暴雨预警")
    claims.release_claim(claim=claim, actor=volunteer, reason="家里有事")

    assert set(events(public.get(path))) == {uid(kept)}


def test_renewing_the_address_retires_the_old_one(
    login, public, volunteer, officer, school
) -> None:
    take(patrol(officer, school, 2), volunteer)
    client = login(volunteer)
    old = subscribe(client)
    assert subscribe(client) == old  # asking again gives the same address

    response = client.post("/me/patrols/feed/", {"renew": "1"})
    assert response.status_code == 302
    new = subscribe(client)

    assert new != old
    assert public.get(old).status_code == 404
    assert len(events(public.get(new))) == 1
    assert CalendarFeed.objects.filter(member=volunteer.membership, revoked_at=None).count() == 1
    assert AuditEntry.objects.filter(action="shifts.calendar_feed.revoked").count() == 1


def test_a_squad_feed_lists_the_patrols_of_the_squads_members(
    login, public, officer, leader, volunteer, volunteer2, other_volunteer, squad, school
) -> None:
    first = patrol(officer, school, 2)
    second = patrol(officer, school, 3)
    outsiders = patrol(officer, school, 4)
    take(first, volunteer)
    take(first, volunteer2)
    take(second, leader)
    take(outsiders, other_volunteer)

    response = login(leader).post("/squad-plan/feed/", {"squad": squad.pk})
    assert response.status_code == 302
    feed = CalendarFeed.objects.get(squad=squad, revoked_at=None)
    found = events(public.get(urlsplit(feed.url()).path))

    assert set(found) == {uid(first), uid(second)}  # once each, however many members are on it


def test_a_feed_is_its_owners_own(
    login, public, leader, volunteer, volunteer2, other_volunteer, police, squad, other_squad
) -> None:
    with pytest.raises(NotAllowed):
        feeds.feed_for(member=volunteer.membership, actor=volunteer2)
    with pytest.raises(NotAllowed):
        feeds.feed_for(member=volunteer.membership, actor=leader)
    with pytest.raises(NotAllowed):
        feeds.feed_for(squad=other_squad, actor=leader)
    with pytest.raises(NotAllowed):
        feeds.feed_for(squad=squad, actor=volunteer)

    # The pages: a leader names another squad, a member asks for their squad's, the police for
    # their own patrols (they have none), the public for anything.
    assert login(leader).post("/squad-plan/feed/", {"squad": other_squad.pk}).status_code == 404
    assert login(volunteer).post("/squad-plan/feed/", {"squad": squad.pk}).status_code == 404
    assert login(police).post("/me/patrols/feed/").status_code == 404
    assert public.post("/me/patrols/feed/").status_code == 302
    assert public.post("/squad-plan/feed/", {"squad": squad.pk}).status_code == 302
    assert not CalendarFeed.objects.exists()


def test_an_unknown_or_revoked_token_is_not_found(login, public, volunteer) -> None:
    assert public.get("/calendar/feed/not-a-token").status_code == 404
    feed = feeds.feed_for(member=volunteer.membership, actor=volunteer)
    path = urlsplit(feed.url()).path
    assert public.get(path).status_code == 200
    assert public.get(path + ".ics").status_code == 200
    assert public.get(path[:-1]).status_code == 404  # one character short

    feeds.renew_feed(feed=feed, actor=volunteer)

    assert public.get(path).status_code == 404


def test_feed_tokens_are_long_and_unique(volunteer, volunteer2, leader, squad) -> None:
    tokens = [
        feeds.feed_for(member=volunteer.membership, actor=volunteer).token,
        feeds.feed_for(member=volunteer2.membership, actor=volunteer2).token,
        feeds.feed_for(squad=squad, actor=leader).token,
    ]
    assert len(set(tokens)) == 3
    assert all(len(token) >= 20 for token in tokens)


def test_a_squad_feed_lists_the_shifts_it_claimed_before_anyone_is_on_them(
    login, public, officer, leader, squad, school
) -> None:
    reserved = patrol(officer, school, 2)
    claims.reserve_for_squad(shifts=[reserved], squad=squad, actor=leader)
    login(leader).post("/squad-plan/feed/", {"squad": squad.pk})
    feed = CalendarFeed.objects.get(squad=squad, revoked_at=None)
    assert set(events(public.get(urlsplit(feed.url()).path))) == {uid(reserved)}


def test_a_members_feed_stops_when_their_membership_does(
    login, public, officer, volunteer, school
) -> None:
    take(patrol(officer, school, 2), volunteer)
    login(volunteer).post("/me/patrols/feed/")
    path = urlsplit(CalendarFeed.objects.get(member__user=volunteer).url()).path
    assert public.get(path).status_code == 200

    roster.change_status(
        member=volunteer.membership, status="suspended", reason="违反纪律", actor=officer
    )
    assert public.get(path).status_code == 404
