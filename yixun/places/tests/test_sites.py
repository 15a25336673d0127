"""Key sites and their QR posters, routes, areas' police stations, and distances on the Earth."""

import datetime as dt
import io
import math
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
import segno
from django.urls import resolve, reverse
from PIL import Image

from yixun.audit.models import AuditEntry
from yixun.lib import links
from yixun.lib.geo import EARTH_RADIUS_M, distance_m
from yixun.places import services
from yixun.places.models import Area, PoliceStation, Route, Site

# 0.008993° of latitude is 1,000 m on the sphere of the Earth's mean radius.
KILOMETRE_NORTH = Decimal("0.008993")


@pytest.fixture
def county(db: None) -> Area:
    return Area.objects.create(name="示范县", level="county")


@pytest.fixture
def town(county: Area) -> Area:
    return Area.objects.create(name="城关镇", level="town", parent=county)


@pytest.fixture
def other_town(county: Area) -> Area:
    return Area.objects.create(name="河口镇", level="town", parent=county)


def make_site(area: Area, name: str, north_km: int = 0, **values: Any) -> Site:
    return Site.objects.create(
        name=name,
        kind=values.pop("kind", "school"),
        area=area,
        latitude=Decimal("30.000000") + north_km * KILOMETRE_NORTH,
        longitude=Decimal("114.000000"),
        watch_from=dt.time(7),
        watch_until=dt.time(18),
        **values,
    )


@pytest.fixture
def school(town: Area) -> Site:
    return make_site(town, "城关一中")


def audited(action: str, target: Any) -> bool:
    return AuditEntry.objects.filter(
        action=action, target_type=target._meta.label_lower, target_id=str(target.pk)
    ).exists()


# The QR code and its poster


