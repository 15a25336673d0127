"""Phone numbers: parse what people type, store E.164, show them one way or masked."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


class InvalidPhone(ValueError):
    pass


def normalize_mobile(raw: str) -> str:
    """Return the E.164 form (+8613812345678) of a mainland mobile number, or raise InvalidPhone.

    People type numbers with spaces, dashes, a +86 or 0086 prefix, or full-width
    digits from a Chinese input method; all of those are the same number.
    """
    cleaned = (raw or "").strip()
    if not cleaned:
        raise InvalidPhone("empty")
    try:
        number = phonenumbers.parse(cleaned, "CN")
    except phonenumbers.NumberParseException:
        raise InvalidPhone(cleaned) from None
    if (
        phonenumbers.region_code_for_number(number) != "CN"
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) not in MOBILE_TYPES
    ):
        raise InvalidPhone(cleaned)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


INVALID_MESSAGE = _("Enter a mainland China mobile number of 11 digits, such as 138 0013 8000.")


def validate_mobile(raw: str) -> str:
    """Like normalize_mobile, but raise a translated ValidationError for forms."""
    try:
        return normalize_mobile(raw)
    except InvalidPhone:
        raise ValidationError(INVALID_MESSAGE, code="invalid_phone") from None


def national(e164: str) -> str:
    """The 11 digits without the country code: 13800138000."""
    return e164[3:] if e164.startswith("+86") else e164


def display(number: str | None) -> str:
    """One way to show a number on every page: a mainland mobile grouped as people read it
    (138 0013 8000), any other number, a landline too, in international form (+44 20 7946 0958). What does not
    parse (a number typed before validation existed) is shown as it was stored."""
    raw = (number or "").strip()
    if not raw:
        return ""
    try:
        parsed = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        return raw
    if not phonenumbers.is_valid_number(parsed):
        return raw
    digits = phonenumbers.national_significant_number(parsed)
    if (
        phonenumbers.region_code_for_number(parsed) == "CN"
        and phonenumbers.number_type(parsed) in MOBILE_TYPES
        and len(digits) == 11
    ):
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def mask(e164: str) -> str:
    """Hide the middle four digits, as Chinese services do: 138****8000."""
    digits = national(e164)
    return f"{digits[:3]}****{digits[7:]}" if len(digits) == 11 else "****"
