"""Calendar days as people type them: kept within the years Yixun plans for, so that no date
arithmetic (a week on, a month on) overflows into a server error."""

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

FIRST = dt.date(2000, 1, 1)
LAST = dt.date(2099, 12, 31)
OUT_OF_RANGE = _("Choose a day between 2000 and 2099.")


def parse(value: str | None, default: dt.date) -> dt.date:
    """A YYYY-MM-DD day from a link, or `default` when it is missing, malformed or out of range."""
    try:
        day = dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default
    return day if FIRST <= day <= LAST else default


class DayField(forms.DateField):
    """A form's day, shown as the phone's date picker, between 2000 and 2099."""

    # The picker reads and writes ISO days whatever the language; a localised "2026/12/03" shows blank.
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and not FIRST <= value <= LAST:
            raise ValidationError(OUT_OF_RANGE, code="out_of_range")
