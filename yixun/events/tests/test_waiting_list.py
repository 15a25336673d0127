"""Cancelling gives the place to the first person waiting, who is told; more places given by
an officer go to the people waiting too, and places cannot be lowered below those taken."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from yixun.events.models import Registration
from yixun.events.services import door, manage, registration
from yixun.events.services.errors import EventRefused
from yixun.events.tests.conftest import (
    audited,
    clock_at,
    fresh,
    messages_to,
    phone,
    register_public,
)


def test_cancelling_gives_the_place_to_the_first_waiting_who_is_told(
    open_day, outbox, committed
) -> None:
    made = [register_public(open_day, i) for i in range(5)]  # 3 places, 2 waiting
    outbox.clear()

    with committed():
        cancelled = registration.cancel(registration=made[1], actor=None)

    assert cancelled.status == Registration.Status.CANCELLED
    assert cancelled.cancelled_at is not None
    statuses = {r.pk: r.status for r in Registration.objects.all()}
    assert statuses[made[3].pk] == Registration.Status.CONFIRMED  # first in turn
    assert statuses[made[4].pk] == Registration.Status.WAITING
    assert fresh(open_day).taken == 3
    promoted = Registration.objects.get(pk=made[3].pk)
    assert promoted.promoted_at is not None
    assert len(audited("events.registration.cancelled", made[1])) == 1
    assert len(audited("events.registration.promoted", promoted)) == 1

    told = messages_to(outbox, phone(3))
    assert len(told) == 1
    assert promoted.get_absolute_url() in told[0].body
    assert told[0].body.count("http") == 1
    assert messages_to(outbox, phone(4)) == []


def test_cancelling_twice_is_harmless(open_day) -> None:
    made = [register_public(open_day, i) for i in range(4)]

    registration.cancel(registration=made[0], actor=None)
    again = registration.cancel(registration=made[0], actor=None)

    assert again.status == Registration.Status.CANCELLED
    assert fresh(open_day).taken == 3
    assert Registration.objects.filter(status="confirmed").count() == 3
    assert len(audited("events.registration.cancelled", made[0])) == 1


def test_leaving_the_waiting_list_frees_no_place(open_day) -> None:
    made = [register_public(open_day, i) for i in range(5)]

    registration.cancel(registration=made[3], actor=None)

    assert fresh(open_day).taken == 3
    assert Registration.objects.get(pk=made[4].pk).status == Registration.Status.WAITING


def test_a_cancelled_number_may_register_again(open_day) -> None:
    first = register_public(open_day, 1)
    registration.cancel(registration=first, actor=None)

    again = register_public(open_day, 1)

    assert again.pk != first.pk
    assert again.status == Registration.Status.CONFIRMED
    assert fresh(open_day).taken == 1


def test_a_used_ticket_cannot_be_cancelled(officer, open_day) -> None:
    mine = register_public(open_day, 1)
    with clock_at(open_day.starts_at):
        door.check_in(event=fresh(open_day), registration=mine, actor=officer)

    with pytest.raises(EventRefused) as refused:
        registration.cancel(registration=mine, actor=None)

    assert refused.value.code == "attended"
    assert Registration.objects.get(pk=mine.pk).status == Registration.Status.CONFIRMED
    assert fresh(open_day).taken == 1


def test_more_places_go_to_the_people_waiting(officer, open_day, outbox, committed) -> None:
    made = [register_public(open_day, i) for i in range(6)]  # 3 places, 3 waiting
    outbox.clear()

    # The officer's copy of the event was read before anyone registered.
    with committed():
        changed = manage.save_event(actor=officer, event=open_day, capacity=5)

    assert changed.capacity == 5
    assert fresh(open_day).taken == 5
    statuses = [Registration.objects.get(pk=r.pk).status for r in made]
    assert statuses == ["confirmed"] * 5 + ["waiting"]
    assert {m.to for m in outbox} == {phone(3), phone(4)}


def test_places_cannot_be_lowered_below_those_taken(officer, open_day) -> None:
    for i in range(3):
        register_public(open_day, i)

    with pytest.raises(ValidationError) as refused:
        manage.save_event(actor=officer, event=fresh(open_day), capacity=2)

    assert "capacity" in refused.value.message_dict
    assert fresh(open_day).capacity == 3
    assert fresh(open_day).taken == 3


def test_places_cannot_be_lowered_below_those_taken_since_the_event_was_read(
    officer, open_day
) -> None:
    stale = fresh(open_day)
    for i in range(3):
        register_public(open_day, i)

    with pytest.raises(ValidationError):
        manage.save_event(actor=officer, event=stale, capacity=2)

    assert (fresh(open_day).capacity, fresh(open_day).taken) == (3, 3)


def test_a_cancelled_event_promotes_nobody(officer, open_day, outbox, committed) -> None:
    made = [register_public(open_day, i) for i in range(4)]
    manage.cancel_event(event=fresh(open_day), actor=officer, reason="台风")
    outbox.clear()

    with committed():
        registration.cancel(registration=made[0], actor=None)

    assert Registration.objects.get(pk=made[3].pk).status == Registration.Status.WAITING
    assert outbox == []


def test_a_place_freed_after_the_event_promotes_nobody(
    officer, open_day, outbox, committed
) -> None:
    made = [register_public(open_day, i) for i in range(4)]
    outbox.clear()

    with clock_at(open_day.ends_at + dt.timedelta(hours=1)), committed():
        registration.cancel(registration=made[0], actor=officer, by_staff=True)

    assert Registration.objects.get(pk=made[3].pk).status == Registration.Status.WAITING
    assert outbox == []
