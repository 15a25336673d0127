import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yixun.lib import resident_id
from yixun.lib.resident_id import InvalidResidentId, check_character, parse

TODAY = dt.date(2025, 6, 1)
CHECKS = "0123456789X"

provinces = st.sampled_from(sorted(resident_id.PROVINCES))
counties = st.text(alphabet="0123456789", min_size=4, max_size=4)
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)
sequences = st.text(alphabet="0123456789", min_size=3, max_size=3)


def with_check(first17: str) -> str:
    return first17 + check_character(first17)


def number_of(region: str, born: dt.date, sequence: str) -> str:
    return with_check(f"{region}{born:%Y%m%d}{sequence}")


@st.composite
def numbers(draw: st.DrawFn) -> tuple[str, dt.date, str]:
    born = draw(births)
    sequence = draw(sequences)
    return number_of(draw(provinces) + draw(counties), born, sequence), born, sequence


def number_ending_in_x(region: str = "420923", born: dt.date = dt.date(1990, 1, 1)) -> str:
    for n in range(1000):
        number = number_of(region, born, f"{n:03d}")
        if number.endswith("X"):
            return number
    raise AssertionError("no sequence gives the check character X")


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() or c in "Xx" else c for c in text)


def reason_for(number: str) -> str:
    with pytest.raises(InvalidResidentId) as refused:
        parse(number, today=TODAY)
    return refused.value.reason


@given(numbers())
def test_a_well_made_number_parses(drawn: tuple[str, dt.date, str]) -> None:
    number, _, _ = drawn
    assert parse(number, today=TODAY).number == number


@given(numbers())
def test_the_birth_date_and_sex_are_read_from_the_number(drawn: tuple[str, dt.date, str]) -> None:
    number, born, sequence = drawn
    parsed = parse(number, today=TODAY)
    assert parsed.birth_date == born
    assert parsed.sex == ("M" if int(sequence[-1]) % 2 else "F")


