"""Rosters out to Excel, and members in from Excel: all rows or none, every bad cell named."""

import datetime as dt
import io
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from yixun.accounts.models import RoleGrant, User
from yixun.accounts.roles import Role
from yixun.audit import services as audit
from yixun.lib import crypto, resident_id, spreadsheets
from yixun.lib import phone as phones
from yixun.lib.errors import DomainError
from yixun.lib.locks import serialize
from yixun.lib.text import pinyin_key
from yixun.members.models import (
    ContactScope,
    Member,
    MemberSkill,
    Occupation,
    Skill,
    Squad,
)
from yixun.members.models.personal import ADULT_AGE, MINIMUM_AGE
from yixun.members.services.applications import too_young_message
from yixun.members.services.roster import (
    _require_officer,
    id_number_message,
    leader_cannot_move,
    move_member,
)

MAX_ROWS = 20_000
UPDATED_FIELDS = ["kind", "occupation", "emergency_name", "emergency_phone", "joined_on"]


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


@dataclass(frozen=True)
class CellError:
    row: int
    column: str
    message: str


class ImportRejected(DomainError):
    code = "import_rejected"

    def __init__(self, errors: list[CellError]) -> None:
        super().__init__(
            _("Nothing was imported: %(count)d cells need correcting.") % {"count": len(errors)}
        )
        self.errors = errors


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


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


def _header_map() -> dict[str, str]:
    from django.utils import translation

    found: dict[str, str] = {}
    for column in IMPORT_COLUMNS:
        found[column.key] = column.key
        for language in ("zh-hans", "en"):
            with translation.override(language):
                found[str(column.label).strip().lower()] = column.key
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


def import_roster(*, data: bytes, actor: Any, filename: str = "") -> ImportResult:
    _require_officer(actor)
    rows = _read(data)
    parsed, errors = _validate(rows)
    if errors:
        raise ImportRejected(errors)
    return _write(parsed, actor=actor, filename=filename)


def _read(data: bytes) -> list[tuple[int, dict[str, Any]]]:
    try:
        return _rows(load_workbook(io.BytesIO(data), read_only=True, data_only=True))
    except ImportRejected:
        raise
    except Exception:  # openpyxl fails on broken files with zip, XML and value errors alike
        raise ImportRejected([CellError(0, "", _("This is not an Excel (.xlsx) file."))]) from None


def _rows(book: Any) -> list[tuple[int, dict[str, Any]]]:
    sheet = book.worksheets[0]
    lines = sheet.iter_rows(values_only=True)
    header = next(lines, None)
    if header is None:
        raise ImportRejected([CellError(1, "", _("The sheet is empty."))])
    names = _header_map()
    keys = [names.get(str(title or "").replace("*", "").strip().lower()) for title in header]
    missing = [str(c.label) for c in IMPORT_COLUMNS if c.required and c.key not in keys]
    if missing:
        raise ImportRejected(
            [CellError(1, label, _("This column is missing.")) for label in missing]
        )
    rows = []
    for number, values in enumerate(lines, start=2):
        if number > MAX_ROWS + 1:
            raise ImportRejected(
                [
                    CellError(
                        number, "", _("A file may hold at most %(n)d members.") % {"n": MAX_ROWS}
                    )
                ]
            )
        record = {key: value for key, value in zip(keys, values, strict=False) if key is not None}
        if any(value not in (None, "") for value in record.values()):
            rows.append((number, record))
    book.close()
    return rows


@dataclass
class Row:
    number: int
    name: str
    phone: str
    id_number: resident_id.ResidentId
    digest: str
    squad: Squad | None
    kind: str
    occupation: str
    skills: list[tuple[str, str]]
    emergency_name: str
    emergency_phone: str
    joined_on: dt.date | None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel turns a long number typed in a cell into a float
    return str(value).strip()


