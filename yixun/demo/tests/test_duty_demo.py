import datetime as dt

from django.core.management import call_command
from django.db.models import Count, F, Q
from django.utils import timezone

from yixun.patrols.models import (
    Duty,
    DutyRules,
    Incident,
    IncidentKind,
    Inspection,
    PatrolLog,
    Photo,
)
from yixun.patrols.services.places import sites_of
from yixun.places.models import Site
from yixun.shifts.models import Claim
from yixun.stats.figures import Scope, compute


def test_the_small_county_has_years_of_duty_behind_its_figures(db) -> None:
    """One build, checked for what it holds and that its records agree (a build takes seconds)."""
    call_command("demo", "--size", "small", verbosity=0)
    assert Duty.objects.filter(status=Duty.Status.DONE).exists()
    assert Duty.objects.filter(status=Duty.Status.NO_SHOW).exists()
    assert Duty.objects.filter(late_minutes__gt=0).exists()
    assert Duty.objects.filter(check_out_method=Duty.CheckOut.AUTO).exists()
    assert PatrolLog.objects.filter(status=PatrolLog.Status.APPROVED).exists()
    assert Inspection.objects.exists()
    assert set(Incident.objects.values_list("kind", flat=True)) == set(IncidentKind.values)
    assert Photo.objects.exists()
    assert all(
        photo.width and photo.image.storage.exists(photo.image.name)
        for photo in Photo.objects.all()
    )
    # Since 2011: the history reaches back to the association's first patrols.
    assert Duty.objects.filter(checked_in_at__year=2012).exists()

    figures = compute(Scope())
    for name in ("duties", "volunteers", "hours", "inspections", "accidents", "people_helped"):
        assert figures[name] > 0, name
    assert figures["duties"] == Duty.objects.filter(status=Duty.Status.DONE).count()
    assert figures["inspections"] == Inspection.objects.count()

    # The records hold together.
    grace = DutyRules.current().grace
    done = Duty.objects.filter(status=Duty.Status.DONE).select_related("shift")
    for duty in done:
        assert duty.checked_in_at < duty.shift.ends_at, duty.pk
        assert duty.checked_in_at <= duty.checked_out_at, duty.pk
        assert (
            duty.minutes * 60 <= (duty.shift.ends_at - duty.shift.starts_at + grace).total_seconds()
        )
    # Every duty stands on an active claim of the same member on the same shift.
    assert not Duty.objects.exclude(
        claim__shift=F("shift"), claim__member=F("member"), claim__status=Claim.Status.ACTIVE
    ).exists()
    # Logs and their records belong to shifts someone came to, and inspect the shift's sites.
    came = Count("shift__duties", filter=Q(shift__duties__status=Duty.Status.DONE))
    assert not PatrolLog.objects.annotate(came=came).filter(came=0).exists()
    sites: dict[int, list[Site]] = {}
    for inspection in Inspection.objects.select_related(
        "log__shift__site", "log__shift__route", "log__shift__area", "site"
    ):
        shift = inspection.log.shift
        if shift.pk not in sites:
            sites[shift.pk] = sites_of(shift)
        assert inspection.site in sites[shift.pk], inspection.pk
        assert shift.starts_at <= inspection.occurred_at <= shift.ends_at
    assert not PatrolLog.objects.filter(status=PatrolLog.Status.APPROVED, summary="").exists()
    assert not Duty.objects.filter(
        checked_in_at__gt=timezone.now() + dt.timedelta(seconds=1)
    ).exists()
