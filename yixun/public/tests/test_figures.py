"""The public's figures: this year's on the home page, equal to what the figures count, and every
year's since the first record, for the county or a town; no names, no way down to the records."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from yixun.places.models import Area
from yixun.public.models import DEFAULT_FIGURES, PublicSite
from yixun.public.services import save_public_site
from yixun.public.tests.conftest import worked
from yixun.stats import figures
from yixun.stats.figures import Scope

pytestmark = pytest.mark.usefixtures("midday")


def test_the_home_shows_this_year_s_figures_as_counted(
    school, market, volunteer, volunteer2, other_volunteer, public: Client
) -> None:
    this_year = timezone.localdate().year
    worked(school, market, volunteer, volunteer2)
    worked(school, market, other_volunteer, year=this_year - 1)  # not this year's
    page = public.get("/")
    counted = figures.compute(Scope(first=dt.date(this_year, 1, 1)))
    shown = {f.name: f.value for f in page.context["figures"]}
    assert list(shown) == DEFAULT_FIGURES
    assert shown == {name: counted[name] for name in DEFAULT_FIGURES}
    assert shown["volunteers"] == 2 and shown["accidents"] == 1
    html = page.content.decode()
    assert f'<a href="/our-work/#y{this_year}" data-figure="volunteers"><b>2</b>' in html


def test_the_home_and_the_figures_page_agree(
    school, market, volunteer, other_volunteer, public: Client
) -> None:
    this_year = timezone.localdate().year
    worked(school, market, volunteer)
    home = {f.name: f.value for f in public.get("/").context["figures"]}
    page = public.get(reverse("public:figures"))
    year, values = page.context["rows"][0]
    assert year == this_year
    assert dict(values) == home


def test_a_recorded_change_shows_at_once_on_both_pages(
    school, market, volunteer, other_volunteer, public: Client, django_capture_on_commit_callbacks
) -> None:
    worked(school, market, volunteer)
    before = {f.name: f.value for f in public.get("/").context["figures"]}
    with django_capture_on_commit_callbacks(execute=True):  # counted anew once it is committed
        worked(school, market, other_volunteer)  # recorded through the services, so audited
    after = {f.name: f.value for f in public.get("/").context["figures"]}
    assert after["volunteers"] == before["volunteers"] + 1
    _year, values = public.get(reverse("public:figures")).context["rows"][0]
    assert dict(values) == after


def test_the_figures_page_has_a_row_a_year_since_the_first_record(
    school, market, volunteer, volunteer2, other_volunteer, public: Client
) -> None:
    this_year = timezone.localdate().year
    worked(school, market, volunteer, year=this_year - 3)
    worked(school, market, volunteer, volunteer2, year=this_year - 1)
    page = public.get(reverse("public:figures"))
    rows = {year: dict(values) for year, values in page.context["rows"]}
    assert list(rows) == [this_year, this_year - 1, this_year - 2, this_year - 3]
    assert [rows[year]["volunteers"] for year in rows] == [0, 2, 0, 1]
    last_year = figures.compute(
        Scope(first=dt.date(this_year - 1, 1, 1), last=dt.date(this_year - 1, 12, 31))
    )
    assert rows[this_year - 1] == {name: last_year[name] for name in DEFAULT_FIGURES}
    html = page.content.decode()
    assert f'<tr id="y{this_year - 1}" data-year="{this_year - 1}">' in html
    assert '<td data-figure="volunteers">2</td>' in html


def test_the_figures_page_shows_the_chosen_figures_without_names_or_records(
    officer, school, market, volunteer, public: Client
) -> None:
    save_public_site(actor=officer, intro="", about_extra="", contact="", figures=["hours"])
    worked(school, market, volunteer)
    page = public.get(reverse("public:figures"))
    assert [name for name, _label in page.context["columns"]] == ["hours"]
    html = page.content.decode()
    assert "张志愿" not in html and "城关一中" not in html
    assert "/figures/" not in html  # no drill-down to the records


def test_a_town_s_figures(school, market, volunteer, public: Client) -> None:
    worked(school, market, volunteer)
    other = Area.objects.create(name="河口镇", level="town", parent=school.area.parent)
    page = public.get(reverse("public:figures"), {"area": other.pk})
    assert page.context["area"] == other
    assert all(value == 0 for _name, value in page.context["rows"][0][1])
    page = public.get(reverse("public:figures"), {"area": school.area.pk})
    assert dict(page.context["rows"][0][1])["volunteers"] == 1
    # A community, a county or nonsense is not a town: the whole county is shown.
    for wrong in (school.area.parent.pk, "x' OR 1=1", "99999"):
        assert public.get(reverse("public:figures"), {"area": wrong}).context["area"] is None


def test_the_figures_page_caps_its_queries(
    school, market, volunteer, public: Client, django_assert_max_num_queries
) -> None:
    this_year = timezone.localdate().year
    for year in range(this_year - 14, this_year + 1):
        worked(school, market, volunteer, year=year)
    PublicSite.current()
    with CaptureQueriesContext(connection) as one_year:
        figures.compute(Scope(first=dt.date(this_year, 1, 1)))
    # The first record (4), a few per year (15 years), the towns: counted once a minute.
    with django_assert_max_num_queries(4 + len(one_year) * 15 + 2):
        public.get(reverse("public:figures"))
    with django_assert_max_num_queries(2):
        public.get(reverse("public:figures"))


def test_the_public_home_caps_its_queries(
    school, market, volunteer, public: Client, django_assert_max_num_queries
) -> None:
    worked(school, market, volunteer)
    public.get("/")
    with django_assert_max_num_queries(3):
        public.get("/")
