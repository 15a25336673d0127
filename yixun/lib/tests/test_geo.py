import pytest

from yixun.lib import geo

# Published reference pairs (WGS-84 → GCJ-02) that implementations of the datum agree on.
REFERENCE = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # Beijing
]


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE)
def test_wgs84_becomes_the_published_gcj02(wgs, gcj) -> None:
    lat, lon = geo.wgs84_to_gcj02(wgs)
    assert lat == pytest.approx(gcj[0], abs=1e-7)
    assert lon == pytest.approx(gcj[1], abs=1e-7)


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE)
def test_gcj02_goes_back_to_within_centimetres(wgs, gcj) -> None:
    back = geo.gcj02_to_wgs84(gcj)
    assert geo.distance_m(back, wgs) < 0.05


def test_the_offset_is_hundreds_of_metres_in_china_and_none_outside() -> None:
    county = (31.0617, 113.7736)
    assert 100 < geo.distance_m(county, geo.wgs84_to_gcj02(county)) < 1000
    london = (51.5007, -0.1246)
    assert geo.wgs84_to_gcj02(london) == london
    assert geo.gcj02_to_wgs84(london) == london


def test_distance_between_two_known_points() -> None:
    # One degree of latitude is about 111.2 km anywhere.
    assert geo.distance_m((30.0, 114.0), (31.0, 114.0)) == pytest.approx(111_195, rel=1e-3)


def test_distance_to_a_route_is_to_its_nearest_segment() -> None:
    route = [(31.0, 114.0), (31.0, 114.01), (31.01, 114.01)]
    beside_first_leg = (31.0009, 114.005)  # about 100 m north of the first leg's middle
    assert geo.distance_to_line_m(beside_first_leg, route) == pytest.approx(100, abs=2)
    beyond_the_end = (31.02, 114.01)
    assert geo.distance_to_line_m(beyond_the_end, route) == pytest.approx(1112, rel=0.01)
    assert geo.distance_to_line_m((31.0, 114.0), [(31.0, 114.0)]) == 0
