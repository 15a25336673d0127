"""The site poster embeds its Chinese font, draws every character with a real glyph, and
speaks one language from title to footer."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import translation

from yixun.places import posters
from yixun.places.models import Area, Site


@pytest.fixture
def school(db) -> Site:
    county = Area.objects.create(name="平安县", level="county")
    town = Area.objects.create(name="城关镇", level="town", parent=county)
    return Site.objects.create(
        name="城关一中",
        kind="school",
        area=town,
        address="城关镇学府路 1 号",
        latitude=Decimal("30.000000"),
        longitude=Decimal("114.000000"),
        watch_from=dt.time(7),
        watch_until=dt.time(18),
    )


def test_the_chinese_font_is_embedded(login, officer, school) -> None:
    pdf = login(officer).get(f"/sites/{school.pk}/poster.pdf").content
    assert b"/FontFile2" in pdf  # the TrueType outlines travel inside the file
    assert re.search(rb"/BaseFont /[A-Z]{6}\+WenQuanYiMicroHei", pdf)  # a subset of it
    assert b"STSong" not in pdf  # no font left for the reader to supply


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_character_has_a_glyph(school, language: str) -> None:
    glyphs = posters.chinese_font().face.charToGlyph
    with translation.override(language):
        texts = posters.poster_texts(school)
    missing = {char for text in texts.values() for char in text if glyphs.get(ord(char), 0) == 0}
    assert not missing  # each would print as .notdef, an empty box


def test_the_title_speaks_the_posters_language(school) -> None:
    with translation.override("zh-hans"):
        texts = posters.poster_texts(school)
        pdf = posters.poster_pdf(school)
    for name, text in texts.items():
        assert not re.search(r"[A-Za-z]{2,}", text), (name, text)
    assert texts["title"] == "城关一中 · 签到码"
    title = re.search(rb"/Title \((.*?)\)\s*/", pdf, re.S)
    assert title and b"check-in" not in title.group(1)
    with translation.override("en"):
        assert posters.poster_texts(school)["title"] == "城关一中 · check-in code"
