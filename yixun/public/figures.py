"""The association's figures as the public sees them: totals by year, for the county or a town,
counted by `stats.figures.compute` and kept in the shared cache, so that the home page and the
figures page (in any process) give the same number for the same year.

What is kept is kept under a token (`generations`) that every change to the records the figures
count renews (`records_changed`, told of each audit entry): a duty, an inspection, an incident,
an event's attendance, a tip's outcome shows at once; a busy home page counts once per change,
not once per visit."""

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.db import models, transaction
from django.db.models import Min
from django.utils import timezone

from yixun.lib import generations
from yixun.patrols.models import Duty, Incident, Inspection
from yixun.places.models import Area
from yixun.stats import figures
from yixun.tips.models import Outcome, Tip

SECONDS = 60 * 10  # a backstop: a change the trail does not record shows within this
GENERATION = "public.figures"
COUNTED_APPS = frozenset({"patrols", "tips", "events"})  # whose records the figures count
MAX_YEARS = 30  # a table a phone can scroll; records older than this are not shown by year


@dataclass(frozen=True)
class Shown:
    name: str
    label: str
    value: int | float


def records_changed(action: str, target: models.Model | None) -> None:
    """An audit entry was written: if it is of a record the figures count, count them anew."""
    if action.partition(".")[0] in COUNTED_APPS:
        # After the commit: renewed before it, a reader could count the old rows and keep them
        # under the new token until the backstop.
        transaction.on_commit(lambda: generations.renew(GENERATION))


def year_scope(year: int, area: Area | None = None) -> figures.Scope:
    """The year from 1 January; this year's has no end, as the home page counts it."""
    last = None if year >= timezone.localdate().year else dt.date(year, 12, 31)
    return figures.Scope(first=dt.date(year, 1, 1), last=last, area=area)


def for_year(year: int, area: Area | None = None) -> dict[str, int | float]:
    """Every figure of the year (and town), at most `SECONDS` old."""
    key = f"public:figures:{generations.current(GENERATION)}:{year}:{area.pk if area else 'all'}"
    values: dict[str, int | float] | None = cache.get(key)
    if values is None:
        values = figures.compute(year_scope(year, area))
        cache.set(key, values, SECONDS)
    return values


def shown(values: dict[str, int | float], names: list[str]) -> list[Shown]:
    return [Shown(name, str(figures.BY_NAME[name].label), values[name]) for name in names]


def labels(names: list[str]) -> list[tuple[str, str]]:
    return [(name, str(figures.BY_NAME[name].label)) for name in names]


def first_year() -> int:
    """The year of the association's first record: a duty, an inspection, an incident or a
    case solved from a tip. This year when there is none."""
    key = f"public:figures:{generations.current(GENERATION)}:first-year"
    year: int | None = cache.get(key)
    if year is None:
        firsts = [
            Duty.objects.counted().aggregate(first=Min("checked_in_at"))["first"],
            Inspection.objects.aggregate(first=Min("occurred_at"))["first"],
            Incident.objects.aggregate(first=Min("occurred_at"))["first"],
            Tip.objects.filter(outcome=Outcome.CASE_SOLVED).aggregate(first=Min("outcome_at"))[
                "first"
            ],
        ]
        this_year = timezone.localdate().year
        found = [timezone.localtime(moment).year for moment in firsts if moment is not None]
        year = max(min(found, default=this_year), this_year - MAX_YEARS + 1)
        cache.set(key, year, SECONDS)
    return year


def by_year(area: Area | None = None) -> list[tuple[int, dict[str, int | float]]]:
    """Each year's figures, this year first, back to the first year with records."""
    this_year = timezone.localdate().year
    return [(year, for_year(year, area)) for year in range(this_year, first_year() - 1, -1)]


def towns() -> list[Area]:
    return list(Area.objects.filter(level=Area.Level.TOWN).order_by("path"))
