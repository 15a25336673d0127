"""The API's shapes and input types.

Every rule the server applies to what it is sent is stated in the OpenAPI document as JSON
Schema that a generator honours: lengths, patterns, ranges, enums and named formats. A caller
who follows the document is never refused for a rule it could not see; what is left to refuse
depends on the state of the world (a full shift, a taken name) and is a 409.

Bodies are read strictly (`BodyIn`): `true` is no integer, `"5"` no number, an array no object.
Query and path parameters arrive as text, so the same types parse them from strings there.
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

import phonenumbers
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ModelWrapValidatorHandler,
    PlainValidator,
    Strict,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from yixun.lib import phone as phones
from yixun.lib import resident_id
from yixun.members.services.roster import id_number_message

# The characters Python's str.strip() and str.isspace() treat as space, spelled out so that a
# pattern means the same to every regex engine (ECMAScript's \s, Rust's and Python's differ).
SPACE = (
    r"\t\n\u000b\u000c\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
)
# No string the API takes may hold a NUL (PostgreSQL cannot store one): `not` this pattern. The
# document says so of every string a request carries (api.state_global_rules); the middleware
# refuses it. As an exclusion rather than an anchored pattern, a generator can follow it at any
# length (schemathesis gives up on anchored patterns past 8,192 characters).
NUL = r"\u0000"
NO_NUL = {"not": {"pattern": NUL}}


def words(least: int) -> str:
    """A pattern for text with at least `least` characters that are not space.

    A search, not anchored: between the first such character and the last, only spaces may
    separate them; any text with `least` of them holds such a run. (NUL, which is neither, is
    excluded apart.) Each mark is followed only by spaces until the next, so that no engine
    backtracks over it."""
    space, mark = f"[{SPACE}]*", f"[^{SPACE}\\u0000]"
    return mark + f"(?:{space}{mark}){{{least - 1}}}" if least > 1 else mark


@dataclass(frozen=True)
class Words:
    """Text with at least `least` characters that are not space. Checked here, with a message a
    person can read; stated in the document as the pattern `words(least)`, which generators
    follow. (Pydantic's own `pattern` would answer with the pattern itself as the message.)"""

    least: int

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        stated = handler(schema)
        stated["pattern"] = words(self.least)
        return stated

    def check(self, value: str) -> str:
        # A NUL, which the pattern does not count either, never gets this far (middleware.py).
        if sum(not character.isspace() for character in value) >= self.least:
            return value
        if self.least == 1:
            raise ValueError(_("Write at least one character that is not a space."))
        raise ValueError(
            _("Write at least %(count)d characters that are not spaces.") % {"count": self.least}
        )


def text(default: Any = ..., *, max_length: int, least: int = 0, **kwargs: Any) -> Any:
    """A text field: at most `max_length` characters, at least `least` of them not space."""
    field: FieldInfo = Field(default, max_length=max_length, **kwargs)
    if least:
        # A field's metadata holds what an Annotated type would: checked after the length.
        field.metadata.append(Words(least))
    return field


def _one_of_ours(value: str, pattern: re.Pattern[str], message: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValueError(message)
    return value


# Days and moments within 2000–2099: date arithmetic (a week on, a month on) never overflows.
DAY_PATTERN = r"^20[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$"
MOMENT_PATTERN = (
    r"^20[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?"
    r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$"
)
_DAY = re.compile(DAY_PATTERN)
_MOMENT = re.compile(MOMENT_PATTERN)


def _day(value: Any) -> Any:
    # Pydantic would read 0 as 1970-01-01; a person means a calendar day, YYYY-MM-DD.
    return _one_of_ours(value, _DAY, _("Give a day between 2000 and 2099 as YYYY-MM-DD."))


def _moment(value: Any) -> Any:
    # A time without its offset cannot be placed; far-off years overflow when compared.
    return _one_of_ours(
        value,
        _MOMENT,
        _("Give a time between 2000 and 2099 with its offset, such as 2026-12-05T20:00:00+08:00."),
    )


# Only text that spells a day within 2000-2099 gets past `_day`: a date object too is refused.
Day = Annotated[
    dt.date,
    Strict(False),
    BeforeValidator(_day),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DAY_PATTERN}),
]


def _in_utc(value: dt.datetime) -> dt.datetime:
    # ISO 8601 allows offsets to ±23:59; PostgreSQL stores none beyond ±15:59, and refused
    # "2049-11-15T17:00:02-20:45" with a server error. The same moment in UTC it stores.
    return value.astimezone(dt.UTC)


Moment = Annotated[
    dt.datetime,
    Strict(False),
    BeforeValidator(_moment),
    AfterValidator(_in_utc),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": MOMENT_PATTERN}),
]


def _whole(value: Any) -> Any:
    # JSON has one kind of number: 2.0 is the integer 2 (JSON Schema agrees), true is none.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# For whole numbers with bounds of their own: Annotated[int, Field(ge=0, le=…), Whole]
# (the bounds first, so that the document states them).
Whole = BeforeValidator(_whole)
# A database id: positive and within a 64-bit integer, so that no lookup overflows.
Id = Annotated[int, Field(ge=1, le=2**63 - 1), Whole]


Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


def no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def absent(**constraints: Any) -> Any:
    """The default of a field that may be left out but, when sent, is never null: the
    document shows no default, since null is not a value it may take."""
    return Field(None, json_schema_extra=no_default, **constraints)


