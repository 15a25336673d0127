"""Which days are school days: inside a term, a working day in China, and not a school holiday."""

import datetime as dt
from collections.abc import Iterable

import chinese_calendar

from yixun.shifts.models import SchoolHoliday, Term


def is_workday(day: dt.date) -> bool:
    """China's working days, with public holidays off and make-up Saturdays and Sundays on.

    For a year the calendar package does not know yet (the State Council publishes each
    year's holidays in the autumn before), weekdays count as working days; officers add
    that year's holidays as school holidays until the package is updated.
    """
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def known_holiday_years() -> range:
    """The years whose public holidays this installation knows."""
    years = [day.year for day in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


def school_days(first: dt.date, last: dt.date) -> set[dt.date]:
    terms = list(
        Term.objects.filter(starts_on__lte=last, ends_on__gte=first).values_list(
            "starts_on", "ends_on"
        )
    )
    holidays = list(
        SchoolHoliday.objects.filter(starts_on__lte=last, ends_on__gte=first).values_list(
            "starts_on", "ends_on"
        )
    )
    return {
        day
        for day in days(first, last)
        if any(start <= day <= end for start, end in terms)
        and not any(start <= day <= end for start, end in holidays)
        and is_workday(day)
    }


def days(first: dt.date, last: dt.date) -> Iterable[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)
