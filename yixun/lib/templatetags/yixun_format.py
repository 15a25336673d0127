"""One way to show a phone number, a length of time and a label's colon on every page:
`{% load yixun_format %}` then `{{ user.phone|phone }}`, `{{ duty.hours|hours }}`,
`{{ duty.minutes|minutes }}`, `{% translate "Correction" %}{% colon %}`."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from yixun.lib import phone as phones

register = template.Library()


@register.filter(name="phone")
def phone(number: str | None) -> str:
    """139 1234 5678 for a mainland mobile, +44 20 7946 0958 for any other number."""
    return phones.display(number)


def _amount(value: Any) -> str | None:
    """A number with at most two decimals and no trailing zeros: 3.5, 12.25, 4."""
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        return None
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_hours(value: Any) -> str:
    """3.5 小时 / 3.5 h; an empty or unreadable value shows as a dash."""
    amount = _amount(value)
    return "—" if amount is None else _("%(h)s h") % {"h": amount}


def format_minutes(value: Any) -> str:
    """45 分钟 / 45 min."""
    amount = _amount(value)
    return "—" if amount is None else _("%(m)s min") % {"m": amount}


register.filter("hours", format_hours)
register.filter("minutes", format_minutes)


@register.simple_tag
def colon() -> str:
    """The colon after a label: "：" in Chinese, ": " in English."""
    return pgettext("label separator", ": ")


@register.simple_tag
def list_separator() -> str:
    """Between listed names: "、" in Chinese, ", " in English."""
    return pgettext("list separator", ", ")
