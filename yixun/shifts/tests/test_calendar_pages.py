"""The calendar's pages: the week and the month, a shift, claiming and releasing in one tap, my
patrols, the squad's plan, filling and inviting, coverage, the police's patrols and planning."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from yixun.accounts.models import User
from yixun.members.models import Member, Squad
from yixun.places.models import Area, Route, RouteStop, Site
from yixun.shifts.models import (
    Claim,
    ClaimRules,
    Invitation,
    PolicePatrol,
    Shift,
    ShiftKind,
    WaitlistEntry,
)
from yixun.shifts.services import claims, planning
from yixun.shifts.views.calendar import PER_PAGE

SHIFT_CARD = re.compile(r'data-shift="(\d+)"')
# The most queries each page may make, measured with a few hundred shifts (and the same for twice as many).
# The week, once its person (session, user, roles, membership, squads led), the areas and the
# week's rows are in the cache: my claims, my waiting places, the shifts behind my own cards,
# and with only free places asked for, which days are all full.
WEEK_QUERIES = 4
MONTH_QUERIES = 8
COVERAGE_QUERIES = 12


# Helpers.


def at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def member_of(user: User) -> Member:
    return Member.objects.select_related("user", "squad").get(user=user)


def where(place: Area | Site | Route) -> dict:
    if isinstance(place, Site):
        return {"site": place}
    if isinstance(place, Route):
        return {"route": place}
    return {"area": place}


def new_shift(
    officer, place, *, starts_at=None, hours=3, kind=ShiftKind.PATROL, capacity=4, **extra
):
    starts_at = starts_at or at(3, 9)
    return planning.create_shift(
        actor=officer,
        kind=kind,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=hours),
        min_people=extra.pop("min_people", 1),
        capacity=capacity,
        **({} if kind == ShiftKind.MODERATION else where(place)),
        **extra,
    )


def claim(shift: Shift, user: User) -> Claim | WaitlistEntry:
    return claims.claim_shift(
        shift=Shift.objects.get(pk=shift.pk), member=member_of(user), actor=user
    )


def refreshed(shift: Shift) -> Shift:
    return Shift.objects.get(pk=shift.pk)


def shown(response) -> set[int]:
    """The shifts on a calendar page."""
    assert response.status_code == 200
    return {int(pk) for pk in SHIFT_CARD.findall(response.content.decode())}


def block(html: str, testid: str) -> str:
    found = re.search(rf'<(\w+)[^>]*data-testid="{testid}"[^>]*>(.*?)</\1>', html, re.S)
    assert found, f"no element with data-testid={testid}"
    return found.group(2)


def shift_links(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/shifts/(\d+)/"', html)}


def goes_to_login(response) -> bool:
    return response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def messages_to(outbox, user: User) -> list:
    return [message for message in outbox if message.to == user.phone]


@pytest.fixture(autouse=True)
def no_newcomer_rule(db) -> None:
    rules = ClaimRules.current()
    rules.newcomer_patrols = 0
    rules.save()


@pytest.fixture
def county(db) -> Area:
    return Area.objects.create(name="示范县", level="county")


@pytest.fixture
def town(county) -> Area:
    return Area.objects.create(name="城关镇", level="town", parent=county)


@pytest.fixture
def village(town) -> Area:
    return Area.objects.create(name="东村", level="village", parent=town)


@pytest.fixture
def other_town(county) -> Area:
    return Area.objects.create(name="河口镇", level="town", parent=county)


def new_site(area: Area, name: str = "城关小学", **extra) -> Site:
    return Site.objects.create(
        name=name,
        kind=Site.Kind.SCHOOL,
        area=area,
        latitude=Decimal("30.000000"),
        longitude=Decimal("114.000000"),
        **extra,
    )


# The week.


def test_the_calendar_is_for_signed_in_people(public) -> None:
    assert goes_to_login(public.get("/calendar/"))
    assert goes_to_login(public.get("/calendar/month/"))


def test_the_week_shows_this_weeks_scheduled_shifts(login, officer, volunteer, town) -> None:
    this_week = new_shift(officer, town, starts_at=at(1, 9))
    later_this_week = new_shift(officer, town, starts_at=at(6, 19))
    next_week = new_shift(officer, town, starts_at=at(8, 9))
    cancelled = new_shift(officer, town, starts_at=at(2, 9))
    planning.cancel_shift(shift=cancelled, actor=officer, reason="取消")
    client = login(volunteer)

    assert shown(client.get("/calendar/")) == {this_week.pk, later_this_week.pk}
    start = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    assert next_week.pk in shown(client.get(f"/calendar/?start={start}"))


def test_the_week_filters_by_area_and_kind(
    login, officer, volunteer, town, village, other_town
) -> None:
    in_town = new_shift(officer, town, starts_at=at(1, 9))
    in_village = new_shift(officer, village, starts_at=at(2, 9))
    at_school = new_shift(
        officer, new_site(village), kind=ShiftKind.SCHOOL_GATE, starts_at=at(3, 7)
    )
    elsewhere = new_shift(officer, other_town, starts_at=at(1, 14))
    traffic = new_shift(officer, other_town, kind=ShiftKind.TRAFFIC, starts_at=at(2, 14))
    client = login(volunteer)

    assert shown(client.get(f"/calendar/?area={town.pk}")) == {
        in_town.pk,
        in_village.pk,
        at_school.pk,
    }
    assert shown(client.get(f"/calendar/?area={village.pk}")) == {in_village.pk, at_school.pk}
    assert shown(client.get(f"/calendar/?kind={ShiftKind.TRAFFIC}")) == {traffic.pk}
    assert shown(client.get(f"/calendar/?area={town.pk}&kind=school_gate")) == {at_school.pk}
    assert shown(client.get("/calendar/?area=")) == {
        in_town.pk, in_village.pk, at_school.pk, elsewhere.pk, traffic.pk,
    }  # fmt: skip


def test_the_week_shows_only_shifts_with_free_places_when_asked(
    login, officer, volunteer, volunteer2, town
) -> None:
    full = new_shift(officer, town, capacity=1, starts_at=at(1, 9))
    claim(full, volunteer2)
    free = new_shift(officer, town, capacity=2, starts_at=at(2, 9))
    claim(free, volunteer2)
    client = login(volunteer)

    assert shown(client.get("/calendar/?open=on")) == {free.pk}
    assert shown(client.get("/calendar/?area=")) == {full.pk, free.pk}


def test_a_day_whose_shifts_are_all_full_says_so_when_only_free_places_are_asked(
    login, officer, volunteer, volunteer2, town
) -> None:
    full = new_shift(officer, town, capacity=1, starts_at=at(1, 9))
    claim(full, volunteer2)
    html = login(volunteer).get("/calendar/?open=on").content.decode()
    day = html.split(f"{at(1, 9):%m-%d}", 1)[1].split('<h2 class="day">', 1)[0]
    assert 'data-testid="all-full"' in day
    assert "No shifts." not in day


def test_the_month_counts_the_same_area_as_the_week(
    login, officer, volunteer, squad, town, other_town
) -> None:
    squad.area = town
    squad.save()
    new_shift(officer, town, starts_at=at(3, 9))
    new_shift(officer, other_town, starts_at=at(3, 10))
    new_shift(officer, other_town, starts_at=at(3, 11))
    client = login(volunteer)
    busy = at(3, 9).date()

    _classes, ours = month_cell(client.get(f"/calendar/month/?month={busy:%Y-%m}").text, busy)
    assert '<span class="count">1</span>' in ours
    # The filter moves with the person from the week to the month and back.
    _classes, everyone = month_cell(
        client.get(f"/calendar/month/?month={busy:%Y-%m}&area=").text, busy
    )
    assert '<span class="count">3</span>' in everyone
    assert "area=" in everyone


def test_a_volunteer_opens_the_calendar_of_their_squads_area(
    login, officer, volunteer, squad, town, village, other_town
) -> None:
    squad.area = town
    squad.save()
    ours = new_shift(officer, village, starts_at=at(1, 9))
    at_our_school = new_shift(officer, new_site(town), starts_at=at(2, 9))
    theirs = new_shift(officer, other_town, starts_at=at(1, 9))
    client = login(volunteer)

    response = client.get("/calendar/")
    assert shown(response) == {ours.pk, at_our_school.pk}
    assert response.context["form"].initial["area"] == town
    # The filter shows the rest.
    assert shown(client.get("/calendar/?area=")) == {ours.pk, at_our_school.pk, theirs.pk}
    assert shown(client.get(f"/calendar/?area={other_town.pk}")) == {theirs.pk}


def test_the_next_week_keeps_the_squads_area(
    login, officer, volunteer, squad, town, other_town
) -> None:
    """The "next week" link of the default view carries only the start day."""
    squad.area = town
    squad.save()
    ours = new_shift(officer, town, starts_at=at(8, 9))
    theirs = new_shift(officer, other_town, starts_at=at(8, 9))
    client = login(volunteer)

    start = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    assert f"?start={start}&amp;" in client.get("/calendar/").content.decode()
    assert shown(client.get(f"/calendar/?start={start}")) == {ours.pk}
    assert theirs.pk not in shown(client.get(f"/calendar/?start={start}"))


def test_the_week_marks_my_claims_and_waiting(login, officer, volunteer, volunteer2, town) -> None:
    mine = new_shift(officer, town, starts_at=at(1, 9))
    claim(mine, volunteer)
    full = new_shift(officer, town, capacity=1, starts_at=at(2, 9))
    claim(full, volunteer2)
    claim(full, volunteer)
    html = login(volunteer).get("/calendar/").content.decode()

    card_of = {int(pk): body for pk, body in re.findall(r'id="shift-(\d+)"(.*?)</li>', html, re.S)}
    assert 'data-testid="claimed"' in card_of[mine.pk]
    assert 'data-testid="waiting"' in card_of[full.pk]


# The month.


def month_cell(html: str, day: dt.date) -> tuple[str, str]:
    found = re.search(rf'<td class="([^"]*)" data-day="{day.isoformat()}">(.*?)</td>', html, re.S)
    assert found, f"no cell for {day}"
    return found.group(1), found.group(2)


def test_the_month_counts_shifts_free_places_and_my_days(
    login, officer, volunteer, volunteer2, other_volunteer, town
) -> None:
    busy = at(3, 9).date()
    first = new_shift(officer, town, starts_at=at(3, 9), capacity=4)
    second = new_shift(officer, town, starts_at=at(3, 14), capacity=2)
    cancelled = new_shift(officer, town, starts_at=at(3, 19), capacity=10)
    planning.cancel_shift(shift=cancelled, actor=officer, reason="取消")
    claim(first, volunteer)
    claim(second, volunteer2)

    response = login(volunteer).get(f"/calendar/month/?month={busy:%Y-%m}")

    assert response.status_code == 200
    html = response.content.decode()
    classes, cell = month_cell(html, busy)
    assert "mine" in classes.split()
    assert '<span class="count">2</span>' in cell
    assert '<span class="free">+4</span>' in cell  # 3 + 1
    other_classes, other_cell = month_cell(
        login(other_volunteer).get(f"/calendar/month/?month={busy:%Y-%m}").content.decode(), busy
    )
    assert "mine" not in other_classes.split()
    assert '<span class="count">2</span>' in other_cell
    quiet_classes, quiet = month_cell(
        html, busy.replace(day=1) if busy.day != 1 else busy + dt.timedelta(days=1)
    )
    assert "mine" not in quiet_classes.split()
    assert 'class="count"' not in quiet


# A shift.


def test_a_shift_offers_its_claim_button(login, officer, volunteer, town) -> None:
    shift = new_shift(officer, town)
    html = login(volunteer).get(f"/shifts/{shift.pk}/").content.decode()
    assert 'data-testid="claim"' in html
    assert 'data-testid="refusal"' not in html


def test_a_shift_shows_why_it_cannot_be_claimed(
    login, officer, leader, volunteer, other_volunteer, squad, town
) -> None:
    shift = new_shift(officer, town)
    claims.reserve_for_squad(shifts=[shift], squad=squad, actor=leader)
    response = login(other_volunteer).get(f"/shifts/{shift.pk}/")
    html = response.content.decode()
    assert response.context["refusal"].code == "squad_only"
    assert 'data-testid="refusal"' in html
    assert 'data-testid="claim"' not in html
    assert 'data-testid="claim"' in login(volunteer).get(f"/shifts/{shift.pk}/").content.decode()


def test_a_briefing_refusal_links_to_the_briefing(login, officer, volunteer, town) -> None:
    from yixun.shifts.services import setup

    setup.publish_briefing(kind=ShiftKind.TRAFFIC, title="须知", body="穿反光背心。", actor=officer)
    shift = new_shift(officer, town, kind=ShiftKind.TRAFFIC)
    client = login(volunteer)
    refusal = block(client.get(f"/shifts/{shift.pk}/").content.decode(), "refusal")
    assert f'href="/briefings/{ShiftKind.TRAFFIC}/?next=/shifts/{shift.pk}/"' in refusal

    response = client.post(f"/briefings/{ShiftKind.TRAFFIC}/", {"next": f"/shifts/{shift.pk}/"})
    assert response.status_code == 302
    assert response.url == f"/shifts/{shift.pk}/"
    assert 'data-testid="claim"' in client.get(f"/shifts/{shift.pk}/").content.decode()


def test_a_volunteer_sees_the_names_of_their_squad_and_only_a_count_of_the_others(
    login, officer, volunteer, volunteer2, other_volunteer, town
) -> None:
    shift = new_shift(officer, town)
    claim(shift, volunteer)
    claim(shift, other_volunteer)

    response = login(volunteer2).get(f"/shifts/{shift.pk}/")

    html = response.content.decode()
    assert volunteer.name in html
    assert other_volunteer.name not in html
    assert [c.member.user for c in response.context["people"]] == [volunteer]
    assert response.context["hidden"] == 1


def test_the_other_squad_sees_its_own_names_only(
    login, officer, volunteer, volunteer2, other_volunteer, town
) -> None:
    shift = new_shift(officer, town)
    claim(shift, volunteer)
    claim(shift, volunteer2)
    claim(shift, other_volunteer)

    response = login(other_volunteer).get(f"/shifts/{shift.pk}/")

    html = response.content.decode()
    assert volunteer.name not in html
    assert volunteer2.name not in html
    assert response.context["hidden"] == 2


@pytest.mark.parametrize("who", ["officer", "police"])
def test_officers_and_the_police_see_everyone_on_a_shift(
    request, login, officer, volunteer, other_volunteer, town, who
) -> None:
    shift = new_shift(officer, town)
    claim(shift, volunteer)
    claim(shift, other_volunteer)
    response = login(request.getfixturevalue(who)).get(f"/shifts/{shift.pk}/")
    html = response.content.decode()
    assert volunteer.name in html
    assert other_volunteer.name in html
    assert response.context["hidden"] == 0


def test_the_public_cannot_see_a_shift(public, officer, town) -> None:
    shift = new_shift(officer, town)
    assert goes_to_login(public.get(f"/shifts/{shift.pk}/"))


def test_a_missing_shift_is_not_found(login, volunteer) -> None:
    assert login(volunteer).get("/shifts/999999/").status_code == 404


# Claiming and releasing.


def test_claiming_on_the_shift_page(login, officer, volunteer, town) -> None:
    shift = new_shift(officer, town)
    response = login(volunteer).post(f"/shifts/{shift.pk}/claim/", {"next": f"/shifts/{shift.pk}/"})
    assert response.status_code == 302
    assert response.url == f"/shifts/{shift.pk}/"
    assert Claim.objects.active().filter(shift=shift, member__user=volunteer).exists()
    assert refreshed(shift).taken == 1


def test_claiming_in_one_tap_answers_with_the_card(login, officer, volunteer, town) -> None:
    shift = new_shift(officer, town)
    response = login(volunteer).post(f"/shifts/{shift.pk}/claim/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert f'id="shift-{shift.pk}"' in html
    assert 'data-testid="claimed"' in html
    assert Claim.objects.active().filter(shift=shift, member__user=volunteer).exists()


def test_claiming_a_full_shift_in_one_tap_puts_me_on_the_waiting_list(
    login, officer, volunteer, volunteer2, town
) -> None:
    shift = new_shift(officer, town, capacity=1)
    claim(shift, volunteer2)
    response = login(volunteer).post(f"/shifts/{shift.pk}/claim/", HTTP_HX_REQUEST="true")
    assert 'data-testid="waiting"' in response.content.decode()
    assert WaitlistEntry.objects.filter(
        shift=shift, member__user=volunteer, status="waiting"
    ).exists()


def test_a_refused_claim_takes_nothing(
    login, officer, leader, other_volunteer, squad, town
) -> None:
    shift = new_shift(officer, town)
    claims.reserve_for_squad(shifts=[shift], squad=squad, actor=leader)
    response = login(other_volunteer).post(f"/shifts/{shift.pk}/claim/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'data-testid="claimed"' not in response.content.decode()
    assert not Claim.objects.filter(shift=shift).exists()
    assert refreshed(shift).taken == 0


def test_claiming_needs_a_post_and_a_signed_in_member(login, public, officer, police, town) -> None:
    shift = new_shift(officer, town)
    assert goes_to_login(public.post(f"/shifts/{shift.pk}/claim/"))
    assert login(officer).get(f"/shifts/{shift.pk}/claim/").status_code == 405
    assert login(police).post(f"/shifts/{shift.pk}/claim/").status_code == 302  # not a member
    assert not Claim.objects.filter(shift=shift).exists()
    assert login(officer).post("/shifts/999999/claim/").status_code == 404


def test_releasing_in_one_tap_answers_with_the_card(
    login, officer, volunteer, volunteer2, town, outbox
) -> None:
    shift = new_shift(officer, town, capacity=1)
    mine = claim(shift, volunteer)
    claim(shift, volunteer2)

    response = login(volunteer).post(f"/claims/{mine.pk}/release/", HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="claimed"' not in html
    assert 'data-testid="claim"' in html
    assert Claim.objects.get(pk=mine.pk).status == Claim.Status.RELEASED
    promoted = Claim.objects.active().get(shift=shift)
    assert promoted.member == member_of(volunteer2)
    assert len(messages_to(outbox, volunteer2)) == 2  # waiting, then the place


def test_releasing_on_the_shift_page(login, officer, volunteer, town) -> None:
    shift = new_shift(officer, town)
    mine = claim(shift, volunteer)
    response = login(volunteer).post(f"/claims/{mine.pk}/release/", {"next": "/me/patrols/"})
    assert response.status_code == 302
    assert response.url == "/me/patrols/"
    assert Claim.objects.get(pk=mine.pk).status == Claim.Status.RELEASED


def test_another_squad_cannot_even_see_a_claim_to_release_it(
    login, public, officer, volunteer, other_volunteer, town
) -> None:
    shift = new_shift(officer, town)
    mine = claim(shift, volunteer)
    assert login(other_volunteer).post(f"/claims/{mine.pk}/release/").status_code == 404
    assert goes_to_login(public.post(f"/claims/{mine.pk}/release/"))
    assert Claim.objects.get(pk=mine.pk).status == Claim.Status.ACTIVE


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("volunteer2", 302),  # sees the claim (a squad-mate's), is told no
        ("moderator", 404),
        ("police", 302),  # sees every claim, may release none
    ],
)
def test_a_squad_mate_or_another_role_cannot_release_my_place(
    request, login, officer, volunteer, town, who, status
) -> None:
    shift = new_shift(officer, town)
    mine = claim(shift, volunteer)
    response = login(request.getfixturevalue(who)).post(f"/claims/{mine.pk}/release/")
    assert response.status_code == status
    assert Claim.objects.get(pk=mine.pk).status == Claim.Status.ACTIVE
    assert refreshed(shift).taken == 1


def test_the_leader_takes_a_member_off_and_they_are_told(
    login, officer, leader, volunteer, town, outbox
) -> None:
    shift = new_shift(officer, town, starts_at=timezone.now() + dt.timedelta(hours=5))
    mine = claim(shift, volunteer)
    # Too late for the member themselves …
    login(volunteer).post(f"/claims/{mine.pk}/release/")
    assert Claim.objects.get(pk=mine.pk).status == Claim.Status.ACTIVE
    # … but not for their leader.
    login(leader).post(f"/claims/{mine.pk}/release/", {"reason": "另有安排"})
    assert Claim.objects.get(pk=mine.pk).status == Claim.Status.RELEASED
    assert len(messages_to(outbox, volunteer)) == 1


def test_leaving_the_waiting_list(
    login, public, officer, volunteer, volunteer2, other_volunteer, town
) -> None:
    shift = new_shift(officer, town, capacity=1)
    claim(shift, volunteer2)
    claim(shift, volunteer)
    url = f"/shifts/{shift.pk}/leave-waitlist/"
    # Nobody takes someone else off the list.
    assert login(other_volunteer).post(url).status_code == 404
    assert goes_to_login(public.post(url))
    assert WaitlistEntry.objects.get(shift=shift, member__user=volunteer).status == "waiting"

    client = login(volunteer)
    assert client.post(url).status_code == 302
    assert WaitlistEntry.objects.get(shift=shift, member__user=volunteer).status == "left"
    assert client.post(url).status_code == 404


# My patrols.


def test_my_patrols_lists_what_is_ahead_and_what_i_wait_for(
    login, officer, volunteer, volunteer2, town
) -> None:
    ahead = new_shift(officer, town, starts_at=at(2, 9))
    claim(ahead, volunteer)
    released = new_shift(officer, town, starts_at=at(3, 9))
    claims.release_claim(claim=claim(released, volunteer), actor=volunteer)
    full = new_shift(officer, town, capacity=1, starts_at=at(4, 9))
    claim(full, volunteer2)
    claim(full, volunteer)
    not_mine = new_shift(officer, town, starts_at=at(5, 9))
    claim(not_mine, volunteer2)
    done = Shift.objects.create(
        starts_at=at(-3, 9), ends_at=at(-3, 12), area=town, min_people=1, capacity=4, taken=1
    )
    Claim.objects.create(shift=done, member=member_of(volunteer))

    response = login(volunteer).get("/me/patrols/")

    assert response.status_code == 200
    html = response.content.decode()
    assert {int(pk) for pk in SHIFT_CARD.findall(block(html, "my-upcoming"))} == {ahead.pk}
    assert [entry["shift_id"] for entry in response.context["waiting"]] == [full.pk]
    assert [c["shift_id"] for c in response.context["past"]] == [done.pk]
    assert not_mine.pk not in shift_links(html)


def test_my_patrols_for_someone_who_is_not_a_member(login, police) -> None:
    response = login(police).get("/me/patrols/")
    assert response.status_code == 200
    assert 'data-testid="my-upcoming"' not in response.content.decode()


# The squad's plan.


def test_the_squad_plan_is_for_its_leader(
    login, public, officer, leader, volunteer, squad, other_squad, town
) -> None:
    ours = new_shift(officer, town, starts_at=at(2, 9), min_people=2)
    claims.reserve_for_squad(shifts=[ours], squad=squad, actor=leader)
    theirs = new_shift(officer, town, starts_at=at(2, 14))
    claims.reserve_for_squad(shifts=[theirs], squad=other_squad, actor=officer)
    open_shift = new_shift(officer, town, starts_at=at(3, 9))

    response = login(leader).get("/squad-plan/")

    assert response.status_code == 200
    html = response.content.decode()
    assert shift_links(block(html, "squad-shifts")) == {ours.pk}
    assert response.context["gaps"] == [refreshed(ours)]
    assert open_shift in list(response.context["open_shifts"])
    assert theirs not in list(response.context["open_shifts"])
    assert login(volunteer).get("/squad-plan/").status_code == 404
    assert login(leader).get(f"/squad-plan/?squad={other_squad.pk}").status_code == 404
    assert goes_to_login(public.get("/squad-plan/"))


def test_a_leader_reserves_a_day_for_the_squad(
    login, officer, leader, squad, other_squad, town
) -> None:
    day = at(4, 0).date()
    morning = new_shift(officer, town, starts_at=at(4, 9))
    evening = new_shift(officer, town, starts_at=at(4, 19))
    moderation = new_shift(officer, town, kind=ShiftKind.MODERATION, starts_at=at(4, 10))
    taken_by_others = new_shift(officer, town, starts_at=at(4, 14))
    claims.reserve_for_squad(shifts=[taken_by_others], squad=other_squad, actor=officer)
    next_day = new_shift(officer, town, starts_at=at(5, 9))

    response = login(leader).post(
        "/squad-plan/reserve/", {"squad": squad.pk, "day": day.isoformat()}
    )

    assert response.status_code == 302
    assert refreshed(morning).squad == squad
    assert refreshed(evening).squad == squad
    assert refreshed(moderation).squad is None
    assert refreshed(taken_by_others).squad == other_squad
    assert refreshed(next_day).squad is None


def test_reserving_a_day_leaves_the_night_shift_of_the_day_before(
    login, officer, leader, squad, town
) -> None:
    """A shift belongs to the day it starts on, as in the week and the month."""
    night_before = new_shift(officer, town, starts_at=at(3, 22), hours=4)  # until 02:00
    morning = new_shift(officer, town, starts_at=at(4, 9))

    login(leader).post(
        "/squad-plan/reserve/", {"squad": squad.pk, "day": at(4, 0).date().isoformat()}
    )

    assert refreshed(morning).squad == squad
    assert refreshed(night_before).squad is None


def test_a_leader_reserves_one_shift(login, officer, leader, squad, town) -> None:
    shift = new_shift(officer, town)
    login(leader).post("/squad-plan/reserve/", {"squad": squad.pk, "shift": shift.pk})
    assert refreshed(shift).squad == squad


@pytest.mark.parametrize("who", ["volunteer", "other_volunteer", "police"])
def test_only_a_leader_reserves(request, login, officer, squad, town, who) -> None:
    shift = new_shift(officer, town)
    response = login(request.getfixturevalue(who)).post(
        "/squad-plan/reserve/", {"squad": squad.pk, "shift": shift.pk}
    )
    assert response.status_code == 404
    assert refreshed(shift).squad is None


def test_a_leader_cannot_reserve_for_another_squad(
    login, officer, leader, other_squad, town
) -> None:
    shift = new_shift(officer, town)
    response = login(leader).post(
        "/squad-plan/reserve/", {"squad": other_squad.pk, "day": at(3, 0).date().isoformat()}
    )
    assert response.status_code == 404
    assert refreshed(shift).squad is None


def test_a_leader_gives_back_the_squads_shift_but_not_another_squads(
    login, officer, leader, squad, other_squad, town
) -> None:
    ours = new_shift(officer, town)
    theirs = new_shift(officer, town, starts_at=at(4, 9))
    claims.reserve_for_squad(shifts=[ours], squad=squad, actor=leader)
    claims.reserve_for_squad(shifts=[theirs], squad=other_squad, actor=officer)
    client = login(leader)
    client.post(f"/shifts/{ours.pk}/unreserve/")
    client.post(f"/shifts/{theirs.pk}/unreserve/")
    assert refreshed(ours).squad is None
    assert refreshed(theirs).squad == other_squad


# Filling and inviting.


def test_a_leader_puts_a_squad_member_on_a_shift(
    login, officer, leader, volunteer, town, outbox
) -> None:
    shift = new_shift(officer, town)
    response = login(leader).post(f"/shifts/{shift.pk}/fill/", {"member": member_of(volunteer).pk})
    assert response.status_code == 302
    filled = Claim.objects.active().get(shift=shift)
    assert filled.member == member_of(volunteer)
    assert filled.source == Claim.Source.LEADER
    assert filled.claimed_by == leader
    assert len(messages_to(outbox, volunteer)) == 1


def test_a_leader_cannot_put_a_member_of_another_squad_on_a_shift(
    login, officer, leader, other_volunteer, town
) -> None:
    shift = new_shift(officer, town)
    response = login(leader).post(
        f"/shifts/{shift.pk}/fill/", {"member": member_of(other_volunteer).pk}
    )
    assert response.status_code == 404
    assert not Claim.objects.filter(shift=shift).exists()


def test_a_leader_cannot_fill_another_squads_day(
    login, officer, leader, volunteer, other_squad, town
) -> None:
    shift = new_shift(officer, town)
    claims.reserve_for_squad(shifts=[shift], squad=other_squad, actor=officer)
    login(leader).post(f"/shifts/{shift.pk}/fill/", {"member": member_of(volunteer).pk})
    assert not Claim.objects.filter(shift=shift).exists()


def test_a_volunteer_cannot_put_a_squad_mate_on_a_shift(
    login, public, officer, volunteer, volunteer2, town
) -> None:
    shift = new_shift(officer, town)
    login(volunteer).post(f"/shifts/{shift.pk}/fill/", {"member": member_of(volunteer2).pk})
    assert goes_to_login(
        public.post(f"/shifts/{shift.pk}/fill/", {"member": member_of(volunteer2).pk})
    )
    assert not Claim.objects.filter(shift=shift).exists()


def test_the_leader_sees_whom_to_invite_for_the_squads_shift(
    login, officer, leader, volunteer, volunteer2, other_volunteer, squad, town
) -> None:
    shift = new_shift(officer, town, min_people=3)
    claims.reserve_for_squad(shifts=[shift], squad=squad, actor=leader)
    claim(shift, volunteer)

    response = login(leader).get(f"/shifts/{shift.pk}/")

    candidates = {member.user for member, _hours in response.context["candidates"]}
    assert volunteer2 in candidates
    assert volunteer not in candidates  # on it already
    assert other_volunteer not in candidates  # another squad's member
    assert "candidates" not in login(volunteer2).get(f"/shifts/{shift.pk}/").context


def test_a_leader_can_invite_everyone_the_page_suggests(
    login, officer, leader, volunteer2, other_volunteer, town, outbox
) -> None:
    """The list of whom to invite offers only people the leader may invite."""
    shift = new_shift(officer, town, min_people=3)  # an open shift, claimed by no squad
    client = login(leader)
    suggested = [
        member for member, _hours in client.get(f"/shifts/{shift.pk}/").context["candidates"]
    ]
    assert member_of(volunteer2) in suggested
    # A leader asks their own squad; the officers can ask anyone (and see other squads' hours).
    assert member_of(other_volunteer) not in suggested

    for member in suggested:
        client.post(f"/shifts/{shift.pk}/invite/", {"member": member.pk})

    invited = set(Invitation.objects.filter(shift=shift).values_list("member", flat=True))
    assert invited == {member.pk for member in suggested}


def invitation_token(message) -> str:
    found = re.search(r"/invitations/([^/\s]+)/", message.body)
    assert found, message.body
    return found.group(1)


def test_an_invitation_claims_in_one_tap(
    login, officer, leader, volunteer, volunteer2, town, outbox
) -> None:
    shift = new_shift(officer, town)
    response = login(leader).post(
        f"/shifts/{shift.pk}/invite/", {"member": member_of(volunteer).pk}
    )
    assert response.status_code == 302
    (message,) = messages_to(outbox, volunteer)
    token = invitation_token(message)
    url = f"/invitations/{token}/"

    # Only the person invited may open it, or use it.
    assert login(volunteer2).get(url).status_code == 404
    assert login(volunteer2).post(url).status_code == 404
    assert not Claim.objects.filter(shift=shift).exists()

    client = login(volunteer)
    assert 'data-testid="accept-invitation"' in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert response.url == f"/shifts/{shift.pk}/"
    accepted = Claim.objects.active().get(shift=shift)
    assert accepted.member == member_of(volunteer)
    assert accepted.source == Claim.Source.INVITATION
    assert Invitation.objects.get(token=token).used_at is not None


def test_an_invitation_is_for_the_signed_in_only(
    login, public, officer, leader, volunteer, town, outbox
) -> None:
    shift = new_shift(officer, town)
    login(leader).post(f"/shifts/{shift.pk}/invite/", {"member": member_of(volunteer).pk})
    token = invitation_token(messages_to(outbox, volunteer)[0])
    assert goes_to_login(public.get(f"/invitations/{token}/"))
    assert login(volunteer).get("/invitations/not-a-token/").status_code == 404


def test_a_leader_cannot_invite_a_member_of_another_squad(
    login, officer, leader, other_volunteer, town, outbox
) -> None:
    shift = new_shift(officer, town)
    login(leader).post(f"/shifts/{shift.pk}/invite/", {"member": member_of(other_volunteer).pk})
    assert not Invitation.objects.exists()
    assert messages_to(outbox, other_volunteer) == []


def test_a_volunteer_cannot_invite(login, officer, volunteer, volunteer2, town, outbox) -> None:
    shift = new_shift(officer, town)
    login(volunteer).post(f"/shifts/{shift.pk}/invite/", {"member": member_of(volunteer2).pk})
    assert not Invitation.objects.exists()
    assert messages_to(outbox, volunteer2) == []


# Cancelling from the page.


@pytest.mark.parametrize("who", ["volunteer", "police", "moderator"])
def test_only_officers_and_the_squads_leader_cancel(request, login, officer, town, who) -> None:
    shift = new_shift(officer, town)
    login(request.getfixturevalue(who)).post(f"/shifts/{shift.pk}/cancel/", {"reason": "不去了"})
    assert refreshed(shift).status == Shift.Status.SCHEDULED


def test_only_an_officer_cancels_a_shift_a_leader_gives_it_back(
    login, officer, leader, squad, town
) -> None:
    """A squad that claimed a shift may give it back; cancelling it (for everyone on it, and
    for the plan) is the officers' call."""
    ours = new_shift(officer, town)
    claims.reserve_for_squad(shifts=[ours], squad=squad, actor=leader)
    client = login(leader)
    response = client.post(f"/shifts/{ours.pk}/cancel/", {"reason": "人手不足"}, follow=True)
    assert refreshed(ours).status == Shift.Status.SCHEDULED
    assert "只有协会干事可以安排班次" in response.content.decode()
    client.post(f"/shifts/{ours.pk}/unreserve/")
    assert refreshed(ours).squad is None
    login(officer).post(f"/shifts/{ours.pk}/cancel/", {"reason": "暴雨"})
    assert refreshed(ours).status == Shift.Status.CANCELLED


