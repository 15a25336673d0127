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


TRANSLATING = {"_", "_lazy", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy"}


def messages_in_code() -> set[tuple[str, str]]:
    """Each string the Python code hands to gettext under any of its names: (file, msgid)."""
    import ast

    found = set()
    for path in (Path(settings.BASE_DIR) / "yixun").rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in TRANSLATING
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add((str(path.relative_to(settings.BASE_DIR)), node.args[0].value))
    return found


def test_every_message_in_the_code_is_in_the_catalogue() -> None:
    """`make messages` was run, and it read every name gettext goes by (`_lazy` too): a string
    missing here is shown in English to everyone."""
    msgids = {entry.msgid for entry in polib.pofile(str(CATALOGUE))}
    missing = sorted(item for item in messages_in_code() if item[1] not in msgids)
    assert missing == []
