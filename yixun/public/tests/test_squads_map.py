"""The squads and the areas they patrol, on a map: areas only. No route, no patrol time, no key
site, no leader, no member, nobody on duty."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from yixun.members.models import Squad
from yixun.places.models import Area, Route, Site
from yixun.places.services import to_map
from yixun.shifts.models import Shift


@pytest.fixture
def county(squad, other_squad, leader, volunteer, other_volunteer) -> dict[str, object]:
    county = Area.objects.create(name="示范县", level="county")
    town = Area.objects.create(name="城关镇", level="town", parent=county)
    village = Area.objects.create(name="东村", level="community", parent=town)
    far = Area.objects.create(name="河口镇", level="town", parent=county)
    school = Site.objects.create(
        name="城关一中", kind="school", area=town, latitude=Decimal("31"), longitude=Decimal("114")
    )
    Site.objects.create(
        name="东村卫生室",
        kind="other",
        area=village,
        latitude=Decimal("31.02"),
        longitude=Decimal("114.02"),
        opening_hours="8:00-17:00",
    )
    route = Route.objects.create(name="城关夜巡环线", area=town, length_m=1100)
    start = timezone.now() + dt.timedelta(days=1)
    Shift.objects.create(
        starts_at=start, ends_at=start + dt.timedelta(hours=2), site=school, squad=squad,
        min_people=1, capacity=4, notes="晚上八点在一中门口集合",
    )  # fmt: skip
    squad.area = town
    squad.save(update_fields=["area"])
    other_squad.area = far  # no key site there: listed, not on the map
    other_squad.save(update_fields=["area"])
    Squad.objects.create(name="机动分队")  # no area: across the county
    return {"town": town, "far": far, "route": route}


def test_each_squad_is_listed_with_its_area(county, public: Client) -> None:
    page = public.get(reverse("public:squads"))
    html = page.content.decode()
    assert "城关一分队" in html and "城关镇" in html
    assert "河口二分队" in html and "河口镇" in html
    assert "机动分队" in html


def test_the_map_marks_an_area_at_the_middle_of_its_key_sites(county, public: Client) -> None:
    page = public.get(reverse("public:squads"))
    [marker] = page.context["markers"]  # 河口镇 has no key site, so no place on the map
    lat, lon = to_map((31.01, 114.01))  # the school and the village's clinic, both in the town
    assert (marker["lat"], marker["lon"]) == (round(lat, 5), round(lon, 5))
    assert set(marker) == {"lat", "lon", "name", "label"}
    assert marker["name"] == "城关镇"
    assert "城关一分队" in marker["label"]
    assert "leaflet.js" in page.content.decode()


def test_nothing_of_the_patrols_or_people_leaks(county, public: Client) -> None:
    html = public.get(reverse("public:squads")).content.decode()
    for private in (
        "王队长", "张志愿", "赵海波",  # the leader and the members
        "城关夜巡环线",  # a route
        "城关一中", "东村卫生室", "8:00-17:00",  # key sites and their hours
        "晚上八点", "集合",  # a shift
    ):  # fmt: skip
        assert private not in html, private


def test_without_squads_the_page_says_so(db, public: Client) -> None:
    page = public.get(reverse("public:squads"))
    assert page.status_code == 200
    assert "leaflet" not in page.content.decode()


def test_the_map_page_caps_its_queries(county, public: Client, django_assert_max_num_queries):
    for number in range(10):
        Squad.objects.create(name=f"城关{number + 3}分队", area=county["town"])
    public.get(reverse("public:squads"))
    with django_assert_max_num_queries(4):
        public.get(reverse("public:squads"))
