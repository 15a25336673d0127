"""Reading an import: the rows of the file, and every bad cell in them named."""

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from yixun.accounts.models import User
from yixun.lib import crypto, resident_id
from yixun.lib import phone as phones
from yixun.lib.errors import DomainError
from yixun.members.models import Member, Occupation, Squad
from yixun.members.models.personal import ADULT_AGE, MINIMUM_AGE
from yixun.members.services.applications import too_young_message
from yixun.members.services.excel.formats import IMPORT_COLUMNS, MAX_ROWS, _labels, parse_skills
from yixun.members.services.roster import id_number_message, leader_cannot_move


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


def _header_map() -> dict[str, str]:
    from django.utils import translation

    found: dict[str, str] = {}
    for column in IMPORT_COLUMNS:
        found[column.key] = column.key
        for language in ("zh-hans", "en"):
            with translation.override(language):
                found[str(column.label).strip().lower()] = column.key
    return found


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
