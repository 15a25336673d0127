"""Checkbox groups on the join form and 我的会籍: the question is the legend of a fieldset
above its options, and each option is one label holding its box."""

import re

import pytest

from yixun.members.tests.test_review import notice  # noqa: F401 - fixture

GROUP = re.compile(
    r'<fieldset class="field choice-group[^"]*"[^>]*data-testid="choices-(\w+)">\s*<legend>([^<]+)</legend>'
)
OPTION = re.compile(r'<label for="id_availability_\d+"><input type="checkbox" name="availability"')


@pytest.mark.usefixtures("notice")
def test_the_join_form_asks_each_group_in_a_legend(public) -> None:
    html = public.get("/join/").content.decode()
    groups = dict(GROUP.findall(html))
    assert set(groups) == {"skills", "availability"}
    assert len(OPTION.findall(html)) >= 4


def test_my_membership_asks_each_group_in_a_legend(login, volunteer) -> None:
    html = login(volunteer).get("/me/membership/").content.decode()
    assert set(dict(GROUP.findall(html))) == {"skills", "availability"}
    assert len(OPTION.findall(html)) >= 4
