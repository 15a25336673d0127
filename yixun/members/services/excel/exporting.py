"""Rosters out to Excel: the officers' export and the empty template for an import."""

import io
import itertools
from collections.abc import Iterable
from typing import Any, cast

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from yixun.audit import services as audit
from yixun.lib import phone as phones
from yixun.lib import spreadsheets
from yixun.lib.errors import DomainError
from yixun.members.models import ContactScope, Member, Occupation, Squad
from yixun.members.services.excel.formats import IMPORT_COLUMNS, MAX_ROWS, format_skills
from yixun.members.services.roster import _require_officer


def template() -> bytes:
    """An empty roster in the import's shape, with drop-down lists for squads, kinds and occupations."""
    book = Workbook()
    sheet = cast(Worksheet, book.active)  # a new workbook always has one sheet
    sheet.title = _("Members")
    spreadsheets.append(
        sheet, [str(c.label) + (" *" if c.required else "") for c in IMPORT_COLUMNS]
    )
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    lists = book.create_sheet(_("Lists"))
    columns = {
        "squad": list(Squad.objects.values_list("name", flat=True)),
        "kind": [str(label) for _v, label in Member.Kind.choices],
        "occupation": [str(label) for _v, label in Occupation.choices],
    }
    for row in itertools.zip_longest(*columns.values()):  # one list per column
        spreadsheets.append(lists, row)
    for index, (key, values) in enumerate(columns.items(), start=1):
        letter = chr(ord("A") + index - 1)
        if values:
            target = chr(ord("A") + [c.key for c in IMPORT_COLUMNS].index(key))
            check = DataValidation(
                type="list", formula1=f"'{lists.title}'!${letter}$1:${letter}${len(values)}"
            )
            check.add(f"{target}2:{target}{MAX_ROWS}")
            sheet.add_data_validation(check)
    help_sheet = book.create_sheet(_("How to fill it in"))
    for line in (
        _("One member per row. Columns marked * are required."),
        _(
            "The resident ID number identifies a member: importing the same number again updates that member."
        ),
        _(
            "Skills: separate them with commas; put a detail in brackets after the skill, "
            "e.g. Driving licence (C1), First aid."
        ),
        _("Joined: a date such as 2024-03-01."),
        _("If any cell is wrong nothing is imported, and every wrong cell is listed."),
    ):
        spreadsheets.append(help_sheet, [line])
    for column in "ABCDEFGHIJ":
        sheet.column_dimensions[column].width = 18
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_roster(
    *, members: Iterable[Member], viewer: Any, reveal_ids: bool = False, reason: str = ""
) -> bytes:
    """The roster as .xlsx. ID numbers are masked unless an officer asks, with a reason (audited);
    phone numbers and emergency contacts appear only where the viewer may see them."""
    members = list(members)
    if reveal_ids:
        _require_officer(viewer)
        if len(reason.strip()) < 4:
            raise DomainError(_("Say why the export needs full ID numbers."), code="reason_needed")
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Members"))
    # The import's columns under the import's names, so that an officer's export reads back in;
    # the rest (sex, age, status, cover) the import passes over.
    label = {column.key: column.label for column in IMPORT_COLUMNS}
    spreadsheets.append(
        sheet,
        [str(title) for title in (
            label["name"], label["phone"], label["id_number"], _("Sex"), _("Age"), label["squad"],
            label["kind"], _("Status"), label["occupation"], label["skills"], label["joined_on"],
            _("Insured today"), _("Minor"), label["emergency_name"], label["emergency_phone"],
        )],
    )  # fmt: skip
    scope = ContactScope(viewer)
    officer = scope.everyone
    for member in members:
        contact = scope.covers(member)
        spreadsheets.append(
            sheet,
            [
                member.user.name,
                phones.display(member.user.phone) if contact else phones.mask(member.user.phone),
                member.decrypted_id_number()
                if reveal_ids
                else member.id_number_masked
                if officer or member.user_id == scope.viewer_id
                else "",
                member.get_sex_display() if contact else "",
                member.age if contact else "",
                str(member.squad or ""),
                member.get_kind_display(),
                member.get_status_display(),
                member.get_occupation_display(),
                format_skills(member.skills.all()),
                member.joined_on,
                _("yes") if getattr(member, "is_covered", False) else _("no"),
                _("yes") if member.is_minor else "",
                member.emergency_name if contact else "",
                phones.display(member.emergency_phone)
                if contact and member.emergency_phone
                else "",
            ],
        )
    with transaction.atomic():
        audit.record(
            actor=viewer,
            action="members.roster.exported",
            data={"rows": len(members), "full_id_numbers": reveal_ids, "reason": reason.strip()},
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
