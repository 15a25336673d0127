import datetime as dt

from django import forms
from django.utils import translation

from yixun.lib.days import DayField


class OneDay(forms.Form):
    day = DayField()


def test_a_saved_day_shows_in_the_date_picker_in_chinese_too() -> None:
    """A date input reads only ISO days: a localised "2026/12/03" leaves the picker blank, and
    the form then fails as if the day were missing."""
    for language in ("zh-hans", "en"):
        with translation.override(language):
            html = str(OneDay(initial={"day": dt.date(2026, 12, 3)})["day"])
        assert 'value="2026-12-03"' in html, (language, html)
