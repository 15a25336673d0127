"""The places of the calendar through the API: areas, key sites and routes, for anyone signed in;
the secret a site's QR poster holds only for those who print posters (officers, leaders)."""

import pytest
from django.urls import reverse

from yixun.members.services import rulebook
from yixun.places.models import Area, Route, RouteStop, Site


@pytest.fixture
def town(db: None) -> Area:
    county = Area.objects.create(name="红安县", level="county")
    return Area.objects.create(name="城关镇", level="town", parent=county)


@pytest.fixture
def school(town: Area) -> Site:
    return Site.objects.create(
        name="城关一中", kind="school", area=town, latitude="31.28", longitude="114.61"
    )


@pytest.fixture
def route(town: Area, school: Site) -> Route:
    route = Route.objects.create(name="环城路线", area=town, length_m=3200)
    RouteStop.objects.create(
        route=route, position=1, site=school, latitude="31.28", longitude="114.61"
    )
    RouteStop.objects.create(
        route=route, position=2, name="北门", latitude="31.29", longitude="114.62"
    )
    return route


def test_anyone_signed_in_reads_areas_sites_and_routes(
    login, public, volunteer, police, town, school, route
) -> None:
    for user in (volunteer, police):
        client = login(user)
        areas = client.get("/api/v1/areas").json()
        assert [area["name"] for area in areas] == ["红安县", "城关镇"]
        sites = client.get("/api/v1/sites", {"area": town.pk}).json()["items"]
        assert [site["name"] for site in sites] == ["城关一中"]
        one = client.get(f"/api/v1/sites/{school.pk}").json()
        assert one["name"] == "城关一中" and one["check_in_url"] is None  # no poster secret
        routes = client.get("/api/v1/routes").json()
        assert [stop["name"] for stop in routes[0]["stops"]] == ["城关一中", "北门"]
        assert client.get(f"/api/v1/routes/{route.pk}").json()["length_m"] == 3200
        assert client.get(f"/api/v1/sites/{school.pk + 1000}").status_code == 404
        assert client.get(f"/api/v1/routes/{route.pk + 1000}").status_code == 404
    for path in ("/api/v1/areas", "/api/v1/sites", f"/api/v1/sites/{school.pk}", "/api/v1/routes"):
        assert public.get(path).status_code == 401
    assert public.get(f"/api/v1/routes/{route.pk}").status_code == 401


def test_those_who_print_posters_see_what_the_qr_code_holds(login, officer, leader, school) -> None:
    for user in (officer, leader):
        url = login(user).get(f"/api/v1/sites/{school.pk}").json()["check_in_url"]
        assert url == "http://testserver" + reverse("places:check_in", args=[school.qr_token])


def test_an_old_version_of_a_rule_stays_readable_by_its_number(public, officer) -> None:
    document = rulebook.create_document(kind="charter", title="章程", actor=officer)
    rulebook.publish_version(document=document, body="第一版", change_note="", actor=officer)
    rulebook.publish_version(document=document, body="第二版", change_note="修订", actor=officer)
    number = 1
    first = public.get(f"/api/v1/rulebook/{document.pk}/versions/{number}")
    assert first.status_code == 200 and "第一版" in first.json()["body"]
    number = 3
    assert public.get(f"/api/v1/rulebook/{document.pk}/versions/{number}").status_code == 404
