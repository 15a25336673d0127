"""Rosters in from Excel (all rows or none, every bad cell named) and out to Excel (masked unless asked)."""

import datetime as dt
import html
import io
import re
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from yixun.accounts import services as accounts
from yixun.accounts.models import User
from yixun.audit.models import AuditEntry
from yixun.lib import crypto, resident_id
from yixun.members.models import Member, MemberSkill, Skill, SquadTransfer
from yixun.members.services import excel
from yixun.members.services.errors import NotAllowed

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOT_OFFICERS = ["leader", "volunteer", "moderator", "police"]
KEYS = [column.key for column in excel.IMPORT_COLUMNS]


def id_number(n: int) -> str:
    """A valid resident ID number, different for each n below 365,000."""
    born = dt.date(1970, 1, 1) + dt.timedelta(days=n // 1000)
    first17 = f"420923{born:%Y%m%d}{n % 1000:03d}"
    return first17 + resident_id.check_character(first17)


def wrong_check(number: str) -> str:
    return number[:17] + ("1" if number[17] != "1" else "2")


def person(n: int, **cells: Any) -> dict[str, Any]:
    return {"name": f"队员{n}", "phone": f"1370000{n:04d}", "id_number": id_number(n), **cells}


def workbook(rows: list[dict[str, Any]], header: list[str] | None = None) -> bytes:
    """An .xlsx with a header row (the column codes unless given) and one row per dict."""
    book = Workbook()
    sheet = book.active
    sheet.append(header or KEYS)
    for row in rows:
        sheet.append([row.get(key) for key in KEYS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def labels() -> dict[str, str]:
    """Column names as the importer reports them, in the language active now."""
    return {column.key: str(column.label) for column in excel.IMPORT_COLUMNS}


def rejected(data: bytes, officer) -> set[tuple[int, str]]:
    with pytest.raises(excel.ImportRejected) as refusal:
        excel.import_roster(data=data, actor=officer, filename="roster.xlsx")
    return {(error.row, error.column) for error in refusal.value.errors}


def upload(data: bytes, name: str = "roster.xlsx") -> dict[str, Any]:
    return {"file": SimpleUploadedFile(name, data, content_type=XLSX)}


def sheet_rows(content: bytes) -> list[tuple[Any, ...]]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


def error_rows(page: str) -> list[tuple[str, str]]:
    found = re.search(r'data-testid="import-errors".*?<tbody>(.*?)</tbody>', page, re.S)
    assert found, "no table of import errors"
    return [
        (html.unescape(row), html.unescape(column))
        for row, column in re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td>", found.group(1))
    ]


# The template.


def test_the_template_opens_with_the_import_header_row(officer, squad) -> None:
    book = load_workbook(io.BytesIO(excel.template()))
    header = [cell.value for cell in book.worksheets[0][1]]
    assert header == [
        str(column.label) + (" *" if column.required else "") for column in excel.IMPORT_COLUMNS
    ]
    assert squad.name in [cell.value for cell in book.worksheets[1]["A"]]


def test_a_filled_in_template_imports(officer, squad) -> None:
    book = load_workbook(io.BytesIO(excel.template()))
    book.worksheets[0].append(["孙立新", "13700000001", id_number(1), squad.name])
    out = io.BytesIO()
    book.save(out)
    result = excel.import_roster(data=out.getvalue(), actor=officer)
    assert result == excel.ImportResult(created=1, updated=0, unchanged=0)
    assert Member.objects.get(user__name="孙立新").squad == squad


def test_officers_download_the_template(login, officer) -> None:
    response = login(officer).get("/members/import/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert load_workbook(io.BytesIO(response.content)).worksheets[0]["A1"].value


# Importing.


def test_a_good_file_imports_members(login, officer, squad) -> None:
    rows = [
        person(
            1,
            squad=squad.name,
            kind="固定队员",
            occupation="Teacher",
            skills="Driving licence:C1，first_aid",
            emergency_name="孙母",
            emergency_phone="138 0013 8000",
            joined_on="2024-03-01",
        ),
        person(
            2,
            phone=13700000002,
            kind="registered",
            occupation="medical",
            skills="Swimming and water rescue",
        ),
        person(3, kind="Core member", joined_on=dt.date(2023, 5, 4)),
    ]
    response = login(officer).post("/members/import/", upload(workbook(rows)))
    assert response.status_code == 200
    assert 'data-testid="import-result"' in response.content.decode()
    assert response.context["result"] == excel.ImportResult(created=3, updated=0, unchanged=0)

    first = Member.objects.select_related("user").get(user__phone="+8613700000001")
    assert first.user.name == "队员1"
    assert first.user.roles == frozenset({"volunteer"})
    assert not first.user.has_usable_password()
    assert first.squad == squad
    assert (first.kind, first.occupation) == (Member.Kind.CORE, "teacher")
    assert first.id_number_encrypted and id_number(1) not in first.id_number_encrypted
    assert first.decrypted_id_number() == id_number(1)
    assert first.id_number_digest == crypto.blind_index(id_number(1))
    assert first.id_number_masked == resident_id.mask(id_number(1))
    assert first.birth_date == dt.date(1970, 1, 1)
    assert {(s.skill, s.detail) for s in first.skills.all()} == {
        (Skill.DRIVING, "C1"),
        (Skill.FIRST_AID, ""),
    }
    assert (first.emergency_name, first.emergency_phone) == ("孙母", "+8613800138000")
    assert first.joined_on == dt.date(2024, 3, 1)

    second = Member.objects.get(user__phone="+8613700000002")
    assert (second.squad, second.kind, second.occupation) == (
        None,
        Member.Kind.REGISTERED,
        "medical",
    )
    assert second.skill_set() == {Skill.SWIMMING}
    third = Member.objects.get(user__phone="+8613700000003")
    assert third.kind == Member.Kind.CORE
    assert third.joined_on == dt.date(2023, 5, 4)
    entry = AuditEntry.objects.get(action="members.roster.imported")
    assert entry.actor == officer
    assert entry.data == {"file": "roster.xlsx", "created": 3, "updated": 0, "unchanged": 0}


def test_english_headers_and_an_empty_kind_are_understood(officer) -> None:
    header = ["Name", "Mobile number", "Resident ID number", "Squad", "Kind"]
    data = workbook([person(1)], header=header)
    assert excel.import_roster(data=data, actor=officer).created == 1
    assert Member.objects.get(user__phone="+8613700000001").kind == Member.Kind.VOLUNTEER


def test_one_bad_row_imports_nothing(officer, squad) -> None:
    rows = [person(1), person(2), person(3, phone="12345"), person(4)]
    users, members = User.objects.count(), Member.objects.count()
    assert rejected(workbook(rows), officer) == {(4, labels()["phone"])}
    assert (User.objects.count(), Member.objects.count()) == (users, members)
    assert not AuditEntry.objects.filter(action="members.roster.imported").exists()


def test_every_bad_cell_is_named_with_its_row_and_column(officer, squad, volunteer2) -> None:
    rows = [
        person(1),  # row 2, good
        person(2, phone="12345"),  # row 3
        person(3, id_number=wrong_check(id_number(3))),  # row 4
        person(4, squad="不存在的分队"),  # row 5
        person(5, id_number=id_number(1)),  # row 6: row 2's number
        person(6, phone="13900000003"),  # row 7: volunteer2's number
        person(7, kind="boss", occupation="astronaut", skills="flying"),  # row 8
    ]
    column = labels()
    assert rejected(workbook(rows), officer) == {
        (3, column["phone"]),
        (4, column["id_number"]),
        (5, column["squad"]),
        (6, column["id_number"]),
        (7, column["phone"]),
        (8, column["kind"]),
        (8, column["occupation"]),
        (8, column["skills"]),
    }
    assert not Member.objects.filter(user__phone__startswith="+86137").exists()


def test_a_number_belonging_to_another_person_is_refused(officer, volunteer2) -> None:
    rows = [person(1), person(2, phone="139 0000 0003")]
    assert rejected(workbook(rows), officer) == {(3, labels()["phone"])}
    assert not Member.objects.filter(user__phone="+8613700000001").exists()
    assert Member.objects.get(user=volunteer2).id_number_digest == ""


def test_the_same_number_twice_in_a_file_is_refused(officer) -> None:
    rows = [person(1), person(2, phone="13700000001")]
    assert rejected(workbook(rows), officer) == {(3, labels()["phone"])}


def test_the_import_page_lists_the_bad_cells(login, officer, squad) -> None:
    rows = [person(1, squad="不存在的分队"), person(2, id_number=wrong_check(id_number(2)))]
    response = login(officer).post("/members/import/", upload(workbook(rows)))
    assert response.status_code == 400
    column = labels()
    assert error_rows(response.content.decode()) == [
        ("2", column["squad"]),
        ("3", column["id_number"]),
    ]
    assert not Member.objects.exists()


def test_importing_the_same_file_again_changes_nothing(officer, squad) -> None:
    rows = [
        person(n, squad=squad.name, skills="driving:C1, first_aid", occupation="teacher")
        for n in range(1, 6)
    ]
    data = workbook(rows)
    assert excel.import_roster(data=data, actor=officer).created == 5
    again = excel.import_roster(data=data, actor=officer)
    assert again == excel.ImportResult(created=0, updated=0, unchanged=5)
    assert Member.objects.count() == 5
    assert User.objects.filter(phone__startswith="+86137").count() == 5


def test_a_changed_squad_in_a_new_import_moves_the_member(officer, squad, other_squad) -> None:
    rows = [person(n, squad=squad.name) for n in range(1, 4)]
    excel.import_roster(data=workbook(rows), actor=officer)
    rows[1]["squad"] = other_squad.name
    result = excel.import_roster(data=workbook(rows), actor=officer)
    assert result == excel.ImportResult(created=0, updated=1, unchanged=2)
    moved = Member.objects.get(user__phone=f"+86{rows[1]['phone']}")
    assert moved.squad == other_squad
    transfer = SquadTransfer.objects.get()
    assert (transfer.member, transfer.from_squad, transfer.to_squad, transfer.by) == (
        moved,
        squad,
        other_squad,
        officer,
    )


def test_a_file_that_is_not_excel_is_refused_cleanly(login, officer) -> None:
    client = login(officer)
    for name, data in [
        ("roster.csv", "姓名,手机号\n张三,13700000001\n".encode()),
        ("a.xlsx", b"PK\x03\x04junk"),
    ]:
        response = client.post("/members/import/", upload(data, name))
        assert response.status_code == 400, name
        assert 'data-testid="import-errors"' in response.content.decode()
    assert not Member.objects.exists()
    with pytest.raises(excel.ImportRejected):
        excel.import_roster(data=b"not a spreadsheet", actor=officer)


def test_a_file_without_the_required_columns_names_them(officer) -> None:
    data = workbook([{"name": "孙立新"}], header=["name", "squad"])
    column = labels()
    assert rejected(data, officer) == {(1, column["phone"]), (1, column["id_number"])}


def test_two_thousand_rows_import_in_one_go_with_few_queries(
    officer, squad, other_squad, django_assert_max_num_queries
) -> None:
    rows = [
        person(
            n,
            squad=(squad if n % 2 else other_squad).name,
            kind="core" if n % 3 == 0 else "",
            skills="first_aid, driving:C1" if n % 5 == 0 else "",
        )
        for n in range(2000)
    ]
    data = workbook(rows)
    # Batches, not rows: SQLite binds at most 999 values a query, so about 90 queries here
    # (fewer on PostgreSQL); a query per row would be thousands.
    with django_assert_max_num_queries(120):
        result = excel.import_roster(data=data, actor=officer)
    assert result == excel.ImportResult(created=2000, updated=0, unchanged=0)
    assert Member.objects.filter(squad=squad).count() == 1000
    assert Member.objects.filter(kind=Member.Kind.CORE).count() == 667
    sample = Member.objects.get(user__phone="+8613700001234")
    assert sample.decrypted_id_number() == id_number(1234)
    assert Member.objects.get(user__phone="+8613700001235").skill_set() == {
        Skill.FIRST_AID,
        Skill.DRIVING,
    }
    assert (
        User.objects.filter(role_grants__role="volunteer", phone__startswith="+86137").count()
        == 2000
    )


def test_only_officers_import(officer) -> None:
    with pytest.raises(NotAllowed):
        excel.import_roster(data=workbook([person(1)]), actor=None)


@pytest.mark.parametrize("who", NOT_OFFICERS)
def test_other_roles_may_not_use_the_import_pages(request, login, who) -> None:
    client = login(request.getfixturevalue(who))
    assert client.get("/members/import/").status_code == 403
    assert client.get("/members/import/template.xlsx").status_code == 403
    assert client.post("/members/import/", upload(workbook([person(1)]))).status_code == 403
    assert not User.objects.filter(phone="+8613700000001").exists()


def test_the_public_is_sent_to_sign_in_from_the_import_pages(db, public) -> None:
    for path in ("/members/import/", "/members/import/template.xlsx", "/members/export/"):
        response = public.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/")
    public.post("/members/import/", upload(workbook([person(1)])))
    assert not User.objects.filter(phone="+8613700000001").exists()


# Exporting.


@pytest.fixture
def numbered(leader, volunteer, volunteer2, other_volunteer) -> dict[str, str]:
    """Each member of the cast with a resident ID number; returns them by name."""
    numbers = {}
    for n, user in enumerate([leader, volunteer, volunteer2, other_volunteer], start=1):
        member = Member.objects.get(user=user)
        member.set_id_number(resident_id.parse(id_number(n)))
        member.emergency_name, member.emergency_phone = f"{user.name}家属", "+8613800138000"
        member.save()
        numbers[user.name] = id_number(n)
    return numbers


def test_a_volunteer_exports_their_squad_masked(login, volunteer, numbered) -> None:
    response = login(volunteer).get("/members/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    rows = {row[0]: row for row in sheet_rows(response.content)[1:]}
    assert set(rows) == {"王队长", "张志愿", "刘晓燕"}  # not 赵海波 of the other squad
    assert rows["刘晓燕"][1] == "139****0003"
    assert rows["王队长"][1] == "139****0001"
    assert rows["张志愿"][1] == "139 0000 0002"  # their own
    assert rows["张志愿"][2] == resident_id.mask(numbered["张志愿"])  # their own, masked
    assert rows["刘晓燕"][2] in (None, "") and rows["王队长"][2] in (
        None,
        "",
    )  # others': officers only
    assert rows["刘晓燕"][13] in (None, "")  # no emergency contact of another member
    entry = AuditEntry.objects.get(action="members.roster.exported")
    assert (entry.actor, entry.data["rows"]) == (volunteer, 3)


def test_an_officer_exports_full_phones_but_masked_id_numbers(login, officer, numbered) -> None:
    rows = {row[0]: row for row in sheet_rows(login(officer).get("/members/export/").content)[1:]}
    assert rows["赵海波"][1] == "139 0000 0004"
    assert rows["刘晓燕"][1] == "139 0000 0003"
    assert rows["刘晓燕"][2] == resident_id.mask(numbered["刘晓燕"])
    assert rows["刘晓燕"][13] == "刘晓燕家属"


def test_an_officer_gets_full_id_numbers_by_post_with_a_reason(login, officer, numbered) -> None:
    response = login(officer).post("/members/export/", {"reason": "保险公司理赔需要"})
    assert response.status_code == 200
    rows = {row[0]: row for row in sheet_rows(response.content)[1:]}
    assert {name: rows[name][2] for name in numbered} == numbered
    entry = AuditEntry.objects.get(action="members.roster.exported")
    assert entry.actor == officer
    assert entry.data["full_id_numbers"] is True
    assert entry.data["reason"] == "保险公司理赔需要"
    assert entry.data["rows"] == 4


def test_full_id_numbers_need_a_reason(login, officer, numbered) -> None:
    response = login(officer).post("/members/export/", {"reason": ""})
    assert response.status_code == 302
    assert response["Content-Type"] != XLSX
    assert not AuditEntry.objects.filter(action="members.roster.exported").exists()


def test_a_leader_may_not_export_full_id_numbers(login, leader, numbered) -> None:
    response = login(leader).post("/members/export/", {"reason": "分队需要核对身份"})
    assert response.status_code == 302
    assert response["Content-Type"] != XLSX
    assert not any(number.encode() in response.content for number in numbered.values())
    assert not AuditEntry.objects.filter(action="members.roster.exported").exists()


def test_a_leaders_export_keeps_its_query_count_with_a_large_squad(
    login, leader, squad, django_assert_max_num_queries
) -> None:
    for n in range(40):
        user = accounts.create_user(
            phone=f"1370000{n:04d}", name=f"队员{n}", password=None, actor=None
        )
        Member.objects.create(user=user, squad=squad)
    client = login(leader)
    with django_assert_max_num_queries(15):
        response = client.get("/members/export/")
    rows = sheet_rows(response.content)[1:]
    assert len(rows) == 41
    assert all(" " in row[1] for row in rows)  # a leader sees their squad's numbers


# What the review of the import found.


def test_an_empty_kind_keeps_a_core_member_core(officer, squad) -> None:
    rows = [person(1, squad=squad.name, kind="core")]
    excel.import_roster(data=workbook(rows), actor=officer)
    rows[0]["kind"] = None
    excel.import_roster(data=workbook(rows), actor=officer)
    assert Member.objects.get(user__phone="+8613700000001").kind == Member.Kind.CORE


def test_children_are_not_imported(officer) -> None:
    today = timezone.localdate()
    young = f"420923{today.year - 8}0101001"
    minor = f"420923{today.year - 17}0101002"
    rows = [
        person(1, id_number=young + resident_id.check_character(young)),
        person(2, id_number=minor + resident_id.check_character(minor)),
    ]
    assert rejected(workbook(rows), officer) == {
        (2, labels()["id_number"]),
        (3, labels()["id_number"]),
    }
    assert not Member.objects.exists()


def test_a_leader_is_not_moved_out_of_their_squad_by_a_file(
    officer, leader, squad, other_squad
) -> None:
    number = id_number(7)
    member = Member.objects.get(user=leader)
    member.set_id_number(resident_id.parse(number))
    member.save()
    row = person(7, id_number=number, phone="13900000001", name=leader.name, squad=other_squad.name)
    assert rejected(workbook([row]), officer) == {(2, labels()["squad"])}
    assert Member.objects.get(user=leader).squad == squad


def test_a_deputy_moved_by_a_file_is_a_deputy_no_more(officer, squad, other_squad) -> None:
    rows = [person(1, squad=squad.name)]
    excel.import_roster(data=workbook(rows), actor=officer)
    moved = Member.objects.get(user__phone="+8613700000001")
    squad.deputies.add(moved.user)
    rows[0]["squad"] = other_squad.name
    excel.import_roster(data=workbook(rows), actor=officer)
    assert not squad.deputies.exists()
    assert AuditEntry.objects.filter(
        action="members.member.transferred", target_id=str(moved.pk)
    ).exists()


def test_a_broken_workbook_is_refused_not_crashed_on(login, officer) -> None:
    data = workbook([person(1)])
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.endswith("sheet1.xml"):
                content = content[: len(content) // 2]  # cut off mid-sheet
            target.writestr(item, content)
    response = login(officer).post("/members/import/", upload(broken.getvalue()))
    assert response.status_code == 400
    assert not Member.objects.exists()


def test_a_changed_detail_is_audited_per_member(officer, squad) -> None:
    rows = [person(n, squad=squad.name) for n in range(1, 3)]
    excel.import_roster(data=workbook(rows), actor=officer)
    rows[0]["phone"] = "13711112222"
    excel.import_roster(data=workbook(rows), actor=officer)
    entry = AuditEntry.objects.get(action="members.member.imported")
    assert entry.data == {"fields": ["phone"]}
    assert "13711112222" not in str(entry.data)


def test_reimporting_changed_skills_costs_a_fixed_number_of_queries(
    officer, squad, django_assert_max_num_queries
) -> None:
    rows = [person(n, squad=squad.name, skills="first_aid") for n in range(1, 61)]
    excel.import_roster(data=workbook(rows), actor=officer)
    for row in rows:
        row["skills"] = "swimming"
    data = workbook(rows)
    with django_assert_max_num_queries(40):
        excel.import_roster(data=data, actor=officer)
    assert MemberSkill.objects.filter(skill="swimming").count() == 60