# Enums in a body: by their value, as JSON carries them (strict mode would want the Python enum).
Lax = Strict(False)


# A name as people type it: at most 50 characters as sent, something besides spaces, and the
# surrounding spaces dropped.
Name = Annotated[str, StringConstraints(max_length=50), Words(1), AfterValidator(str.strip)]


# Money as a decimal string, never a binary float: up to ten digits, two decimals, above zero.
MONEY_PATTERN = r"^(?:[1-9][0-9]{0,9}(?:\.[0-9]{1,2})?|0\.(?:[1-9][0-9]?|0[1-9]))$"
_MONEY = re.compile(MONEY_PATTERN)
Money = Annotated[
    Decimal,
    Strict(False),
    BeforeValidator(
        lambda value: _one_of_ours(
            value, _MONEY, _('Give an amount above zero as a string, such as "200000.00".')
        )
    ),
    WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN}),
]

# Named formats: rules about the input alone that no pattern says well. A generator for each is
# registered in the schema test (yixun/api/tests/formats.py).
CN_MOBILE = "cn-mobile"
CN_RESIDENT_ID = "cn-resident-id"


def _mobile(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(str(phones.INVALID_MESSAGE))
    try:
        return phones.normalize_mobile(value)
    except phones.InvalidPhone:
        raise ValueError(str(phones.INVALID_MESSAGE)) from None


# The numbers libphonenumber (which normalize_mobile asks) takes for mainland mobiles, with
# ASCII digits only: to other engines \\d is any script's digits.
def _mobile_numbers() -> str:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    pattern = metadata.mobile.national_number_pattern if metadata and metadata.mobile else None
    if not pattern:  # a phonenumbers release without China's mobile plan: fail at start-up
        raise RuntimeError("phonenumbers has no pattern for mainland mobile numbers")
    return str(pattern).replace("\\d", "[0-9]")


MOBILE_PATTERN = "^(?:\\+86 ?)?(?:" + _mobile_numbers() + ")$"

# A mainland mobile number; read as E.164. The server also takes what people type (spaces,
# dashes, 0086, full-width digits), but the document promises only the plain forms.
Mobile = Annotated[
    str,
    Field(max_length=32),
    AfterValidator(_mobile),
    WithJsonSchema(
        {
            "type": "string",
            "format": CN_MOBILE,
            "pattern": MOBILE_PATTERN,
            "description": "A mainland China mobile number, such as 13800138000 or +8613800138000",
        }
    ),
]


def _resident_id(value: Any) -> resident_id.ResidentId:
    try:
        return resident_id.parse(value if isinstance(value, str) else "")
    except resident_id.InvalidResidentId as error:
        raise ValueError(id_number_message(error.reason)) from None


# A resident ID number (GB 11643): 17 digits and a check character (a digit or X), a known
# region, a real date of birth; read as what it says (`ResidentId`). The format says all of it;
# a pattern beside it would only lead generators to draw from the pattern instead of the format.
# The parser alone decides, and also takes what people type (spaces, full-width digits, a
# lower-case x), as the pages do, but the document promises only the plain form.
ResidentIdNumber = Annotated[
    resident_id.ResidentId,
    PlainValidator(_resident_id),
    WithJsonSchema(
        {
            "type": "string",
            "format": CN_RESIDENT_ID,
            "minLength": 18,
            "maxLength": 18,
            "description": "A resident ID number: 17 digits and a check digit or X (GB 11643)",
        }
    ),
]


class BodyIn(BaseModel):
    """A JSON body, read strictly: each value must already be of its type (an integer may be
    written 2.0), the body must be an object (Ninja's `Schema` reads anything with attributes,
    so it would take `[]` for an empty object), and a field the body does not have is refused
    rather than dropped unread (a misspelt field name is a mistake worth hearing about)."""

    model_config = ConfigDict(strict=True, extra="forbid")


def both_or_neither(*pairs: tuple[str, str]) -> dict[str, Any]:
    """The JSON Schema of an object in which each pair of fields comes together or not at all
    (`model_config = ConfigDict(json_schema_extra=both_or_neither(("latitude", "longitude")))`)."""
    return {
        "allOf": [
            {"anyOf": [{"required": [a, b]}, {"properties": {a: False, b: False}}]}
            for a, b in pairs
        ]
    }


class Answer(Schema):
    """An answer that a list endpoint may also give as plain rows, already resolved.

    Ninja reads a model object field by field through a getter, running each `resolve_*`: on a
    page of fifty shifts that costs more than the query. A list endpoint that reads its rows with
    `values()` and shapes them itself hands over dicts, which are taken as the answer as it
    stands: validated by pydantic alone, with no getter and no resolver. A model object is read
    as before, so the same schema serves the single-object routes."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo
    ) -> Any:
        if isinstance(values, dict):
            return handler(values)
        return handler(DjangoGetter(values, cls, info.context))


class ErrorOut(Schema):
    code: str
    message: str


class FieldErrorOut(Schema):
    location: list[str | int]
    message: str


class ValidationErrorOut(ErrorOut):
    errors: list[FieldErrorOut]


# The errors any operation may answer with; each route adds its own success. A body over the
# size limit (413) is added to every operation that takes one, where the document is made.
ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ValidationErrorOut,
    503: ErrorOut,
}
