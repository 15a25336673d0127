"""The duty tests' county, and a patrol's records put in any year, for the public figures."""

import datetime as dt

from django.utils import timezone

from yixun.accounts.models import User
from yixun.patrols.models import Duty, Incident, Inspection
from yixun.patrols.tests.conftest import market, school, town
from yixun.places.models import Site
from yixun.shifts.models import Shift
from yixun.stats.tests.test_figures import patrol

__all__ = ["market", "school", "town", "worked"]


def worked(school: Site, market: Site, *users: User, year: int | None = None) -> Shift:
    """A patrol with duties, two inspections and three incidents; in `year` (mid-June) if given."""
    shift = patrol(school, market, *users)
    if year is not None:
        moment = dt.datetime(year, 6, 15, 9, tzinfo=timezone.get_current_timezone())
        Duty.objects.filter(shift=shift).update(
            checked_in_at=moment, checked_out_at=moment + dt.timedelta(hours=2)
        )
        Inspection.objects.filter(log__shift=shift).update(occurred_at=moment)
        Incident.objects.filter(log__shift=shift).update(occurred_at=moment)
    return shift
