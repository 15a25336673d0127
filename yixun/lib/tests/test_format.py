import pytest
from django.template import Context, Template
from django.utils import translation

from yixun.lib import phone
from yixun.members.models import Member


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+8613912345678", "139 1234 5678"),
        ("13912345678", "139 1234 5678"),
        ("+442079460958", "+44 20 7946 0958"),
        ("+861062345678", "+86 10 6234 5678"),  # a landline is not grouped as a mobile
        ("not a number", "not a number"),
        ("", ""),
        (None, ""),
    ],
)
def test_one_way_to_show_a_number(stored, shown) -> None:
    assert phone.display(stored) == shown


def render(source: str, **context) -> str:
    return Template("{% load yixun_format %}" + source).render(Context(context))


def test_the_filters_give_numbers_and_time_their_units() -> None:
    assert render("{{ n|phone }}", n="+8613912345678") == "139 1234 5678"
    with translation.override("en"):
        assert render("{{ h|hours }} {{ m|minutes }}", h=3.5, m=45) == "3.5 h 45 min"
        assert render("{{ h|hours }}", h="12.250") == "12.25 h"
        assert render("{{ h|hours }}", h=None) == "—"
        assert render("{% colon %}") == ": "
    with translation.override("zh-hans"):
        assert render("{{ h|hours }}", h=4) == "4 小时"
        assert render("{{ m|minutes }}", m=30) == "30 分钟"


def test_the_member_page_shows_every_number_one_way(login, officer, volunteer) -> None:
    member = Member.objects.get(user=volunteer)
    member.emergency_name, member.emergency_phone = "张母", "+8613800138099"
    member.save(update_fields=["emergency_name", "emergency_phone"])
    page = login(officer).get(f"/members/{member.pk}/").content.decode()
    assert "138 0013 8099" in page
    assert ">+8613800138099<" not in page and " +8613800138099" not in page


def test_listed_names_are_set_apart_in_each_language() -> None:
    from django.template import Context, Template
    from django.utils import translation

    listed = Template("{% load yixun_format %}甲{% list_separator %}乙")
    with translation.override("zh-hans"):
        assert listed.render(Context()) == "甲、乙"
    with translation.override("en"):
        assert listed.render(Context()) == "甲, 乙"
