from typing import Any

from django import template

register = template.Library()


@register.filter
def is_list(value: Any) -> bool:
    return isinstance(value, list | tuple)


@register.filter
def is_mapping(value: Any) -> bool:
    return isinstance(value, dict)