def _validate(rows: list[tuple[int, dict[str, Any]]]) -> tuple[list[Row], list[CellError]]:
    errors: list[CellError] = []
    labels = {c.key: str(c.label) for c in IMPORT_COLUMNS}
    squads = {squad.name: squad for squad in Squad.objects.all()}
    kinds = _labels(Member.Kind.choices)
    occupations = _labels(Occupation.choices)
    seen_ids: dict[str, int] = {}
    seen_phones: dict[str, int] = {}
    candidates: list[Row] = []  # rows whose ID number reads, wrong elsewhere or not
    rows_in_error: set[int] = set()
    today = timezone.localdate()

    for number, record in rows:

        def bad(key: str, message: str, number: int = number) -> None:
            errors.append(CellError(number, labels[key], message))
            rows_in_error.add(number)

        name = _text(record.get("name"))
        if not name:
            bad("name", _("The name is missing."))
        elif len(name) > 50:
            bad("name", _("The name is longer than 50 characters."))
        phone = ""
        try:
            phone = phones.normalize_mobile(_text(record.get("phone")))
        except phones.InvalidPhone:
            bad(
                "phone",
                str(phones.INVALID_MESSAGE),
            )
        else:
            if phone in seen_phones:
                bad("phone", _("The same number is on row %(row)d.") % {"row": seen_phones[phone]})
            seen_phones.setdefault(phone, number)
        identity = None
        id_text = _text(record.get("id_number"))
        try:
            identity = resident_id.parse(id_text, today=today)
        except resident_id.InvalidResidentId as error:
            if "*" in id_text:  # from an export without full ID numbers
                bad(
                    "id_number",
                    _("This ID number is masked. Import a roster exported with full ID numbers."),
                )
            else:
                bad("id_number", id_number_message(error.reason))
        else:
            if identity.number in seen_ids:
                bad(
                    "id_number",
                    _("The same ID number is on row %(row)d.") % {"row": seen_ids[identity.number]},
                )
            seen_ids.setdefault(identity.number, number)
        squad_name = _text(record.get("squad"))
        squad = squads.get(squad_name) if squad_name else None
        if squad_name and squad is None:
            bad("squad", _("There is no squad called “%(name)s”.") % {"name": squad_name})
        kind_text = _text(record.get("kind")).lower()
        kind = (
            kinds.get(kind_text, "") if kind_text else ""
        )  # empty: the member's own, or volunteer
        if kind_text and not kind:
            bad(
                "kind",
                _("Unknown kind: use one of %(choices)s.")
                % {"choices": "、".join(str(label) for _v, label in Member.Kind.choices)},
            )
        occupation_text = _text(record.get("occupation")).lower()
        occupation = occupations.get(occupation_text, "") if occupation_text else ""
        if occupation_text and not occupation:
            bad("occupation", _("Unknown occupation."))
        member_skills, problems = parse_skills(_text(record.get("skills")))
        for problem in problems:
            bad("skills", problem)
        emergency_phone = _text(record.get("emergency_phone"))
        if emergency_phone:
            try:
                emergency_phone = phones.normalize_mobile(emergency_phone)
            except phones.InvalidPhone:
                bad(
                    "emergency_phone",
                    str(phones.INVALID_MESSAGE),
                )
        joined_on = _date(record.get("joined_on"))
        if joined_on is INVALID:
            bad("joined_on", _("Write the date as 2024-03-01."))
            joined_on = None
        if identity is not None:
            candidates.append(
                Row(
                    number=number,
                    name=name,
                    phone=phone,
                    id_number=identity,
                    digest=crypto.blind_index(identity.number),
                    squad=squad,
                    kind=kind,
                    occupation=occupation,
                    skills=member_skills,
                    emergency_name=_text(record.get("emergency_name"))[:50],
                    emergency_phone=emergency_phone,
                    joined_on=joined_on,
                )
            )
    members = {
        m.id_number_digest: m
        for m in Member.objects.filter(
            id_number_digest__in=[row.digest for row in candidates]
        ).select_related("user", "squad")
    }
    for row in candidates:
        # The rules for joining are for newcomers: a member admitted at 16 with their
        # guardian's consent is still a member at 17, and their row only updates them.
        refusal = "" if row.digest in members else newcomer_age_refusal(row.id_number, today)
        if refusal:
            errors.append(CellError(row.number, labels["id_number"], refusal))
            rows_in_error.add(row.number)
    parsed = [row for row in candidates if row.number not in rows_in_error]
    errors += _against_database(parsed, labels, members)  # the rows that are otherwise valid
    errors.sort(key=lambda error: error.row)  # as the file reads; each row's cells stay in order
    return parsed, errors


def newcomer_age_refusal(identity: resident_id.ResidentId, today: dt.date) -> str:
    """Why someone of this age may not join by import ("" if they may): under 16 nobody may
    join, and 16 and 17 year olds join through the application form, which asks for their
    guardian's consent."""
    age = identity.age_on(today)
    if age < MINIMUM_AGE:
        return too_young_message()
    if age < ADULT_AGE:
        return _(
            "Members under 18 join through the application form, with their guardian's consent."
        )
    return ""


INVALID = dt.date.min  # a marker: the cell holds something that is not a date


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(_text(value).replace("/", "-"))
    except ValueError:
        return INVALID


def _against_database(
    rows: list[Row], label: dict[str, str], members: dict[str, Member]
) -> list[CellError]:
    """What the file would do wrong to the people already here (`members`, by ID number's
    digest): give a number to the wrong person, or move a squad's leader out of their squad."""
    errors = []
    owners = dict(User.objects.filter(phone__in=[r.phone for r in rows]).values_list("phone", "pk"))
    for row in rows:
        existing = members.get(row.digest)
        owner = owners.get(row.phone)
        if owner is not None and (existing is None or existing.user_id != owner):
            errors.append(
                CellError(
                    row.number, label["phone"], _("This mobile number belongs to another person.")
                )
            )
        if (
            existing is not None
            and row.squad is not None
            and existing.squad is not None
            and row.squad.pk != existing.squad_id
            and existing.squad.leader_id == existing.user_id
        ):
            errors.append(
                CellError(row.number, label["squad"], leader_cannot_move(existing).message)
            )
    return errors


