"""Each person's day on the home page: what their roles have waiting, counted live, each linked to
where it is handled, seen through each app's own door, in a capped number of queries."""

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone, translation

from yixun.accounts.models import User
from yixun.home.sections import sections_for
from yixun.tests.home_world import build_day, tip

# Records made hours ago must still fall on today's date (conftest.midday).
pytestmark = pytest.mark.usefixtures("midday")

# Queries per home page, including the session, the user, their roles and the notice check.
CAPS = {"volunteer": 14, "leader": 20, "moderator": 10, "police": 19, "officer": 22}


@pytest.fixture(autouse=True)
def in_english() -> Any:
    with translation.override("en"):
        yield


@pytest.fixture
def cast(
    squad, leader, volunteer, volunteer2, other_volunteer, moderator, police, officer
) -> dict[str, User]:
    return {
        "squad": squad,
        "leader": leader,
        "volunteer": volunteer,
        "volunteer2": volunteer2,
        "moderator": moderator,
        "police": police,
        "officer": officer,
    }


@pytest.fixture
def day(cast: dict[str, Any]) -> dict[str, Any]:
    return build_day(**cast)


@pytest.fixture
def mid_month(midday: None) -> Iterator[None]:
    """Noon on the 15th of this month: the day's duty done yesterday is then this month's too.

    On the 1st it would be last month's, and this month's figures one duty short.
    """
    noon = timezone.make_aware(
        dt.datetime.combine(timezone.localdate().replace(day=15), dt.time(12))
    )
    with time_machine.travel(noon, tick=True):
        yield


def test_the_volunteer_sees_their_day(day, volunteer, login) -> None:
    page = login(volunteer).get("/")
    v = page.context["sections"]["volunteer"]
    assert v["next"]["shift"] == day["next"]
    assert v["next"]["can_check_in"]  # it starts in ten minutes: the window is open
    assert v["next"]["leader"].name == "王队长"
    assert len(v["coming"]) == 1
    # Open shifts in the squad's town, not those the volunteer is on already: 3 + 4 places.
    assert v["open"] == {**v["open"], "shifts": 2, "places": 7}
    assert v["hours"] == 1.5
    assert [n.document.title for n in v["notices"]] == ["巡逻安全守则"]
    assert [t.status for t in v["tips"]] == ["new"]
    html = page.content.decode()
    assert 'data-testid="check-in"' in html
    assert f"/calendar/?area={day['town'].pk}&amp;open=on" in html
    assert set(page.context["sections"]) == {"volunteer"}


def test_check_in_waits_for_the_window(day, volunteer, login) -> None:
    # A year on, by days: on 29 February the same date a year on does not exist.
    day["next"].starts_at += dt.timedelta(days=365)
    day["next"].ends_at += dt.timedelta(days=365)
    day["next"].save()
    html = login(volunteer).get("/").content.decode()
    assert 'data-testid="check-in"' not in html
    assert 'data-testid="check-in-opens"' in html


def test_the_leader_sees_who_came_and_what_waits(day, leader, login) -> None:
    sections = login(leader).get("/").context["sections"]
    assert set(sections) == {"volunteer", "leader"}
    squad = sections["leader"]
    [today] = [row for row in squad["today"] if row["shift"] == day["today"]]
    states = {person["name"]: person["state"] for person in today["people"]}
    assert states == {"刘晓燕": "late", "王队长": "absent"}
    assert (today["in"], today["late"], today["absent"]) == (1, 1, 1)
    assert squad["short_count"] == 1
    assert squad["logs_count"] == 1
    assert squad["corrections_count"] == 1


def test_the_logs_to_approve_are_one_tap_from_home(day, leader, officer, login) -> None:
    for who, testid in ((leader, "logs-count"), (officer, "officer-logs-count")):
        html = login(who).get("/").content.decode()
        assert f'<a href="/duty/logs/" data-testid="{testid}"' in html


def test_a_volunteer_has_no_leader_section_and_sees_no_one_else_s_tips(
    day, volunteer2, login
) -> None:
    sections = login(volunteer2).get("/").context["sections"]
    assert "leader" not in sections
    assert sections["volunteer"]["tips"] == []  # the volunteer's tips are theirs alone


def test_the_moderator_sees_the_queue(day, moderator, login) -> None:
    m = login(moderator).get("/").context["sections"]["moderator"]
    assert (m["waiting"], m["overdue"], m["urgent"], m["held"]) == (3, 1, 1, 1)
    assert [t.text for t in m["held_tips"]] == ["城关镇菜市场门口有人吵架 200"]


def test_the_police_see_only_their_station_s_tips(day, police, login) -> None:
    page = login(police).get("/")
    p = page.context["sections"]["police"]
    assert set(page.context["sections"]) == {"police"}
    assert p["forwarded_count"] == 1  # the other station's tip is not theirs
    assert p["on_duty_count"] == 1  # the late volunteer, on duty at the school
    assert [m["label"] for m in p["markers"]] == ["刘晓燕 · 城关一中"]
    assert p["gaps_count"] >= 1  # the market nobody patrols
    html = page.content.decode()
    assert "leaflet.js" in html


def test_the_map_library_loads_only_for_the_map(day, officer, login) -> None:
    assert "leaflet" not in login(officer).get("/").content.decode()


@pytest.mark.usefixtures("mid_month")
def test_the_officer_sees_the_association(day, officer, login) -> None:
    o = login(officer).get("/").context["sections"]["officer"]
    assert o["applications"] == 1
    assert [p.number for p in o["lapsing"]] == ["CL-0"]
    assert o["logs_count"] == 1
    assert o["corrections_count"] == 1
    figures = {f["name"]: (f["now"], f["then"]) for f in o["figures"]}
    assert figures["duties"][0] >= 2 and figures["duties"][1] == 0


def test_the_public_home_is_unchanged(public: Client, day) -> None:
    page = public.get("/")
    assert page.context["sections"] == {}
    assert 'href="/accounts/login/"' in page.content.decode()


def test_sections_follow_roles_not_the_page(day, other_volunteer) -> None:
    # A volunteer of another squad: no squad area, no leader's work, none of the others' tips.
    sections = sections_for(other_volunteer)
    assert sections["volunteer"]["tips"] == []
    assert sections["volunteer"]["next"] is None


@pytest.mark.parametrize("who", list(CAPS))
def test_each_home_caps_its_queries(
    cast, login: Callable[[User], Client], django_assert_max_num_queries, who: str
) -> None:
    """The cap holds with ten times the rows: no query per row."""
    build_day(**cast, rows=10)
    for number in range(10):
        tip(500 + number, assigned_to=cast["moderator"])
    client = login(cast[who])
    client.get("/")  # the first visit settles the session and the rules' rows
    with django_assert_max_num_queries(CAPS[who]):
        page = client.get("/")
    assert page.status_code == 200


@pytest.mark.parametrize("who", list(CAPS))
def test_the_query_count_does_not_grow_with_the_data(
    cast, login: Callable[[User], Client], who: str
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        client = login(cast[who])
        client.get("/")
        with CaptureQueriesContext(connection) as queries:
            client.get("/")
        return len(queries)

    build_day(**cast, rows=1)
    count()  # fills the caches shared by every visit (the duty rules, the notices)
    few = count()
    for number in range(20):
        tip(600 + number, assigned_to=cast["moderator"], reporter=cast["volunteer"])
    assert count() == few