# Coverage and the police's patrols: officers and police liaisons only.


@pytest.mark.parametrize("url", ["/coverage/", "/police-patrols/"])
@pytest.mark.parametrize("who", ["officer", "police"])
def test_coverage_and_police_patrols_are_for_officers_and_the_police(
    request, login, county, url, who
) -> None:
    assert login(request.getfixturevalue(who)).get(url).status_code == 200


@pytest.mark.parametrize("url", ["/coverage/", "/police-patrols/"])
@pytest.mark.parametrize("who", ["leader", "volunteer", "other_volunteer", "moderator"])
def test_coverage_and_police_patrols_are_not_for_others(request, login, county, url, who) -> None:
    assert login(request.getfixturevalue(who)).get(url).status_code == 403


@pytest.mark.parametrize("url", ["/coverage/", "/police-patrols/"])
def test_coverage_and_police_patrols_are_not_for_the_public(public, url) -> None:
    assert goes_to_login(public.get(url))


def test_the_coverage_shows_unwatched_sites_and_shifts_under_their_minimum(
    login, officer, volunteer, town
) -> None:
    watched = new_site(town, "城关小学", watch_from=dt.time(7, 0), watch_until=dt.time(9, 0))
    unwatched = new_site(town, "城关幼儿园", watch_from=dt.time(7, 0), watch_until=dt.time(9, 0))
    PolicePatrol.objects.create(
        force=PolicePatrol.Force.COMMUNITY,
        site=watched,
        weekdays=list(range(7)),
        starts=dt.time(6, 30),
        ends=dt.time(9, 30),
        valid_from=timezone.localdate() - dt.timedelta(days=30),
    )
    short = new_shift(officer, town, starts_at=at(3, 9), min_people=2)
    full_enough = new_shift(officer, town, starts_at=at(3, 14), min_people=1)
    claim(full_enough, volunteer)

    response = login(officer).get(f"/coverage/?area={town.pk}&week={at(3, 9):%Y-%m-%d}")

    html = response.content.decode()
    gaps = block(html, "coverage")
    assert f'data-site="{unwatched.pk}"' in gaps
    assert f'data-site="{watched.pk}"' not in gaps
    assert shift_links(block(html, "under-minimum")) == {short.pk}


