import datetime as dt
import re
from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from yixun.lib import days

ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_day(value: Any) -> Any:
    # Pydantic would read "0" as 1970-01-01; a person means a calendar day, YYYY-MM-DD.
    if isinstance(value, str) and not ISO_DAY.match(value):
        raise ValueError("expected a day as YYYY-MM-DD")
    if isinstance(value, int | float):
        raise ValueError("expected a day as YYYY-MM-DD")
    return value


def _within_years(value: dt.date) -> dt.date:
    if not days.FIRST <= value <= days.LAST:
        raise ValueError("expected a day between 2000-01-01 and 2099-12-31")
    return value


Day = Annotated[dt.date, BeforeValidator(_iso_day), AfterValidator(_within_years)]
# A name as people type it: surrounding spaces dropped, and not empty after that.
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
# A database id: positive and within a 64-bit integer, so that no lookup overflows.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class ErrorOut(Schema):
    code: str
    message: str


class FieldErrorOut(Schema):
    location: list[str | int]
    message: str


class ValidationErrorOut(ErrorOut):
    errors: list[FieldErrorOut]


# The errors any operation may answer with; each route adds its own success.
ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ValidationErrorOut,
    503: ErrorOut,
}
