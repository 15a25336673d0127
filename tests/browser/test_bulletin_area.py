"""An alert's area drawn on the map of the write page: a liaison taps for a circle's centre and
saves it; editing the draft, they switch to a polygon, tap three corners and save it, stored as
CAP's closed ring. The CAP fieldset hides for safety advice."""

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE
from tests.browser.shots import shot
from tests.browser.test_live import open_as
from yixun.bulletins.models import Bulletin
from yixun.places.models import Area, Site

pytestmark = pytest.mark.django_db(transaction=True)
DESK = {"width": 1366, "height": 900}
SCHOOL = (31.0, 114.0)  # the only key site: the map opens on it


@pytest.fixture
def school(db: None) -> Site:
    town = Area.objects.create(name="城关镇", level=Area.Level.TOWN)
    return Site.objects.create(
        name="城关一小", kind=Site.Kind.SCHOOL, area=town, latitude=SCHOOL[0], longitude=SCHOOL[1]
    )


def _tap(page: Page, dx: float, dy: float) -> None:
    """A tap on the area map, dx and dy pixels from its middle."""
    area_map = page.get_by_test_id("area-map")
    box = area_map.bounding_box()
    assert box
    area_map.click(position={"x": box["width"] / 2 + dx, "y": box["height"] / 2 + dy})


def _drag_pin(page: Page, dx: float) -> None:
    box = page.locator("#area-map .leaflet-marker-icon").bounding_box()
    assert box
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y, steps=8)
    page.mouse.up()


def _write(page: Page) -> None:
    page.get_by_label("警情通报").check()
    page.get_by_label("标题").fill("城关一小附近夜间盗窃电动车")
    page.get_by_label("内容").fill("请锁好车辆，发现可疑人员请报警。")
    page.get_by_label("公众（及全体会员）").check()


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["phone", "desk"])
def test_a_liaison_draws_a_circle_then_a_polygon(
    browser: Browser, live_server, police, school, viewport
) -> None:
    page, _ = open_as(browser, live_server.url, police, "/bulletins/write/", viewport=viewport)
    _write(page)
    expect(page.get_by_test_id("shape-circle")).to_be_checked()
    expect(page.get_by_test_id("undo-corner")).to_be_hidden()  # corners are the polygon's
    expect(page.locator("input[name=circle_latitude]")).to_have_value("")
    _tap(page, 0, 0)  # the middle: where the map opened, on the school
    expect(page.locator("input[name=circle_radius_km]")).to_have_value("1")
    circle = page.locator("#area-map .leaflet-overlay-pane path")
    expect(circle).to_have_count(1)
    one_km = circle.bounding_box()
    page.locator("input[name=circle_radius_km]").fill("2.5")  # drawn again with its radius
    expect(circle).to_have_count(1)
    two_and_a_half = circle.bounding_box()
    assert one_km and two_and_a_half
    assert two_and_a_half["width"] == pytest.approx(one_km["width"] * 2.5, rel=0.05)
    tapped = float(page.locator("input[name=circle_longitude]").input_value())
    assert abs(tapped - SCHOOL[1]) < 0.005
    _drag_pin(page, 40)  # a little east
    expect(page.locator("input[name=circle_longitude]")).not_to_have_value(str(tapped))
    page.get_by_test_id("area-map").scroll_into_view_if_needed()
    shot(page, "bulletin-area-circle")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("status")).to_be_visible()

    bulletin = Bulletin.objects.get()
    assert bulletin.circle_radius_km == 2.5
    assert abs(bulletin.circle_latitude - SCHOOL[0]) < 0.005
    assert SCHOOL[1] + 0.001 < bulletin.circle_longitude < SCHOOL[1] + 0.05  # where it was dragged
    assert bulletin.polygon == []

    page.goto(f"{live_server.url}/bulletins/{bulletin.pk}/edit/")
    expect(page.locator("input[name=circle_latitude]")).to_have_value(str(bulletin.circle_latitude))
    expect(page.locator("#area-map .leaflet-marker-icon")).to_have_count(1)  # the circle's pin
    page.get_by_test_id("shape-polygon").check()
    expect(page.locator("input[name=circle_latitude]")).to_be_disabled()  # not sent
    expect(page.locator("input[name=circle_latitude]")).to_be_hidden()
    for dx, dy in ((-60, -40), (60, -40), (0, 50)):
        _tap(page, dx, dy)
    expect(page.get_by_test_id("corners")).to_contain_text("3")
    shot(page, "bulletin-area-polygon")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("status")).to_be_visible()

    bulletin.refresh_from_db()
    assert len(bulletin.polygon) == 4
    assert bulletin.polygon[0] == bulletin.polygon[-1]
    top_left, top_right, bottom = bulletin.polygon[:3]
    assert top_left[0] == pytest.approx(top_right[0], abs=1e-4)  # the same height on the map
    assert top_left[1] < bottom[1] < top_right[1]
    assert bottom[0] < top_left[0]
    assert all(abs(lat - SCHOOL[0]) < 0.05 for lat, _lon in bulletin.polygon)
    assert not bulletin.has_circle

    # The draft opens again on its polygon.
    page.goto(f"{live_server.url}/bulletins/{bulletin.pk}/edit/")
    expect(page.get_by_test_id("shape-polygon")).to_be_checked()
    expect(page.get_by_test_id("corners")).to_contain_text("3")


def test_the_cap_fieldset_hides_for_safety_advice(browser: Browser, live_server, police) -> None:
    page, _ = open_as(browser, live_server.url, police, "/bulletins/write/")
    cap = page.get_by_test_id("cap")
    expect(cap).to_be_visible()
    page.get_by_label("防范提示").check()
    expect(cap).to_be_hidden()
    page.get_by_label("警情通报").check()
    expect(cap).to_be_visible()
    expect(page.get_by_test_id("area-map")).to_be_visible()
    # When and where a missing person was last seen: an urgent alert's fields alone.
    last_seen = page.get_by_test_id("last-seen")
    expect(last_seen).to_be_hidden()
    page.get_by_label("紧急协查").check()
    expect(last_seen).to_be_visible()
