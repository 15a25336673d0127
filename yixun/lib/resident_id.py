"""Resident identity card numbers of the People's Republic of China (GB 11643-1999).

Eighteen characters: a six-digit region code, the date of birth (YYYYMMDD), a
three-digit sequence whose last digit is odd for men and even for women, and
a check character (0-9 or X) computed with ISO 7064 MOD 11-2.
"""

import datetime as dt
import re
from dataclasses import dataclass

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
# ASCII digits only: \d would let other scripts' digits through, and the same number written
# with them would get another digest and slip past the one-member-per-number rule.
SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
FULL_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")

# Province-level prefixes (GB/T 2260). Finer prefixes change as counties are
# merged, and an old card keeps its old code, so only this level is checked.
PROVINCES = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古",
    "21": "辽宁", "22": "吉林", "23": "黑龙江",
    "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西", "37": "山东",
    "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
    "50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏",
    "61": "陕西", "62": "甘肃", "63": "青海", "64": "宁夏", "65": "新疆",
    "71": "台湾", "81": "香港", "82": "澳门",
    "83": "台湾居民居住证",
}  # fmt: skip
EARLIEST_BIRTH = dt.date(1900, 1, 1)


class InvalidResidentId(ValueError):
    """Why a number is not a resident ID number; `reason` is a stable code."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F"

    @property
    def province(self) -> str:
        return PROVINCES[self.number[:2]]

    @property
    def masked(self) -> str:
        """Region and last four shown, birth date hidden: 420923********1234."""
        return mask(self.number)

    def age_on(self, day: dt.date) -> int:
        return age_on(self.birth_date, day)


def check_character(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def parse(raw: str, *, today: dt.date | None = None) -> ResidentId:
    """Check a number and read what it says, or raise InvalidResidentId.

    Spaces and full-width characters typed by a Chinese input method are
    forgiven; a lower-case x is the check character X.
    """
    number = "".join((raw or "").split()).translate(FULL_WIDTH).upper()
    if not SHAPE.match(number):
        raise InvalidResidentId("shape")
    if number[:2] not in PROVINCES:
        raise InvalidResidentId("region")
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidResidentId("birth_date") from None
    if born < EARLIEST_BIRTH or born > (today or dt.date.today()):  # noqa: DTZ011 - a calendar day
        raise InvalidResidentId("birth_date")
    if check_character(number[:17]) != number[17]:
        raise InvalidResidentId("check")
    return ResidentId(number=number, birth_date=born, sex="M" if int(number[16]) % 2 else "F")


def mask(number: str) -> str:
    return f"{number[:6]}{'*' * 8}{number[-4:]}" if len(number) == 18 else "*" * len(number)


def age_on(born: dt.date, day: dt.date) -> int:
    """Whole years of age on a day (a person born on 29 February turns a year older on 1 March)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
