"""The area concerned, as the write page takes it: a polygon is stored as CAP's closed ring, a
polygon that cannot be one is refused with a message and nothing is saved, and so is a circle
without its radius. Editing a draft offers its polygon back to the map."""

import json
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from yixun.bulletins.models import Bulletin

pytestmark = pytest.mark.django_db
TRIANGLE = [[30.1, 114.2], [30.12, 114.25], [30.08, 114.27]]


UNREAD = "The polygon could not be read: draw it again on the map."
TOO_FEW = "A polygon needs at least three different corners."
CORNER = "Each corner of the polygon is a latitude and a longitude."
OUTSIDE = "A corner of the polygon lies outside the earth's latitudes and longitudes."


def _says(response, message: str, **params: Any) -> bool:
    """Whether the page shows the message, in the language it was answered in (the lead
    translates the strings after these tests were written)."""
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        text = translation.gettext(message) % params if params else translation.gettext(message)
    return str(escape(text)) in response.content.decode()


def _post(client, **area: Any):
    fields = {"kind": "alert", "title": "城关镇夜间盗窃", "body": "请锁好车辆。", "to_public": "on"}
    return client.post(reverse("bulletins:write"), {**fields, **area})


def test_a_polygon_is_stored_closed(login, police):
    response = _post(login(police), polygon=json.dumps(TRIANGLE))
    assert response.status_code == 302
    bulletin = Bulletin.objects.get()
    assert bulletin.polygon == [*TRIANGLE, TRIANGLE[0]]
    assert not bulletin.has_circle


def test_a_closed_polygon_is_not_closed_twice(login, police):
    _post(login(police), polygon=json.dumps([*TRIANGLE, TRIANGLE[0]]))
    assert Bulletin.objects.get().polygon == [*TRIANGLE, TRIANGLE[0]]


@pytest.mark.parametrize(
    ("polygon", "message"),
    [
        ("[[30.1, 114.2", UNREAD),
        ('{"lat": 30.1}', UNREAD),
        (json.dumps(TRIANGLE[:2]), TOO_FEW),
        (json.dumps([*TRIANGLE[:2], TRIANGLE[0], TRIANGLE[1]]), TOO_FEW),
        (json.dumps([[30.1, 114.2], [30.1], [30.0, 114.0]]), CORNER),
        (json.dumps([[30.1, 114.2], ["30", 114.3], [30.0, 114.0]]), CORNER),
        (json.dumps([[30.1, 114.2], [True, 114.3], [30.0, 114.0]]), CORNER),
        (json.dumps([[91, 114.2], [30.1, 114.3], [30.0, 114.0]]), OUTSIDE),
        (json.dumps([[30.1, 181], [30.1, 114.3], [30.0, 114.0]]), OUTSIDE),
    ],
)
def test_a_bad_polygon_is_refused_with_a_message_and_nothing_saved(login, police, polygon, message):
    response = _post(login(police), polygon=polygon)
    assert response.status_code == 200
    assert _says(response, message)
    assert not Bulletin.objects.exists()


def test_a_hundred_corners_are_enough_and_more_are_refused(login, police):
    corners = [[30 + i / 1000, 114 + (i % 7) / 100] for i in range(101)]
    client = login(police)
    response = _post(client, polygon=json.dumps(corners))
    assert _says(response, "A polygon may have at most %(most)d corners.", most=100)
    assert not Bulletin.objects.exists()
    _post(client, polygon=json.dumps(corners[:100]))
    assert len(Bulletin.objects.get().polygon) == 101


def test_a_circle_without_its_radius_is_refused(login, police):
    response = _post(login(police), circle_latitude="30.1", circle_longitude="114.2")
    assert response.status_code == 200
    assert _says(response, "A circle needs its centre's latitude and longitude and its radius.")
    assert not Bulletin.objects.exists()


def test_a_circle_and_a_polygon_together_are_refused(login, police):
    circle = {"circle_latitude": "30.1", "circle_longitude": "114.2", "circle_radius_km": "2"}
    response = _post(login(police), polygon=json.dumps(TRIANGLE), **circle)
    assert _says(response, "Give the area as a circle or as a polygon, not both.")
    assert not Bulletin.objects.exists()


def test_a_circle_alone_is_stored_without_a_polygon(login, police):
    circle = {"circle_latitude": "30.1", "circle_longitude": "114.2", "circle_radius_km": "2"}
    _post(login(police), polygon="", **circle)
    bulletin = Bulletin.objects.get()
    assert (bulletin.circle_latitude, bulletin.circle_longitude) == (30.1, 114.2)
    assert bulletin.polygon == []


def test_editing_a_draft_gives_its_polygon_to_the_map(login, police):
    client = login(police)
    _post(client, polygon=json.dumps(TRIANGLE))
    bulletin = Bulletin.objects.get()
    page = client.get(reverse("bulletins:edit", args=[bulletin.pk])).content.decode()
    closed = json.dumps([*TRIANGLE, TRIANGLE[0]]).replace('"', "&quot;")
    assert f'name="polygon" value="{closed}"' in page
    assert 'id="area-centre"' in page
