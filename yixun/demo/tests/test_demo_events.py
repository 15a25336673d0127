"""The demo county's two years of events: every kind, with the partner organisations, the door's
attendance feeding the figures, trainings that granted a briefing, and a police open day a few
days away with places left. One build, checked for what it holds and that its records agree."""

import datetime as dt

from django.core.management import call_command
from django.db.models import Count, Q, Sum
from django.utils import timezone

from yixun.events.models import Event, EventKind, EventPhoto, Registration
from yixun.events.services.registration import may_register
from yixun.members.models import PartnerOrganisation
from yixun.patrols.models import Duty, Incident
from yixun.shifts.models import BriefingAcknowledgement, ShiftKind
from yixun.shifts.services.rules import current_briefing
from yixun.shifts.trainings import next_granting
from yixun.stats.figures import Scope, compute


def test_the_demo_has_two_years_of_events_and_an_open_day_to_come(db: None) -> None:
    call_command("demo", "--size", "small", verbosity=0)
    now = timezone.now()
    past = Event.objects.past().exclude(status=Event.Status.DRAFT)

    # Every kind, over two years, each with some reported on.
    assert set(past.values_list("kind", flat=True)) == set(EventKind.values)
    assert past.filter(starts_at__lt=now - dt.timedelta(days=600)).exists()
    for kind in EventKind.values:
        assert past.filter(kind=kind, closed_at__isnull=False).exclude(summary="").exists(), kind
    # With the four partner organisations of the field report.
    partners = PartnerOrganisation.objects.annotate(held=Count("events"))
    assert partners.count() == 4
    assert all(partner.held for partner in partners)

    # The records hold together: places counted as the compare-and-set would, check-ins only for
    # confirmed places, reports after the event and at least everyone let in reached.
    for event in Event.objects.annotate(
        confirmed=Count(
            "registrations",
            filter=Q(registrations__status="confirmed", registrations__is_walk_in=False),
        ),
        attended=Count("registrations", filter=Q(registrations__checked_in_at__isnull=False)),
    ):
        assert event.taken == event.confirmed <= event.capacity, event.title
        assert event.people_reached >= event.attended, event.title
        if event.closed_at is not None:
            assert event.ends_at < event.closed_at < now, event.title
            assert event.summary, event.title
    registrations = Registration.objects.all()
    assert registrations.filter(checked_in_at__isnull=False, is_walk_in=False).exists()
    assert registrations.filter(is_walk_in=True).exists()
    assert registrations.filter(status=Registration.Status.CANCELLED).exists()
    no_shows = registrations.filter(
        status=Registration.Status.CONFIRMED,
        is_walk_in=False,
        checked_in_at__isnull=True,
        event__in=past,
    )
    assert no_shows.exists()
    assert registrations.filter(member__isnull=False).exists()  # members, and the public
    assert registrations.filter(member__isnull=True).exists()
    assert not registrations.filter(created_at__gt=now).exists()
    assert not registrations.filter(checked_in_at__gt=now).exists()
    photos = EventPhoto.objects.filter(is_report=True)
    assert photos.exists()
    assert all(photo.image.storage.exists(str(photo.image.name)) for photo in photos)

    # Trainings granted their briefing at the door: the members let in hold the current one.
    training = past.filter(kind=EventKind.TRAINING, grants_briefing=ShiftKind.VENUE_CHECK).first()
    assert training is not None
    briefing = current_briefing(ShiftKind.VENUE_CHECK)
    assert briefing is not None
    trained = training.registrations.filter(checked_in_at__isnull=False, member__isnull=False)
    assert trained.exists()
    held = set(
        BriefingAcknowledgement.objects.filter(briefing=briefing).values_list(
            "member_id", flat=True
        )
    )
    assert set(trained.values_list("member_id", flat=True)) <= held
    assert not BriefingAcknowledgement.objects.filter(acknowledged_at__gt=now).exists()
    # And the calendar points members without the traffic briefing to the next training.
    coming_training = next_granting(ShiftKind.TRAFFIC)
    assert coming_training is not None and coming_training.starts_at > now

    # Members who staffed events on their duty shifts earned their hours.
    duty = Duty.objects.filter(shift__kind=ShiftKind.EVENT_DUTY, shift__events__isnull=False)
    assert duty.filter(status=Duty.Status.DONE, minutes__gt=0).exists()

    # The open day to come: the first public event, a few days away, with places left and a few
    # registered already, and its duty shift in the calendar.
    open_day = Event.objects.for_public().upcoming().first()
    assert open_day is not None
    assert open_day.kind == EventKind.OPEN_DAY
    assert open_day.starts_at < now + dt.timedelta(days=7)
    assert open_day.is_open and may_register(open_day, None)
    assert open_day.taken > 0 and open_day.places_left > 0
    assert open_day.duty_shifts.exists()
    assert Event.objects.filter(status=Event.Status.DRAFT, starts_at__gt=now).exists()

    # Attendance feeds the figures: the events held, and the people they reached beside the
    # people reached on patrol.
    figures = compute(Scope())
    on_patrol = Incident.objects.aggregate(reached=Sum("people_reached"))["reached"] or 0
    at_events = past.aggregate(reached=Sum("people_reached"))["reached"]
    assert at_events > 0
    assert figures["people_reached"] == on_patrol + at_events
    assert (
        figures["events"]
        == past.filter(Q(closed_at__isnull=False) | Q(people_reached__gt=0)).count()
    )
