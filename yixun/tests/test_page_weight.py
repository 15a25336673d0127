"""What a phone downloads on first opening the pages people open every day: the page and every
stylesheet and script it loads from Yixun, compressed as they are sent, within 50 KB (the map
library, loaded only where a map is shown, comes on top). Sizes, not timings: first paint on a
throttled link is measured by `make bench`."""

import gzip
import re
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from yixun.tests.home_world import build_day

# Records made hours ago must still fall on today's date (conftest.midday).
pytestmark = pytest.mark.usefixtures("midday")

BUDGET = 50 * 1024
ASSET = re.compile(r'<(?:script|link)[^>]+(?:src|href)="/static/([^"]+\.(?:js|css))"')


def first_load(client: Client, path: str) -> tuple[int, list[str]]:
    page = client.get(path, HTTP_ACCEPT_ENCODING="gzip")
    assert page.status_code == 200, path
    assert page["Content-Encoding"] == "gzip", "pages go out compressed"
    assets = [
        name
        for name in ASSET.findall(gzip.decompress(page.content).decode())
        if "leaflet" not in name
    ]
    size = len(page.content)
    for name in assets:
        found = finders.find(name)
        assert found, name
        with open(found, "rb") as asset:
            size += len(gzip.compress(asset.read()))
    return size, assets


@pytest.fixture
def day(squad, leader, volunteer, volunteer2, other_volunteer, moderator, police, officer) -> Any:
    return build_day(
        squad=squad, leader=leader, volunteer=volunteer, volunteer2=volunteer2,
        moderator=moderator, police=police, officer=officer,
    )  # fmt: skip


@pytest.mark.parametrize("path", ["/", "/calendar/", "/me/patrols/", "/duty/"])
def test_a_volunteers_daily_pages_load_within_the_budget(day, login, volunteer, path) -> None:
    size, assets = first_load(login(volunteer), path)
    assert size <= BUDGET, f"{path}: {size} bytes with {assets}"


@pytest.mark.parametrize("path", ["/", "/tips/new/"])
def test_the_public_pages_load_within_the_budget(db, public, path) -> None:
    size, assets = first_load(public, path)
    assert size <= BUDGET, f"{path}: {size} bytes with {assets}"
