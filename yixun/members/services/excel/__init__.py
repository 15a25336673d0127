"""Rosters out to Excel, and members in from Excel: all rows or none, every bad cell named."""

from yixun.members.services.excel.exporting import export_roster, template
from yixun.members.services.excel.formats import (
    CLOSING_BRACKETS,
    IMPORT_COLUMNS,
    MAX_ROWS,
    OPENING_BRACKETS,
    SKILL_SEPARATORS,
    Column,
    format_skills,
    parse_skills,
)
from yixun.members.services.excel.importing import UPDATED_FIELDS, ImportResult, import_roster
from yixun.members.services.excel.reading import (
    INVALID,
    CellError,
    ImportRejected,
    Row,
    newcomer_age_refusal,
)

__all__ = [
    "CLOSING_BRACKETS",
    "IMPORT_COLUMNS",
    "INVALID",
    "MAX_ROWS",
    "OPENING_BRACKETS",
    "SKILL_SEPARATORS",
    "UPDATED_FIELDS",
    "CellError",
    "Column",
    "ImportRejected",
    "ImportResult",
    "Row",
    "export_roster",
    "format_skills",
    "import_roster",
    "newcomer_age_refusal",
    "parse_skills",
    "template",
]