def test_the_police_enter_their_patrols(login, police, town) -> None:
    response = login(police).post(
        "/police-patrols/",
        {
            "force": PolicePatrol.Force.ARMED,
            "area": town.pk,
            "weekdays": ["4", "5"],
            "starts": "20:00",
            "ends": "02:00",
            "valid_from": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    patrol = PolicePatrol.objects.get()
    assert patrol.area == town
    assert patrol.weekdays == [4, 5]
    assert patrol.created_by == police


def test_a_volunteer_cannot_enter_police_patrols(login, volunteer, town) -> None:
    response = login(volunteer).post(
        "/police-patrols/",
        {"force": "armed", "area": town.pk, "weekdays": ["4"], "starts": "20:00", "ends": "22:00",
         "valid_from": timezone.localdate().isoformat()},
    )  # fmt: skip
    assert response.status_code == 403
    assert not PolicePatrol.objects.exists()


# Planning: officers only.


def planning_urls(shift: Shift) -> list[str]:
    return [
        "/planning/",
        "/planning/templates/new/",
        "/planning/briefings/new/",
        "/planning/rules/",
        "/shifts/new/",
        f"/shifts/{shift.pk}/edit/",
    ]


def test_the_planning_pages_open_for_an_officer(login, officer, town) -> None:
    shift = new_shift(officer, town)
    client = login(officer)
    for url in planning_urls(shift):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("who", ["leader", "volunteer", "moderator", "police"])
def test_the_planning_pages_are_closed_to_others(request, login, officer, town, who) -> None:
    shift = new_shift(officer, town)
    client = login(request.getfixturevalue(who))
    for url in planning_urls(shift):
        assert client.get(url).status_code == 403, url
    response = client.post("/planning/rules/", {"release_deadline_hours": "0"})
    assert response.status_code == 403
    assert ClaimRules.current().release_deadline_hours == 12


def test_the_planning_pages_send_the_public_to_sign_in(public, officer, town) -> None:
    shift = new_shift(officer, town)
    for url in planning_urls(shift):
        assert goes_to_login(public.get(url)), url


def test_an_officer_changes_a_shift_on_its_page(login, officer, volunteer, town, outbox) -> None:
    shift = new_shift(officer, town, starts_at=at(3, 9))
    claim(shift, volunteer)
    day = at(4, 0).date()
    response = login(officer).post(
        f"/shifts/{shift.pk}/edit/",
        {"kind": "patrol", "day": day.isoformat(), "starts": "10:00", "ends": "12:00",
         "area": town.pk, "min_people": "1", "capacity": "4"},
    )  # fmt: skip
    assert response.status_code == 302
    assert refreshed(shift).starts_at == at(4, 10)
    assert refreshed(shift).sequence == 1
    assert len(messages_to(outbox, volunteer)) == 1


# What the pages cost: a fixed number of queries, whatever the number of shifts.


def add_week_of_shifts(n: int, places: list, squads: list[Squad], viewer: Member) -> None:
    """n shifts over the coming six days at areas and sites; the viewer is on every fifth."""
    made = []
    for i in range(n):
        starts_at = at(1 + i % 6, 6 + i % 14)
        made.append(
            Shift(
                kind=[ShiftKind.PATROL, ShiftKind.SCHOOL_GATE, ShiftKind.TRAFFIC][i % 3],
                starts_at=starts_at,
                ends_at=starts_at + dt.timedelta(hours=2),
                min_people=1,
                capacity=4,
                taken=1 if i % 5 == 0 else 0,
                squad=squads[i % len(squads)] if i % 4 == 0 else None,
                **where(places[i % len(places)]),
            )
        )
    Shift.objects.bulk_create(made)
    Claim.objects.bulk_create(
        Claim(shift=shift, member=viewer) for i, shift in enumerate(made) if i % 5 == 0
    )


def count_queries(client, url: str, django_assert_max_num_queries, cap: int) -> int:
    client.get(url)  # what many people share is cached by the first of them
    with django_assert_max_num_queries(cap) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.fixture
def crowded(officer, squad, other_squad, town, village, volunteer) -> dict:
    sites = [new_site(village if i % 2 else town, f"学校{i}") for i in range(10)]
    return {
        "places": [town, village, *sites],
        "squads": [squad, other_squad],
        "viewer": member_of(volunteer),
    }


def test_the_week_costs_the_same_for_twice_the_shifts(
    login, volunteer, crowded, django_assert_max_num_queries
) -> None:
    client = login(volunteer)
    add_week_of_shifts(200, **crowded)
    first = count_queries(client, "/calendar/", django_assert_max_num_queries, WEEK_QUERIES)
    add_week_of_shifts(200, **crowded)
    assert count_queries(client, "/calendar/", django_assert_max_num_queries, WEEK_QUERIES) == first
    # Only free places: one more, to say which days are all full.
    assert (
        count_queries(
            client, "/calendar/?open=on&kind=patrol", django_assert_max_num_queries, WEEK_QUERIES
        )
        == first + 1
    )


def test_a_long_week_pages_on_so_a_page_costs_the_same_whatever_the_county(
    login, volunteer, crowded
) -> None:
    client = login(volunteer)
    add_week_of_shifts(200, **crowded)
    page = client.get("/calendar/")
    assert len(shown(page)) == PER_PAGE
    assert 'data-testid="paged"' in page.text
    assert "page=2" in page.text
    second = client.get("/calendar/?page=2")
    assert len(shown(second)) == 200 - PER_PAGE
    assert set(shown(page)).isdisjoint(shown(second))
    assert 'data-testid="next-page"' not in second.text
    # Nonsense page numbers show the first page rather than an error.
    assert len(shown(client.get("/calendar/?page=x"))) == PER_PAGE


def test_the_month_costs_the_same_for_twice_the_shifts(
    login, volunteer, crowded, django_assert_max_num_queries
) -> None:
    client = login(volunteer)
    add_week_of_shifts(200, **crowded)
    month = f"/calendar/month/?month={at(3, 0):%Y-%m}"
    first = count_queries(client, month, django_assert_max_num_queries, MONTH_QUERIES)
    add_week_of_shifts(200, **crowded)
    assert count_queries(client, month, django_assert_max_num_queries, MONTH_QUERIES) == first


def test_the_coverage_costs_the_same_for_twice_the_shifts(
    login, officer, county, town, village, squad, volunteer, django_assert_max_num_queries
) -> None:
    sites = [new_site(village if i % 2 else town, f"站点{i}") for i in range(30)]
    route = Route.objects.create(name="城关环线", area=town)
    RouteStop.objects.bulk_create(
        RouteStop(
            route=route, position=n, site=site, latitude=site.latitude, longitude=site.longitude
        )
        for n, site in enumerate(sites[:5])
    )
    for force, place in (
        (PolicePatrol.Force.ARMED, {"area": town}),
        (PolicePatrol.Force.COMMUNITY, {"site": sites[7]}),
    ):
        PolicePatrol.objects.create(
            force=force, weekdays=[0, 2, 4], starts=dt.time(8), ends=dt.time(11),
            valid_from=timezone.localdate() - dt.timedelta(days=30), **place,
        )  # fmt: skip
    client = login(officer)
    places = [town, village, route, *sites]
    week = at(3, 0).date()
    monday = week - dt.timedelta(days=week.weekday())
    url = f"/coverage/?area={county.pk}&week={week.isoformat()}"

    def add_shifts(n: int) -> None:
        made = []
        for i in range(n):
            day = monday + dt.timedelta(days=i % 7)
            starts_at = timezone.make_aware(dt.datetime.combine(day, dt.time(7 + i % 12)))
            made.append(
                Shift(
                    starts_at=starts_at,
                    ends_at=starts_at + dt.timedelta(hours=2),
                    min_people=2,
                    capacity=4,
                    taken=i % 3,
                    squad=squad if i % 4 == 0 else None,
                    **where(places[i % len(places)]),
                )
            )
        Shift.objects.bulk_create(made)

    add_shifts(300)
    first = count_queries(client, url, django_assert_max_num_queries, COVERAGE_QUERIES)
    assert client.get(url).context["coverage"].shifts == 300
    add_shifts(300)
    assert count_queries(client, url, django_assert_max_num_queries, COVERAGE_QUERIES) == first
    assert client.get(url).context["coverage"].shifts == 600


def test_the_week_shows_the_polices_own_patrols_beside_ours_to_leaders_only(
    login, leader, volunteer, town, other_town
) -> None:
    """Leaders plan around the police's patrols; when the police patrol is not for every member
    (nor for whoever borrows a member's phone)."""
    PolicePatrol.objects.create(
        force="armed", area=town, weekdays=list(range(7)), starts=dt.time(19), ends=dt.time(23),
        valid_from=timezone.localdate() - dt.timedelta(days=1),
    )  # fmt: skip
    here = login(leader).get("/calendar/", {"area": town.pk}).content.decode()
    assert here.count('data-testid="police-patrols"') == 7
    elsewhere = login(leader).get("/calendar/", {"area": other_town.pk}).content.decode()
    assert 'data-testid="police-patrols"' not in elsewhere
    hidden = login(volunteer).get("/calendar/", {"area": town.pk}).content.decode()
    assert 'data-testid="police-patrols"' not in hidden