@given(numbers(), st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_changing_one_of_the_first_17_digits_is_caught_unless_the_check_still_holds(
    drawn: tuple[str, dt.date, str], position: int, shift: int
) -> None:
    number, _, _ = drawn
    digit = str((int(number[position]) + shift) % 10)
    changed = number[:position] + digit + number[position + 1 :]
    still_valid = (
        changed[:2] in resident_id.PROVINCES
        and _real_past_date(changed[6:14])
        and check_character(changed[:17]) == changed[17]
    )
    if still_valid:
        assert parse(changed, today=TODAY).number == changed
    else:
        with pytest.raises(InvalidResidentId):
            parse(changed, today=TODAY)


def _real_past_date(digits: str) -> bool:
    try:
        day = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return False
    return dt.date(1900, 1, 1) <= day <= TODAY


def test_mod_11_2_catches_every_single_mistyped_digit() -> None:
    number = number_of("420923", dt.date(1990, 1, 1), "123")
    for position in range(17):
        for digit in "0123456789":
            if digit == number[position]:
                continue
            changed = number[:position] + digit + number[position + 1 :]
            assert check_character(changed[:17]) != changed[17], (position, digit)


@given(numbers(), st.sampled_from(CHECKS))
def test_any_other_check_character_is_refused(drawn: tuple[str, dt.date, str], other: str) -> None:
    number, _, _ = drawn
    if other == number[17]:
        assert parse(number, today=TODAY).number == number
    else:
        assert reason_for(number[:17] + other) == "check"


@given(numbers())
def test_the_mask_shows_the_region_and_the_last_four_only(
    drawn: tuple[str, dt.date, str],
) -> None:
    number, _, _ = drawn
    masked = parse(number, today=TODAY).masked
    assert masked == number[:6] + "********" + number[-4:]
    assert len(masked) == 18


def test_a_lower_case_x_is_the_check_character_x() -> None:
    number = number_ending_in_x()
    assert parse(number[:17] + "x", today=TODAY).number == number


@given(numbers())
def test_full_width_digits_and_spaces_from_an_input_method_are_forgiven(
    drawn: tuple[str, dt.date, str],
) -> None:
    number, _, _ = drawn
    typed = full_width(f"{number[:6]} {number[6:14]} {number[14:]}")
    assert parse(typed, today=TODAY).number == number


def test_a_full_width_x_is_accepted_in_either_case() -> None:
    number = number_ending_in_x()
    assert parse(full_width(number[:17] + "X"), today=TODAY).number == number
    assert parse(full_width(number[:17] + "x"), today=TODAY).number == number


@given(
    st.text(alphabet="0123456789", min_size=2, max_size=2).filter(
        lambda prefix: prefix not in resident_id.PROVINCES
    ),
    births,
    sequences,
)
def test_an_unknown_province_is_refused_for_its_region(
    prefix: str, born: dt.date, sequence: str
) -> None:
    assert reason_for(number_of(prefix + "0923", born, sequence)) == "region"


@pytest.mark.parametrize(
    "date", ["19900230", "19901301", "19900001", "19900100", "20230229", "19000229", "18991231"]
)
def test_an_impossible_date_of_birth_is_refused(date: str) -> None:
    assert reason_for(with_check(f"420923{date}123")) == "birth_date"


def test_a_birth_in_the_future_is_refused_and_today_is_not() -> None:
    tomorrow = TODAY + dt.timedelta(days=1)
    assert reason_for(number_of("420923", tomorrow, "123")) == "birth_date"
    assert parse(number_of("420923", TODAY, "123"), today=TODAY).birth_date == TODAY


@pytest.mark.parametrize(
    "typed", ["", "42092319900101123", "4209231990010112345", "42092319900101123A", "abc"]
)
def test_what_has_not_the_shape_of_a_number_is_refused_for_its_shape(typed: str) -> None:
    assert reason_for(typed) == "shape"


@pytest.mark.parametrize(
    ("born", "day", "age"),
    [
        (dt.date(2000, 6, 15), dt.date(2016, 6, 14), 15),
        (dt.date(2000, 6, 15), dt.date(2016, 6, 15), 16),
        (dt.date(2000, 6, 15), dt.date(2016, 6, 16), 16),
        (dt.date(2000, 12, 31), dt.date(2017, 1, 1), 16),
        # Born on 29 February: a year older on 29 February in a leap year, on 1 March otherwise.
        (dt.date(2008, 2, 29), dt.date(2024, 2, 28), 15),
        (dt.date(2008, 2, 29), dt.date(2024, 2, 29), 16),
        (dt.date(2008, 2, 29), dt.date(2025, 2, 28), 16),
        (dt.date(2008, 2, 29), dt.date(2025, 3, 1), 17),
    ],
)
def test_age_on_a_day_counts_whole_years(born: dt.date, day: dt.date, age: int) -> None:
    assert resident_id.age_on(born, day) == age
    assert parse(number_of("420923", born, "123"), today=TODAY).age_on(day) == age


@given(births, st.integers(min_value=1, max_value=100))
def test_a_person_is_a_year_older_on_their_birthday_and_not_the_day_before(
    born: dt.date, years: int
) -> None:
    try:
        birthday = born.replace(year=born.year + years)
    except ValueError:  # 29 February in a common year: the birthday is 1 March
        birthday = dt.date(born.year + years, 3, 1)
    assert resident_id.age_on(born, birthday) == years
    assert resident_id.age_on(born, birthday - dt.timedelta(days=1)) == years - 1


def test_digits_of_other_scripts_are_not_digits_here() -> None:
    # Devanagari digits satisfy \d and int(); the same number written with them would get
    # another digest and let one person join twice.
    ascii_number = with_check("42092319700101123")
    devanagari = "४२०९२३" + ascii_number[6:]
    with pytest.raises(InvalidResidentId) as refused:
        parse(devanagari)
    assert refused.value.reason == "shape"
