"""Cells for workbooks that people will open in Excel: text stays text, whoever typed it."""

from collections.abc import Iterable
from typing import Any

from django.utils.functional import Promise
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

# What spreadsheet programs take as the start of a formula (OWASP, "CSV injection"). A name such
# as =HYPERLINK("http://…","…") typed into the join form would otherwise reach an officer's
# workbook as a live formula: a link that sends the row to a stranger, or worse. A line feed
# too, which is what a carriage return becomes in the file (see `cell`).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def cell(sheet: Worksheet | WriteOnlyWorksheet, value: Any) -> Any:
    """A cell for the value: text as a string cell that Excel will not evaluate, anything else
    (numbers, dates, nothing) as it is.

    openpyxl makes any text starting with "=" a formula; here it stays a string cell. Text that
    Excel would read as a formula when someone edits the cell gets Excel's quote-prefix style,
    which keeps it text without changing it: "+86 138…" is still "+86 138…" to whoever reads it
    back, unlike the old trick of a leading apostrophe inside the value.
    """
    if isinstance(value, Promise):  # a lazy translation
        value = str(value)
    if not isinstance(value, str):
        return value
    # Control characters cannot be stored in the file's XML at all: openpyxl would refuse the
    # whole workbook for one of them in one name. A carriage return can, but whoever reads the
    # XML gets a line feed in its place (XML's rule for line ends), so write that.
    text = ILLEGAL_CHARACTERS_RE.sub("", value).replace("\r\n", "\n").replace("\r", "\n")
    written: Cell = WriteOnlyCell(sheet, value=text)
    written.data_type = "s"
    if text.startswith(FORMULA_STARTS):
        written.quotePrefix = True
    return written


def append(sheet: Worksheet | WriteOnlyWorksheet, values: Iterable[Any]) -> None:
    """Add a row of values to the sheet, every text as a string cell (see `cell`)."""
    sheet.append([cell(sheet, value) for value in values])
