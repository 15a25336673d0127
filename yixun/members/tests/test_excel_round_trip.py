"""An officer's export imports back as it is: nothing new, nothing changed, until a cell is edited."""

import datetime as dt
import io
import re
import time
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from yixun.accounts.models import User
from yixun.audit.models import AuditEntry
from yixun.demo import county
from yixun.lib import phone as phones
from yixun.lib import resident_id
from yixun.members.models import Member, MemberSkill, RulebookVersion, Skill
from yixun.members.services import applications, excel, rulebook

REASON = "年度名册核对"


def export(client: Any) -> bytes:
    """The officer's roster with full ID numbers, as the members page gives it."""
    response = client.post("/members/export/", {"reason": REASON})
    assert response.status_code == 200
    return response.content


def edited(content: bytes, key: str, change: Any) -> tuple[bytes, str]:
    """The file with one cell of the column `key` changed by `change(old value)` (the first row
    where it changes something); returns the file and the member's mobile number on that row."""
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    column, phone = (
        header.index(next(str(c.label) for c in excel.IMPORT_COLUMNS if c.key == wanted))
        for wanted in (key, "phone")
    )
    for row in sheet.iter_rows(min_row=2):
        new = change(row[column].value)
        if new is not None:
            row[column].value = new
            break
    else:
        raise AssertionError(f"no row to change in {key}")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), phones.normalize_mobile(str(row[phone].value))


# The demo association.


def build_demo_roster() -> User:
    """The full demo association's members, as `manage.py demo` makes them (the same builder, the
    same seed), without the calendar, the years of duty and the tips that it builds after them:
    no roster column shows those, and they are nine tenths of the build's time. Returns the
    demo's officer."""
    builder = county.Builder("full", 2011, lambda step: None)
    with transaction.atomic():
        for step in county.STEPS[: county.STEPS.index("members") + 1]:
            getattr(builder, step)()
    return User.objects.get(phone="+86" + county.LOGINS[0][0])


def test_the_whole_demo_roster_imports_back_unchanged(db, client) -> None:
    started = time.monotonic()
    officer = build_demo_roster()
    members = Member.objects.count()
    assert members == county.SIZES["full"].volunteers
    # What broke the round trip before is in the demo: minors admitted with their guardian's
    # consent, and skills with a detail.
    assert any(member.is_minor for member in Member.objects.all())
    assert MemberSkill.objects.exclude(detail="").exists()
    client.force_login(officer)
    built = time.monotonic()

    content = export(client)
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    assert sum(1 for _row in sheet.iter_rows(values_only=True)) == members + 1
    result = excel.import_roster(data=content, actor=officer, filename="roster.xlsx")

    assert result == excel.ImportResult(created=0, updated=0, unchanged=members)
    assert not AuditEntry.objects.filter(action="members.member.imported").exists()
    # The export and the import of 2,000 members take a few seconds; this is ten times that.
    assert time.monotonic() - built < 30, (built - started, time.monotonic() - built)


def test_one_edited_cell_is_one_change(db, client) -> None:
    officer = build_demo_roster()
    client.force_login(officer)
    members = Member.objects.count()
    content, phone = edited(
        export(client),
        "skills",
        lambda skills: skills.replace("(C1)", "(B2)") if skills and "(C1)" in skills else None,
    )

    result = excel.import_roster(data=content, actor=officer)

    assert result == excel.ImportResult(created=0, updated=1, unchanged=members - 1)
    member = Member.objects.get(user__phone=phone)
    assert member.skills.get(skill=Skill.DRIVING).detail == "B2"
    entry = AuditEntry.objects.get(action="members.member.imported")
    assert (entry.target_id, entry.data) == (str(member.pk), {"fields": ["skills"]})


# The skills cell: one format, written and read.


def skills_of(*entries: tuple[str, str]) -> list[MemberSkill]:
    return [MemberSkill(skill=skill, detail=detail) for skill, detail in entries]


def test_skills_are_written_with_their_detail_in_brackets() -> None:
    # In the association's language, whatever an earlier test in this process left active.
    with translation.override("zh-hans"):
        cell = excel.format_skills(
            skills_of(("driving", "C1"), ("first_aid", ""), ("language", "英语"))
        )
    assert cell == "驾驶证 (C1)、急救、外语或方言 (英语)"
    assert excel.parse_skills(cell) == (
        [("driving", "C1"), ("first_aid", ""), ("language", "英语")],
        [],
    )


