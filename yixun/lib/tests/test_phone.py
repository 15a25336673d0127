import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from yixun.lib import phone

PREFIXES = ["130", "135", "139", "150", "159", "177", "186", "199"]


@pytest.mark.parametrize(
    "typed",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 138 0013 8000",
        "0086 13800138000",
        "１３８００１３８０００",
    ],
)
def test_the_usual_ways_of_typing_a_number_are_one_number(typed: str) -> None:
    assert phone.normalize_mobile(typed) == "+8613800138000"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "12345",
        "1380013800",
        "138001380001",
        "010 6512 3456",
        "+1 415 555 0100",
        "abc",
        "23800138000",
    ],
)
def test_what_is_not_a_mainland_mobile_is_refused(typed: str) -> None:
    with pytest.raises(phone.InvalidPhone):
        phone.normalize_mobile(typed)


def test_the_form_message_says_what_is_expected() -> None:
    with pytest.raises(ValidationError) as refused:
        phone.validate_mobile("12345")
    assert refused.value.code == "invalid_phone"
    assert "11" in refused.value.messages[0]


@given(prefix=st.sampled_from(PREFIXES), rest=st.integers(min_value=0, max_value=10**8 - 1))
def test_every_valid_number_survives_a_round_trip(prefix: str, rest: int) -> None:
    digits = f"{prefix}{rest:08d}"
    e164 = phone.normalize_mobile(digits)
    assert e164 == f"+86{digits}"
    assert phone.national(e164) == digits
    assert phone.display(e164).replace(" ", "") == digits
    masked = phone.mask(e164)
    assert masked == f"{digits[:3]}****{digits[7:]}"
    assert len(masked) == 11
