"""The police's patrols read as people say them: weekdays by name (每天 for all seven), times of day
labelled as times, and the form with a box per weekday and time inputs."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from yixun.places.models import Area
from yixun.shifts.forms import PolicePatrolForm, ShiftForm
from yixun.shifts.models import PolicePatrol
from yixun.shifts.models.planning import weekdays_label


@pytest.fixture
def town(db) -> Area:
    county = Area.objects.create(name="示范县", level="county")
    return Area.objects.create(name="城关镇", level="town", parent=county)


@pytest.fixture
def in_english(officer) -> None:
    type(officer).objects.filter(pk=officer.pk).update(language="en")


def patrol(town: Area, weekdays: list[int]) -> PolicePatrol:
    return PolicePatrol.objects.create(
        force=PolicePatrol.Force.COMMUNITY,
        area=town,
        weekdays=weekdays,
        starts=dt.time(7, 10),
        ends=dt.time(8, 0),
        valid_from=timezone.localdate(),
    )


def test_weekdays_are_named_and_all_seven_are_every_day() -> None:
    with translation.override("en"):
        assert weekdays_label([0, 1, 2, 3, 4, 5, 6]) == "Every day"
        assert weekdays_label([4, 0, 2, 2, 9]) == "Mon, Wed, Fri"
        assert weekdays_label([]) == ""


def test_the_list_shows_names_not_numbers(login, officer, town, in_english) -> None:
    patrol(town, list(range(7)))
    patrol(town, [5, 6])
    page = login(officer).get("/police-patrols/").content.decode()
    assert "0,1,2" not in page and "5,6" not in page
    assert '<td data-testid="weekdays">Every day</td>' in page
    assert '<td data-testid="weekdays">Sat, Sun</td>' in page
    assert "Time of day" in page and "07:10–08:00" in page


def test_the_edit_form_has_a_box_per_weekday_and_time_inputs(
    login, officer, town, in_english
) -> None:
    existing = patrol(town, [0, 2])
    page = login(officer).get(f"/police-patrols/{existing.pk}/").content.decode()
    assert page.count('type="checkbox" name="weekdays"') == 7
    assert page.count("checked") == 2
    assert "<legend>Weekdays" in page or "<legend>Weekdays:" in page  # the question heads the boxes
    assert 'type="time" name="starts" value="07:10"' in page
    assert 'type="time" name="ends" value="08:00"' in page
    assert ">Start time" in page and ">End time" in page


def test_times_are_not_labelled_as_dates() -> None:
    with translation.override("en"):
        for form in (PolicePatrolForm, ShiftForm):
            assert str(form.base_fields["starts"].label) == "Start time"
            assert str(form.base_fields["ends"].label) == "End time"


def test_a_bad_weekday_is_refused_and_saves_nothing(login, officer, town, in_english) -> None:
    answer = login(officer).post(
        "/police-patrols/",
        {"force": "armed", "area": town.pk, "weekdays": ["9"], "starts": "20:00",
         "ends": "22:00", "valid_from": timezone.localdate().isoformat()},
    )  # fmt: skip
    assert answer.status_code == 400 and "Select a valid choice" in answer.content.decode()
    assert not PolicePatrol.objects.exists()
