"""An event's attendance as an Excel workbook: every registration with whether they came, and
text that a spreadsheet would take for a formula kept as text."""

import datetime as dt
import io

import openpyxl
from django.utils import timezone, translation

from yixun.events.services import door, exports, registration
from yixun.events.tests.conftest import clock_at, fresh, register_public


def rows_of(book: bytes) -> list[list[object]]:
    sheet = openpyxl.load_workbook(io.BytesIO(book)).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_the_workbook_lists_who_registered_and_who_came(officer, open_day) -> None:
    made = [register_public(open_day, i) for i in range(4)]  # the fourth waits
    with clock_at(open_day.starts_at):
        door.check_in(event=fresh(open_day), registration=made[0], actor=officer)
        walk_in = door.add_walk_in(event=fresh(open_day), name="路人甲", actor=officer)

    with clock_at(open_day.ends_at + dt.timedelta(hours=1)), translation.override("en"):
        rows = rows_of(exports.attendance_workbook(fresh(open_day)))

    assert rows[0][0] == open_day.title
    by_code = {row[0]: row for row in rows[2:]}
    assert set(by_code) == {r.code for r in [*made, walk_in]}
    came, absent, waiting = by_code[made[0].code], by_code[made[1].code], by_code[made[3].code]
    assert came[1] == "市民0"
    assert came[2] == "137 0000 0000"
    assert rows[1][8] == "Came"
    assert (came[4], came[8]) == ("Confirmed", "yes")
    assert came[7] == f"{timezone.localtime(open_day.starts_at):%H:%M}"
    assert (absent[7], absent[8]) == (None, "no")  # a no-show, now the event is over
    assert (waiting[4], waiting[8]) == ("On the waiting list", None)  # never had a place
    assert by_code[walk_in.code][5] == "yes"
    assert by_code[walk_in.code][8] == "yes"


def test_a_name_that_looks_like_a_formula_stays_text(open_day) -> None:
    sly = registration.register(
        event=fresh(open_day), name='=HYPERLINK("http://x.test","点")', phone="13700000009"
    )
    book = openpyxl.load_workbook(io.BytesIO(exports.attendance_workbook(fresh(open_day))))
    sheet = book.worksheets[0]
    cells = [row[1] for row in sheet.iter_rows(min_row=3) if row[0].value == sly.code]
    assert len(cells) == 1
    assert cells[0].value == '=HYPERLINK("http://x.test","点")'
    assert cells[0].data_type == "s"  # a string, not a formula
