"""The shapes both sides of the roster share: its columns, and how a skills cell reads."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yixun.members.models import MemberSkill, Skill

MAX_ROWS = 20_000


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # lazy translation
    required: bool = False


IMPORT_COLUMNS = (
    Column("name", gettext_lazy("Name"), required=True),
    Column("phone", gettext_lazy("Mobile number"), required=True),
    Column("id_number", gettext_lazy("Resident ID number"), required=True),
    Column("squad", gettext_lazy("Squad")),
    Column("kind", gettext_lazy("Kind")),
    Column("occupation", gettext_lazy("Occupation")),
    Column("skills", gettext_lazy("Skills")),
    Column("emergency_name", gettext_lazy("Emergency contact")),
    Column("emergency_phone", gettext_lazy("Emergency contact's phone")),
    Column("joined_on", gettext_lazy("Joined")),
)


def _labels(choices: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """Accept a choice by its code, its Chinese label or its English label."""
    from django.utils import translation

    found: dict[str, str] = {}
    for value, label in choices:
        found[value.lower()] = value
        for language in ("zh-hans", "en"):
            with translation.override(language):
                found[str(label).lower()] = value
    return found


# One cell holds all of a member's skills. The export writes them with `format_skills` and the
# import reads them with `parse_skills`, so that a file exported and imported again is the same.
SKILL_SEPARATORS = ",，、"
OPENING_BRACKETS, CLOSING_BRACKETS = "(（", ")）"


def format_skills(skills: Iterable[MemberSkill]) -> str:
    """A member's skills as one cell: 驾驶证 (C1)、急救."""
    return "、".join(
        f"{entry.get_skill_display()} ({entry.detail})"
        if entry.detail
        else str(entry.get_skill_display())
        for entry in skills
    )


def parse_skills(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Read a skills cell: the skills (code, detail), each once, and what could not be read.

    Skills are named by their Chinese or English name or their code, separated by commas
    (, ， or 、), each with an optional detail in brackets, as `format_skills` writes them. A
    detail may hold commas of its own ("Languages (English, Cantonese)"): a separator inside an
    open bracket belongs to the detail. A detail after a colon ("Driving licence:C1"), as the
    template once advised, is read too.
    """
    known = _skill_names()
    items, current = [], ""
    # re.split with a group keeps the separators: the odd places of the list.
    for place, piece in enumerate(re.split(f"([{SKILL_SEPARATORS}])", text)):
        if place % 2 and not _bracket_open(current):
            items.append(current)
            current = ""
        else:
            current += piece
    items.append(current)
    found: dict[str, str] = {}
    problems = []
    for item in filter(None, (item.strip() for item in items)):
        opening = next((i for i, char in enumerate(item) if char in OPENING_BRACKETS), None)
        if opening is not None:
            if _bracket_open(item):
                problems.append(_("A bracket is not closed in “%(skill)s”.") % {"skill": item})
                continue
            name, detail = item[:opening], item[opening + 1 : -1]
        else:
            name, _colon, detail = item.replace("：", ":").partition(":")
        skill = known.get(name.strip().lower())
        if skill is None:
            problems.append(_("Unknown skill “%(skill)s”.") % {"skill": name.strip()})
        else:
            found.setdefault(
                skill, detail.strip()[: MemberSkill._meta.get_field("detail").max_length]
            )
    return list(found.items()), problems


@cache
def _skill_names() -> dict[str, str]:
    return _labels(Skill.choices)


def _bracket_open(item: str) -> bool:
    """Whether the skill has a detail in brackets that has not ended yet."""
    return any(char in OPENING_BRACKETS for char in item) and not item.rstrip().endswith(
        tuple(CLOSING_BRACKETS)
    )
