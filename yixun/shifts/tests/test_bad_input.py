"""Whatever is typed into a calendar address or form, the answer is a page or a clear refusal:
never a server error, never a redirect off the site."""

import datetime as dt

import pytest
from django.utils import timezone

from yixun.places.models import Area
from yixun.shifts.models import Claim, ClaimRules, PolicePatrol, SchoolHoliday, Term
from yixun.shifts.services import invites
from yixun.shifts.tests.helpers import claim, member_of, new_shift


@pytest.fixture(autouse=True)
def newcomers_may_claim(db: None) -> None:
    rules = ClaimRules.current()
    rules.newcomer_patrols = 0
    rules.save()


@pytest.fixture
def town(db: None) -> Area:
    return Area.objects.create(name="城关镇", level="town")


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"],
)
def test_going_back_after_claiming_stays_on_the_site(login, officer, volunteer, town, target):
    shift = new_shift(officer, town)
    response = login(volunteer).post(f"/shifts/{shift.pk}/claim/", {"next": target})
    assert response.status_code == 302
    assert response["Location"] == f"/shifts/{shift.pk}/"


def test_going_back_to_a_page_of_ours_is_kept(login, officer, volunteer, town) -> None:
    shift = new_shift(officer, town)
    response = login(volunteer).post(f"/shifts/{shift.pk}/claim/", {"next": "/me/patrols/"})
    assert response["Location"] == "/me/patrols/"


@pytest.mark.parametrize(
    "url",
    [
        "/calendar/?start=9999-12-31",
        "/calendar/?start=0001-01-01",
        "/calendar/?start=2026-13-45",
        "/calendar/month/?month=9999-12",
        "/calendar/month/?month=0001-01",
        "/calendar/month/?month=abc",
    ],
)
def test_days_at_the_ends_of_time_show_this_week_or_month(login, volunteer, url) -> None:
    response = login(volunteer).get(url)
    assert response.status_code == 200
    assert str(timezone.localdate().year) in response.content.decode()


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01"])
def test_the_coverage_of_a_week_out_of_range_is_a_form_error(login, officer, town, week):
    response = login(officer).get("/coverage/", {"area": town.pk, "week": week})
    assert response.status_code == 200
    assert "2000" in response.content.decode()  # the range is named


@pytest.mark.parametrize("start", ["9999-12-31", "1900-01-01"])
def test_the_api_refuses_days_out_of_range(login, volunteer, start) -> None:
    response = login(volunteer).get("/api/v1/shifts", {"start": start})
    assert response.status_code == 422


def test_the_api_refuses_shift_times_out_of_range(login, officer, town) -> None:
    response = login(officer).post(
        "/api/v1/shifts",
        {
            "starts_at": "9999-12-31T20:00:00+08:00",
            "minutes": 120,
            "place_type": "area",
            "place_id": town.pk,
            "min_people": 2,
        },
        content_type="application/json",
    )
    assert response.status_code == 422  # the document says 2000 to 2099
    assert [error["location"][-1] for error in response.json()["errors"]] == ["starts_at"]


def test_the_api_asks_for_offsets_in_the_callers_language(login, officer, town) -> None:
    response = login(officer).post(
        "/api/v1/shifts",
        {
            "starts_at": "2030-01-05T20:00:00",
            "minutes": 120,
            "place_type": "area",
            "place_id": town.pk,
            "min_people": 2,
        },
        content_type="application/json",
        headers={"accept-language": "zh-hans"},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert "Some fields" not in response.json()["message"]


@pytest.mark.parametrize("value", ["abc", "1e9", "-1", "99999999999999999999"])
def test_ids_that_are_not_numbers_find_nothing(login, leader, officer, town, value) -> None:
    shift = new_shift(officer, town)
    client = login(leader)
    assert client.get("/squad-plan/", {"squad": value}).status_code == 404
    assert client.post(f"/shifts/{shift.pk}/fill/", {"member": value}).status_code == 404
    assert client.post(f"/shifts/{shift.pk}/invite/", {"member": value}).status_code == 404


def test_an_officer_removes_a_term_or_holiday_typed_wrong(login, officer) -> None:
    today = timezone.localdate()
    term = Term.objects.create(name="错学期", starts_on=today, ends_on=today)
    holiday = SchoolHoliday.objects.create(name="错假期", starts_on=today, ends_on=today)
    client = login(officer)
    client.post(f"/planning/term/{term.pk}/delete/")
    client.post(f"/planning/holiday/{holiday.pk}/delete/")
    assert not Term.objects.exists()
    assert not SchoolHoliday.objects.exists()
    assert client.post("/planning/weekend/add/", {}).status_code == 404
    assert client.post(f"/planning/weekend/{term.pk}/delete/").status_code == 404


def test_a_volunteer_cannot_remove_terms(login, volunteer) -> None:
    today = timezone.localdate()
    term = Term.objects.create(name="本学期", starts_on=today, ends_on=today)
    login(volunteer).post(f"/planning/term/{term.pk}/delete/")
    assert Term.objects.filter(pk=term.pk).exists()


def test_the_api_lists_my_waiting_lists_with_my_place_in_line(
    login, officer, volunteer, volunteer2, other_volunteer, town
) -> None:
    shift = new_shift(officer, town, capacity=1)
    claim(shift, other_volunteer)
    claim(shift, volunteer2)
    claim(shift, volunteer)
    body = login(volunteer).get("/api/v1/me/waitlist").json()
    assert [(row["shift"]["id"], row["position"]) for row in body] == [(shift.pk, 2)]
    assert body[0]["shift"]["waiting"] is True


def test_the_api_shows_the_police_patrols_to_leaders_not_members(
    login, leader, volunteer, police, town
) -> None:
    PolicePatrol.objects.create(
        force="armed", area=town, weekdays=list(range(7)), starts=dt.time(19), ends=dt.time(23),
        valid_from=timezone.localdate() - dt.timedelta(days=1),
    )  # fmt: skip
    rows = login(leader).get("/api/v1/police-patrols", {"days": 3}).json()
    assert len(rows) == 3
    assert rows[0]["force"] == "armed" and rows[0]["place"]["name"] == "城关镇"
    assert login(police).get("/api/v1/police-patrols").status_code == 200
    assert login(volunteer).get("/api/v1/police-patrols").status_code == 403


def test_an_answered_invitation_offers_no_second_yes(login, officer, leader, volunteer, town):
    shift = new_shift(officer, town)
    invitation = invites.invite(shift=shift, member=member_of(volunteer), actor=leader)
    client = login(volunteer)
    client.post(f"/invitations/{invitation.token}/")
    page = client.get(f"/invitations/{invitation.token}/").content.decode()
    assert 'data-testid="accept-invitation"' not in page
    again = client.post(f"/invitations/{invitation.token}/", follow=True)
    assert again.status_code == 200
    assert Claim.objects.filter(shift=shift).count() == 1
