"""Chinese first: every message the code says has its Chinese, with the same placeholders."""

import re
from pathlib import Path

import polib
from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "yixun/locale/zh_Hans/LC_MESSAGES/django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdf]|\{\{ *(\w+) *\}\}|%[sd]")


def placeholders(text: str) -> list[str]:
    return sorted(
        "".join(match.groups("")) or match.group(0) for match in PLACEHOLDER.finditer(text)
    )


def test_every_message_is_translated_and_none_is_a_guess() -> None:
    catalogue = polib.pofile(str(CATALOGUE))
    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    guessed = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert missing == []
    assert guessed == []


def test_translations_keep_the_placeholders() -> None:
    for entry in polib.pofile(str(CATALOGUE)).translated_entries():
        if entry.msgid_plural:
            for translation in entry.msgstr_plural.values():
                assert set(placeholders(translation)) <= set(
                    placeholders(entry.msgid_plural) + placeholders(entry.msgid)
                ), entry.msgid
        else:
            assert placeholders(entry.msgstr) == placeholders(entry.msgid), entry.msgid