def test_the_poster_is_a_pdf(login, officer, school) -> None:
    response = login(officer).get(f"/sites/{school.pk}/poster.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert b"/Subtype /Image" in response.content  # the code is on it
    assert response["Cache-Control"] == "private, no-store"


def test_the_png_holds_the_sites_check_in_address(login, officer, school) -> None:
    response = login(officer).get(f"/sites/{school.pk}/poster.png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG"
    # Read the modules off the picture and compare them with the code of the check-in address,
    # at the address the officer reached Yixun at (the test client's).
    path = reverse("places:check_in", args=[school.qr_token])
    expected = segno.make(f"http://testserver{path}", error="q")
    scale, border = 12, 4
    assert image.size == expected.symbol_size(scale=scale, border=border)
    pixels = image.convert("L")
    read = [
        [
            pixels.getpixel(
                ((col + border) * scale + scale // 2, (row + border) * scale + scale // 2)
            )
            < 128
            for col in range(len(expected.matrix[0]))
        ]
        for row in range(len(expected.matrix))
    ]
    assert read == [[bool(module) for module in row] for row in expected.matrix]
    out = io.BytesIO()
    expected.save(out, kind="png", scale=scale, border=border)
    assert response.content == out.getvalue()


def test_the_check_in_address_names_the_site_by_its_secret(public, school) -> None:
    url = school.check_in_url()

    assert url.startswith(links.site_url() + "/")
    path = urlsplit(url).path
    assert school.qr_token in path
    assert str(school.pk) not in path.replace(school.qr_token, "")
    assert resolve(path).url_name == "check_in"
    assert public.get(path).status_code == 200


def test_qr_codes_are_long_and_unique(town) -> None:
    sites = [make_site(town, f"部位{n}") for n in range(50)]

    tokens = [site.qr_token for site in sites]
    assert len(set(tokens)) == len(tokens)
    assert all(len(token) >= 20 for token in tokens)


def test_renewing_the_code_retires_the_old_poster(login, public, officer, school) -> None:
    old = school.qr_token

    response = login(officer).post(f"/sites/{school.pk}/renew-code/")

    assert response.status_code == 302
    school.refresh_from_db()
    assert school.qr_token != old
    assert len(school.qr_token) >= 20
    assert public.get(f"/check-in/{old}/").status_code == 404
    assert public.get(f"/check-in/{school.qr_token}/").status_code == 200
    assert audited("places.site.qr_renewed", school)


def test_only_officers_renew_a_code(login, public, leader, volunteer, police, school) -> None:
    old = school.qr_token
    for person in (leader, volunteer, police):
        assert login(person).post(f"/sites/{school.pk}/renew-code/").status_code == 403
    assert public.post(f"/sites/{school.pk}/renew-code/").status_code == 302  # to sign in
    with pytest.raises(services.PlaceError) as refusal:
        services.renew_qr(site=school, actor=leader)
    assert refusal.value.code == "forbidden"
    school.refresh_from_db()
    assert school.qr_token == old


def test_posters_are_for_officers_and_squad_leaders(
    login, public, officer, leader, volunteer, police, moderator, school
) -> None:
    for kind in ("pdf", "png"):
        url = f"/sites/{school.pk}/poster.{kind}"
        assert login(officer).get(url).status_code == 200
        assert login(leader).get(url).status_code == 200
        for person in (volunteer, police, moderator):
            assert login(person).get(url).status_code == 403
        response = public.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_no_poster_for_an_inactive_site_or_an_unknown_kind(login, public, officer, town) -> None:
    closed = make_site(town, "已拆除的市场", kind="market", is_active=False)
    school = make_site(town, "城关一中", north_km=1)

    assert login(officer).get(f"/sites/{closed.pk}/poster.pdf").status_code == 404
    assert public.get(f"/check-in/{closed.qr_token}/").status_code == 404
    assert login(officer).get(f"/sites/{school.pk}/poster.svg").status_code == 404


# Creating and editing sites


def site_form(area: Area, **changes: Any) -> dict[str, Any]:
    return {
        "name": "城关二中",
        "kind": "school",
        "area": area.pk,
        "address": "城关镇解放路 8 号",
        "latitude": "30.612345",
        "longitude": "114.301234",
        "opening_hours": "07:00-18:00",
        "watch_from": "07:00",
        "watch_until": "18:00",
        "is_active": "on",
        **changes,
    }


def test_an_officer_creates_and_edits_a_site(login, officer, town) -> None:
    client = login(officer)

    response = client.post("/sites/new/", site_form(town))

    assert response.status_code == 302
    site = Site.objects.get(name="城关二中")
    assert (site.area, site.latitude, site.longitude) == (
        town,
        Decimal("30.612345"),
        Decimal("114.301234"),
    )
    assert response["Location"] == f"/sites/{site.pk}/"
    assert audited("places.site.created", site)

    response = client.post(
        f"/sites/{site.pk}/edit/", site_form(town, name="城关第二中学", watch_until="18:30")
    )

    assert response.status_code == 302
    site.refresh_from_db()
    assert site.name == "城关第二中学"
    assert site.watch_until == dt.time(18, 30)
    assert audited("places.site.changed", site)
    assert Site.objects.count() == 1


def test_only_officers_create_or_edit_sites(
    login, public, leader, volunteer, police, town, school
) -> None:
    for person in (leader, volunteer, police):
        client = login(person)
        assert client.get("/sites/new/").status_code == 403
        assert client.post("/sites/new/", site_form(town)).status_code == 403
        assert client.post(f"/sites/{school.pk}/edit/", site_form(town)).status_code == 403
    assert public.post("/sites/new/", site_form(town)).status_code == 302
    assert list(Site.objects.all()) == [school]
    school.refresh_from_db()
    assert school.name == "城关一中"
    with pytest.raises(services.PlaceError) as refusal:
        services.save_site(
            actor=leader, name="x", kind="school", area=town, latitude="30", longitude="114"
        )
    assert refusal.value.code == "forbidden"


def test_a_name_is_used_once_in_an_area(login, officer, town, other_town, school) -> None:
    client = login(officer)

    assert client.post("/sites/new/", site_form(town, name="城关一中")).status_code == 400
    assert Site.objects.filter(name="城关一中").count() == 1
    # Another area may have a site of that name.
    assert client.post("/sites/new/", site_form(other_town, name="城关一中")).status_code == 302
    # Renaming onto a neighbour's name is refused too; keeping one's own name is not.
    second = make_site(town, "城关二中", north_km=1)
    assert (
        client.post(f"/sites/{second.pk}/edit/", site_form(town, name="城关一中")).status_code
        == 400
    )
    second.refresh_from_db()
    assert second.name == "城关二中"
    assert client.post(f"/sites/{second.pk}/edit/", site_form(town)).status_code == 302

    with pytest.raises(services.PlaceError) as refusal:
        services.save_site(
            actor=officer,
            name=" 城关一中 ",
            kind="school",
            area=town,
            latitude="30.1",
            longitude="114.1",
        )
    assert refusal.value.code == "site_name_taken"


@pytest.mark.parametrize(
    ("latitude", "longitude"), [("91", "114"), ("-90.5", "114"), ("30", "181"), ("30", "-180.1")]
)
def test_a_position_off_the_earth_is_refused(
    login, officer, town, latitude: str, longitude: str
) -> None:
    response = login(officer).post(
        "/sites/new/", site_form(town, latitude=latitude, longitude=longitude)
    )

    assert response.status_code == 400
    assert not Site.objects.exists()
    with pytest.raises(services.PlaceError) as refusal:
        services.save_site(
            actor=officer,
            name="城关二中",
            kind="school",
            area=town,
            latitude=latitude,
            longitude=longitude,
        )
    assert refusal.value.code == "bad_position"
    assert not Site.objects.exists()


# Routes


def route_form(area: Area, stops: list[Site], **changes: Any) -> dict[str, Any]:
    return {
        "name": "城关夜巡线",
        "kind": "road",
        "setting": "town",
        "area": area.pk,
        "stops": [site.pk for site in stops],
        **changes,
    }


def test_a_route_keeps_the_order_of_its_stops_and_measures_along_them(login, officer, town) -> None:
    south = make_site(town, "南门", north_km=0)
    middle = make_site(town, "中心广场", north_km=1)
    north = make_site(town, "北门", north_km=2)
    client = login(officer)

    response = client.post("/routes/new/", route_form(town, [south, north, middle]))

    assert response.status_code == 302
    route = Route.objects.get()
    assert response["Location"] == f"/routes/{route.pk}/"
    assert [stop.site for stop in route.stops.order_by("position")] == [south, north, middle]
    assert [stop.position for stop in route.stops.order_by("position")] == [0, 1, 2]
    assert route.length_m == pytest.approx(3000, abs=3)  # 2 km north, then 1 km back
    assert audited("places.route.created", route)

    response = client.post(f"/routes/{route.pk}/edit/", route_form(town, [north, middle]))

    assert response.status_code == 302
    route.refresh_from_db()
    assert [stop.site for stop in route.stops.order_by("position")] == [north, middle]
    assert route.length_m == pytest.approx(1000, abs=2)
    assert audited("places.route.changed", route)


def test_two_sites_a_kilometre_apart_make_a_kilometre(officer, town) -> None:
    a = make_site(town, "东门", north_km=0)
    b = make_site(town, "西门", north_km=1)

    route = services.save_route(
        actor=officer, name="短线", kind="road", setting="town", area=town, stops=[a, b]
    )

    assert route.length_m == pytest.approx(1000, abs=2)
    assert route.length_km == Decimal("1.0")


def test_a_route_name_already_taken_is_refused(login, officer, town, school) -> None:
    client = login(officer)
    assert client.post("/routes/new/", route_form(town, [school])).status_code == 302

    response = client.post("/routes/new/", route_form(town, [school]))

    assert response.status_code == 400
    assert Route.objects.count() == 1


def test_only_officers_make_routes(login, leader, volunteer, police, town, school) -> None:
    for person in (leader, volunteer, police):
        assert login(person).post("/routes/new/", route_form(town, [school])).status_code == 403
    assert not Route.objects.exists()
    with pytest.raises(services.PlaceError):
        services.save_route(
            actor=leader, name="x", kind="road", setting="town", area=town, stops=[school]
        )


# Areas


def test_an_area_without_a_station_uses_the_one_above_it(county, town, other_town) -> None:
    county_station = PoliceStation.objects.create(name="示范县公安局城关派出所")
    harbour_station = PoliceStation.objects.create(name="河口派出所")
    county.station = county_station
    county.save()
    other_town.station = harbour_station
    other_town.save()
    village = Area.objects.create(name="东岳村", level="community", parent=town)
    harbour_village = Area.objects.create(name="渡口村", level="community", parent=other_town)
    lone = Area.objects.create(name="外县", level="county")

    assert county.police_station() == county_station
    assert town.police_station() == county_station
    assert village.police_station() == county_station
    assert other_town.police_station() == harbour_station
    assert harbour_village.police_station() == harbour_station
    assert lone.police_station() is None


# Distances


def test_a_degree_of_latitude_is_about_111_km() -> None:
    assert distance_m((30.0, 114.0), (31.0, 114.0)) == pytest.approx(111_195, rel=1e-4)
    assert distance_m((-0.5, 0.0), (0.5, 0.0)) == pytest.approx(111_195, rel=1e-4)


def test_a_degree_of_longitude_shrinks_away_from_the_equator() -> None:
    assert distance_m((0.0, 114.0), (0.0, 115.0)) == pytest.approx(111_195, rel=1e-4)
    assert distance_m((60.0, 114.0), (60.0, 115.0)) == pytest.approx(55_597, rel=2e-3)


def test_distances_at_the_edges() -> None:
    assert distance_m((30.6, 114.3), (30.6, 114.3)) == 0
    assert distance_m((0.0, 0.0), (0.0, 180.0)) == pytest.approx(math.pi * EARTH_RADIUS_M)
    assert distance_m((90.0, 0.0), (-90.0, 0.0)) == pytest.approx(math.pi * EARTH_RADIUS_M)
    a, b = (39.9087, 116.3975), (31.2304, 121.4737)  # Tiananmen, People's Square in Shanghai
    assert distance_m(a, b) == distance_m(b, a)
    assert distance_m(a, b) == pytest.approx(1_067_000, rel=0.01)
