from typing import Any

from django import template

from yixun.members.models import Availability, Skill
from yixun.members.services.privacy import LABELS

register = template.Library()


@register.filter
def is_list(value: Any) -> bool:
    return isinstance(value, list | tuple)


@register.filter
def is_mapping(value: Any) -> bool:
    return isinstance(value, dict)


@register.filter
def skill_label(code: str) -> str:
    return str(Skill(code).label) if code in Skill.values else code


@register.filter
def availability_label(code: str) -> str:
    return str(Availability(code).label) if code in Availability.values else code


@register.filter
def data_label(key: str) -> str:
    """A key of the personal-data download, in the reader's language."""
    return str(LABELS.get(key, key))
