"""Squads are listed as people count them: town by town, 一 < 二 < 三 … 十 < 十一."""

import re

import pytest

from yixun.members.forms import CoverForm, DecisionForm, MemberFilterForm, TransferForm
from yixun.members.models import Squad
from yixun.members.models.members import numeral_value
from yixun.places.models import Area

NATURAL = ["城关一分队", "城关二分队", "城关三分队", "城关十分队", "城关十一分队"]


@pytest.fixture
def squads(db) -> list[Squad]:
    county = Area.objects.create(name="示范县", level=Area.Level.COUNTY)
    town = Area.objects.create(name="城关镇", level=Area.Level.TOWN, parent=county)
    later = Area.objects.create(name="三河镇", level=Area.Level.TOWN, parent=county)
    made = [Squad.objects.create(name=name, area=town) for name in reversed(NATURAL)]
    made += [Squad.objects.create(name=name, area=later) for name in ("三河二分队", "三河一分队")]
    return made


@pytest.mark.parametrize(
    ("numeral", "value"),
    [("一", 1), ("二", 2), ("十", 10), ("十一", 11), ("二十三", 23), ("一百零五", 105), ("12", 12)],
)
def test_numerals_are_read_as_numbers(numeral, value) -> None:
    assert numeral_value(numeral) == value


def test_squads_come_town_by_town_in_number_order(squads) -> None:
    names = [squad.name for squad in Squad.objects.in_natural_order()]
    assert names == [*NATURAL, "三河一分队", "三河二分队"]


@pytest.mark.parametrize("form", [MemberFilterForm, TransferForm, DecisionForm, CoverForm])
def test_the_forms_offer_squads_in_natural_order(squads, form) -> None:
    labels = [str(label) for value, label in form().fields["squad"].choices if value != ""]
    assert labels[:5] == NATURAL


def test_the_squads_page_lists_them_in_natural_order(login, officer, squads) -> None:
    html = login(officer).get("/squads/").content.decode()
    assert re.findall(r"(城关[一二三十]+分队)</a>", html) == NATURAL
