"""Reminders: the evening before and an hour before, for the people who hold a place. Each names
the event's version; one for a place given up, or for an event moved or called off since, sends
nothing (a moved event's people get new ones)."""

import datetime as dt

from django.utils import timezone

from yixun.events.models import Registration
from yixun.events.services import manage, registration
from yixun.events.tests.conftest import at, fresh, messages_to, new_event, phone, register_public

REMIND = "yixun.events.tasks.remind"


def reminders_for(deferred_tasks, ticket: Registration) -> list[tuple[dt.datetime, int, str]]:
    return sorted(
        (result.task.run_after, result.args[1], result.args[2])
        for result in deferred_tasks.deferred
        if result.task.module_path == REMIND and result.args[0] == ticket.pk
    )


def test_registering_two_days_ahead_queues_two_reminders_that_remind(
    officer, outbox, deferred_tasks, committed
) -> None:
    event = new_event(officer, starts_at=at(2, 10))
    with committed():
        mine = register_public(event, 1)

    assert reminders_for(deferred_tasks, mine) == [(at(1, 20), 0, "day"), (at(2, 9), 0, "hour")]
    assert deferred_tasks.run_deferred(until=at(1, 19)) == []
    assert deferred_tasks.run_deferred(until=at(1, 20)) == [True]
    assert deferred_tasks.run_deferred(until=at(2, 9)) == [True]
    told = messages_to(outbox, phone(1))
    assert len(told) == 2
    assert all(mine.get_absolute_url() in message.body for message in told)
    assert all(event.place_name in message.body for message in told)


def test_reminders_already_due_are_not_queued(officer, deferred_tasks, committed) -> None:
    soon = new_event(officer, starts_at=timezone.now() + dt.timedelta(minutes=30))
    with committed():
        mine = register_public(soon, 1)
    assert reminders_for(deferred_tasks, mine) == []


def test_the_waiting_list_is_not_reminded_until_promoted(
    open_day, outbox, deferred_tasks, committed
) -> None:
    with committed():
        made = [register_public(open_day, i) for i in range(4)]
    assert reminders_for(deferred_tasks, made[3]) == []

    with committed():
        registration.cancel(registration=made[0], actor=None)

    assert [kind for _at, _seq, kind in reminders_for(deferred_tasks, made[3])] == ["day", "hour"]


def test_a_cancelled_registration_is_not_reminded(
    officer, outbox, deferred_tasks, committed
) -> None:
    event = new_event(officer, starts_at=at(2, 10))
    with committed():
        mine = register_public(event, 1)
    registration.cancel(registration=mine, actor=None)
    outbox.clear()

    assert deferred_tasks.run_deferred(until=at(3, 0)) == [False, False]
    assert outbox == []


def test_a_moved_event_tells_its_people_and_only_the_new_reminders_remind(
    officer, outbox, deferred_tasks, committed
) -> None:
    event = new_event(officer, starts_at=at(2, 10))
    with committed():
        mine = register_public(event, 1)
    outbox.clear()

    with committed():
        moved = manage.save_event(
            actor=officer, event=event, starts_at=at(3, 10), ends_at=at(3, 13)
        )

    assert moved.sequence == 1
    told = messages_to(outbox, phone(1))
    assert len(told) == 1
    assert "10:00" in told[0].body
    assert reminders_for(deferred_tasks, mine) == [
        (at(1, 20), 0, "day"),
        (at(2, 9), 0, "hour"),
        (at(2, 20), 1, "day"),
        (at(3, 9), 1, "hour"),
    ]
    outbox.clear()
    assert deferred_tasks.run_deferred(until=at(2, 9)) == [False, False]
    assert deferred_tasks.run_deferred(until=at(3, 9)) == [True, True]
    assert len(messages_to(outbox, phone(1))) == 2


def test_a_change_that_does_not_move_the_event_keeps_the_reminders(
    officer, outbox, deferred_tasks, committed
) -> None:
    event = new_event(officer, starts_at=at(2, 10))
    with committed():
        register_public(event, 1)
    outbox.clear()

    with committed():
        changed = manage.save_event(actor=officer, event=event, title="警营开放日（改名）")

    assert changed.sequence == 1  # calendars take the new title
    assert outbox == []  # nobody is told of a new title
    # The old ones name the old sequence and stand aside for new ones: one of each reminds.
    assert sorted(deferred_tasks.run_deferred(until=at(2, 9))) == [False, False, True, True]
    assert len(messages_to(outbox, phone(1))) == 2


def test_a_cancelled_event_reminds_nobody(officer, outbox, deferred_tasks, committed) -> None:
    event = new_event(officer, starts_at=at(2, 10))
    with committed():
        register_public(event, 1)
    with committed():
        manage.cancel_event(event=fresh(event), actor=officer, reason="台风")
    told = messages_to(outbox, phone(1))
    assert len(told) == 1 and "台风" in told[0].body
    outbox.clear()

    assert set(deferred_tasks.run_deferred(until=at(3, 0))) == {False}
    assert outbox == []