def _write(rows: list[Row], *, actor: Any, filename: str) -> ImportResult:
    try:
        with transaction.atomic():
            # One import at a time: two at once would both create the same new people.
            serialize("members.roster.import")
            return _apply(rows, actor=actor, filename=filename)
    except IntegrityError:  # an application was approved with one of these numbers meanwhile
        raise ImportRejected(
            [
                CellError(
                    0,
                    "",
                    _(
                        "The roster changed while importing. Nothing was imported; import the file again."
                    ),
                )
            ]
        ) from None


def _kept(stored: str, read: str) -> str:
    """The text read from a cell, or the member's own when the cell is empty or differs only by
    the spaces, tabs and returns around it that the import trims: those are no change."""
    return stored if not read or stored.strip() == read else read


def _apply(rows: list[Row], *, actor: Any, filename: str) -> ImportResult:
    existing = {
        m.id_number_digest: m
        for m in Member.objects.select_for_update(
            of=("self",)
        )  # squad may be null: lock members only
        .filter(id_number_digest__in=[r.digest for r in rows])
        .select_related("user", "squad")
        .prefetch_related("skills")
    }
    new_rows = [r for r in rows if r.digest not in existing]
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [
            User(phone=r.phone, name=r.name, name_pinyin=pinyin_key(r.name), password=unusable)
            for r in new_rows
        ],
        batch_size=500,
    )
    RoleGrant.objects.bulk_create(
        [RoleGrant(user=u, role=Role.VOLUNTEER, granted_by=actor) for u in users], batch_size=1000
    )
    created = []
    for row, user in zip(new_rows, users, strict=True):
        member = Member(
            user=user,
            squad=row.squad,
            kind=row.kind or Member.Kind.VOLUNTEER,
            occupation=row.occupation,
            emergency_name=row.emergency_name,
            emergency_phone=row.emergency_phone,
            joined_on=row.joined_on or timezone.localdate(),
        )
        member.set_id_number(row.id_number)
        created.append(member)
    Member.objects.bulk_create(created, batch_size=500)
    MemberSkill.objects.bulk_create(
        [
            MemberSkill(member=m, skill=s, detail=d)
            for m, row in zip(created, new_rows, strict=True)
            for s, d in row.skills
        ],
        batch_size=1000,
    )

    unchanged = 0
    changed_users, changed_members, reskilled, moves, changes = [], [], [], [], []
    for row in rows:
        found = existing.get(row.digest)
        if found is None:
            continue
        member = found
        # An empty cell keeps what the member has; a filled one replaces it.
        fields = {
            "kind": row.kind or member.kind,
            "occupation": row.occupation or member.occupation,
            "emergency_name": _kept(member.emergency_name, row.emergency_name),
            "emergency_phone": row.emergency_phone or member.emergency_phone,
            "joined_on": row.joined_on or member.joined_on,
        }
        changed = [name for name, value in fields.items() if getattr(member, name) != value]
        user_name = _kept(member.user.name, row.name)
        if (member.user.name, member.user.phone) != (user_name, row.phone):
            changed += [
                field
                for field, value in (("name", user_name), ("phone", row.phone))
                if getattr(member.user, field) != value
            ]
            member.user.name, member.user.phone, member.user.name_pinyin = (
                user_name,
                row.phone,
                pinyin_key(user_name),
            )
            changed_users.append(member.user)
        skills = {(entry.skill, entry.detail.strip()) for entry in member.skills.all()}
        if row.skills and skills != set(row.skills):
            changed.append("skills")
            reskilled.append((member, row.skills))
        moved = row.squad is not None and row.squad.pk != member.squad_id
        if moved:
            moves.append((member, row.squad))
        if not changed and not moved:
            unchanged += 1
            continue
        for name, value in fields.items():
            setattr(member, name, value)
        if changed:
            changed_members.append(member)
            changes.append((member, {"fields": changed}))
    User.objects.bulk_update(changed_users, ["name", "phone", "name_pinyin"], batch_size=500)
    Member.objects.bulk_update(changed_members, UPDATED_FIELDS, batch_size=500)
    MemberSkill.objects.filter(member__in=[m for m, _skills in reskilled]).delete()
    MemberSkill.objects.bulk_create(
        [MemberSkill(member=m, skill=s, detail=d) for m, skills in reskilled for s, d in skills],
        batch_size=1000,
    )
    for member, squad in moves:  # rare, and each one is news to the member and to two squads
        move_member(member=member, to_squad=squad, reason=_("roster import"), actor=actor)
    audit.record_many(actor=actor, action="members.member.imported", entries=changes)
    updated = len({m.pk for m in changed_members} | {m.pk for m, _squad in moves})
    result = ImportResult(created=len(created), updated=updated, unchanged=unchanged)
    audit.record(
        actor=actor,
        action="members.roster.imported",
        data={
            "file": filename[:100],
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        },
    )
    return result


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
