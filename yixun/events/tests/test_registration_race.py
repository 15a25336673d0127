"""Never overbooked, never let in twice: many people register for the last places at the same
moment, the same person's form is sent many times at once, and many staff scan one ticket at
once. Run on PostgreSQL (DATABASE_URL=postgres://…) for the real race; SQLite serialises
writers, and the same must hold there."""

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection
from django.utils import timezone

from yixun.events.models import Event, Registration
from yixun.events.services import door, registration
from yixun.events.services.errors import TicketRefused
from yixun.events.tests.conftest import new_event, phone

PLACES = 5
PEOPLE = 20
SCANS = 10


def at_once(n: int, work: Callable[[int], object]) -> tuple[dict[int, object], list[BaseException]]:
    """Run work(0) … work(n-1) in n threads, each with its own connection, released together."""
    barrier = threading.Barrier(n)
    results: dict[int, object] = {}
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=60)
            results[i] = work(i)
        except BaseException as error:  # any failure at all is a failure of the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_many_people_at_once_get_exactly_the_places_there_are(officer) -> None:
    event = new_event(officer, capacity=PLACES)

    def register(i: int) -> str:
        mine = registration.register(
            event=Event.objects.get(pk=event.pk), name=f"市民{i}", phone=phone(i)
        )
        return mine.status

    results, errors = at_once(PEOPLE, register)

    assert errors == []
    assert Counter(results.values()) == {"confirmed": PLACES, "waiting": PEOPLE - PLACES}
    event.refresh_from_db()
    assert event.taken == PLACES
    stored = Counter(Registration.objects.filter(event=event).values_list("status", flat=True))
    assert stored == {"confirmed": PLACES, "waiting": PEOPLE - PLACES}
    assert set(Registration.objects.values_list("phone", flat=True)) == {
        phone(i) for i in range(PEOPLE)
    }


@pytest.mark.django_db(transaction=True)
def test_one_form_sent_many_times_at_once_is_one_registration(officer) -> None:
    event = new_event(officer, capacity=PLACES)

    def register(_i: int) -> int:
        mine = registration.register(
            event=Event.objects.get(pk=event.pk), name="市民", phone=phone(1)
        )
        return mine.pk

    results, errors = at_once(SCANS, register)

    assert errors == []
    assert Registration.objects.count() == 1
    assert set(results.values()) == {Registration.objects.get().pk}
    event.refresh_from_db()
    assert event.taken == 1  # the places taken by the losers were given back


@pytest.mark.django_db(transaction=True)
def test_one_ticket_scanned_by_many_at_once_lets_one_in(officer) -> None:
    event = new_event(officer, starts_at=timezone.now() + dt.timedelta(minutes=30))
    ticket = registration.register(event=event, name="市民", phone=phone(1))

    def scan(_i: int) -> str:
        try:
            door.check_in(
                event=Event.objects.get(pk=event.pk),
                registration=Registration.objects.get(pk=ticket.pk),
                actor=officer,
            )
        except TicketRefused as refused:
            return refused.code
        return "let in"

    results, errors = at_once(SCANS, scan)

    assert errors == []
    assert Counter(results.values()) == {"let in": 1, "used": SCANS - 1}
    ticket.refresh_from_db()
    assert ticket.checked_in_at is not None
    from yixun.audit.models import AuditEntry

    assert AuditEntry.objects.filter(action="events.registration.checked_in").count() == 1