@pytest.mark.parametrize(
    ("cell", "read"),
    [
        ("外语或方言 (英语, 粤语)、急救", [("language", "英语, 粤语"), ("first_aid", "")]),
        ("Languages（英语、粤语）， First aid", [("language", "英语、粤语"), ("first_aid", "")]),
        ("驾驶证:C1, first_aid", [("driving", "C1"), ("first_aid", "")]),  # as typed before
        ("Driving licence：C1，急救", [("driving", "C1"), ("first_aid", "")]),
        ("急救、急救 (AHA)", [("first_aid", "")]),  # once each: the first says
        ("", []),
    ],
)
def test_the_skills_cell_is_read_as_written_and_as_typed(cell: str, read: list[Any]) -> None:
    assert excel.parse_skills(cell) == (read, [])


def test_what_cannot_be_read_in_a_skills_cell_is_named() -> None:
    skills, problems = excel.parse_skills("急救、飞行、驾驶证 (C1")
    assert skills == [("first_aid", "")]
    assert problems == [
        _("Unknown skill “%(skill)s”.") % {"skill": "飞行"},
        _("A bracket is not closed in “%(skill)s”.") % {"skill": "驾驶证 (C1"},
    ]


DETAIL = st.text(alphabet="C1B2英语粤语 ,，、()（）:：-x", max_size=20)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a busy CI machine
@given(st.lists(st.tuples(st.sampled_from(Skill.values), DETAIL), unique_by=lambda entry: entry[0]))
def test_any_skills_read_back_as_they_were_written(entries: list[tuple[str, str]]) -> None:
    for _skill, detail in entries:
        assume(detail == detail.strip())
        # The one thing the cell cannot tell apart: a detail that closes its bracket and starts
        # the next skill within itself.
        assume(not re.search(r"[)）]\s*[,，、]", detail))
    assert excel.parse_skills(excel.format_skills(skills_of(*entries))) == (entries, [])


# Ages: the joining rules are for newcomers.


@pytest.fixture
def notice(officer) -> RulebookVersion:
    document = rulebook.create_document(kind="membership_notice", title="入会须知", actor=officer)
    return rulebook.publish_version(
        document=document, body="# 入会须知\n\n服从安排。", change_note="", actor=officer
    )


def born_years_ago(years: int, serial: int) -> str:
    born = timezone.localdate().replace(month=1, day=1) - dt.timedelta(days=365 * years)
    first17 = f"420923{born:%Y%m%d}{serial:03d}"
    return first17 + resident_id.check_character(first17)


@pytest.fixture
def seventeen(notice, officer) -> Member:
    """A 17-year-old admitted through the application form with their guardian's consent."""
    application, _token = applications.submit_application(
        submission=applications.Submission(
            name="高小明",
            phone="+8613700000017",
            id_number=resident_id.parse(born_years_ago(17, 17)),
            notice_version=notice,
            emergency_name="高母",
            emergency_phone="+8613800138000",
            guardian_name="高父",
            guardian_phone="+8613800138001",
            guardian_consent=True,
        ),
        address="198.51.100.17",
    )
    member = applications.approve_application(application=application, actor=officer)
    assert member.is_minor
    return member


def test_a_member_under_18_is_updated_by_an_import(login, officer, seventeen) -> None:
    content, _name = edited(export(login(officer)), "emergency_name", lambda _old: "高叔")
    result = excel.import_roster(data=content, actor=officer)
    assert result == excel.ImportResult(created=0, updated=1, unchanged=0)
    assert Member.objects.get(pk=seventeen.pk).emergency_name == "高叔"


def test_a_new_minor_in_the_same_file_is_still_refused(login, officer, seventeen) -> None:
    book = load_workbook(io.BytesIO(export(login(officer))))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    for n, (years, serial) in enumerate([(17, 18), (15, 15)], start=1):
        row = [None] * len(header)
        row[:3] = [f"新队员{n}", f"1370000010{n}", born_years_ago(years, serial)]
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(excel.ImportRejected) as refusal:
        excel.import_roster(data=out.getvalue(), actor=officer)
    assert [(e.row, e.message) for e in refusal.value.errors] == [
        (
            3,
            _("Members under 18 join through the application form, with their guardian's consent."),
        ),
        (4, applications.too_young_message()),
    ]
    assert Member.objects.count() == 1


def test_a_masked_export_is_refused_with_the_reason(login, officer, seventeen) -> None:
    masked = login(officer).get("/members/export/").content
    with pytest.raises(excel.ImportRejected) as refusal:
        excel.import_roster(data=masked, actor=officer)
    assert [(e.row, e.message) for e in refusal.value.errors] == [
        (2, _("This ID number is masked. Import a roster exported with full ID numbers."))
    ]
