"""The door: a ticket lets its holder in once, at its own event, opened by the event's staff;
walk-ins are let in beside the registered places; the attendance counts both."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone, translation

from yixun.events.models import Event, Registration
from yixun.events.services import door, manage, registration
from yixun.events.services.errors import EventRefused, NotAllowed, TicketRefused
from yixun.events.tests.conftest import (
    audited,
    clock_at,
    fresh,
    member_of,
    new_event,
    phone,
    register_public,
)
from yixun.shifts.models import ClaimRules
from yixun.shifts.services import claims


def at_the_door(event: Event):
    """Half an hour before the start: the door is open."""
    return clock_at(event.starts_at - dt.timedelta(minutes=30))


def test_a_ticket_lets_its_holder_in_once(officer, open_day) -> None:
    mine = register_public(open_day, 1)

    with at_the_door(open_day):
        found = door.find_ticket(event=fresh(open_day), code=f" {mine.code.lower()} ")
        assert found.pk == mine.pk
        let_in = door.check_in(event=fresh(open_day), registration=found, actor=officer)
        assert let_in.checked_in_at is not None
        assert let_in.checked_in_by == officer

        again = door.find_ticket(event=fresh(open_day), code=mine.code)
        with translation.override("en"), pytest.raises(TicketRefused) as used:
            door.check_in(event=fresh(open_day), registration=again, actor=officer)

    assert used.value.code == "used"
    assert used.value.status == 409
    shown = timezone.localtime(Registration.objects.get(pk=mine.pk).checked_in_at)
    assert f"{shown:%H:%M}" in used.value.message
    assert len(audited("events.registration.checked_in", mine)) == 1


def test_an_unknown_code_is_refused(open_day) -> None:
    with pytest.raises(TicketRefused) as refused:
        door.find_ticket(event=fresh(open_day), code="ZZZZZZ")
    assert refused.value.code == "unknown"


def test_a_ticket_of_another_event_is_refused_and_the_event_named(officer, open_day) -> None:
    talk = new_event(
        officer, kind=Event.Kind.TALK, title="防诈骗讲座", starts_at=open_day.starts_at
    )
    theirs = register_public(talk, 1)

    with at_the_door(open_day):
        with pytest.raises(TicketRefused) as found:
            door.find_ticket(event=fresh(open_day), code=theirs.code)
        with pytest.raises(TicketRefused) as checked:
            door.check_in(event=fresh(open_day), registration=theirs, actor=officer)

    assert found.value.code == checked.value.code == "other_event"
    assert "防诈骗讲座" in found.value.message
    assert "防诈骗讲座" in checked.value.message
    assert Registration.objects.get(pk=theirs.pk).checked_in_at is None


def test_cancelled_and_waiting_tickets_are_refused(officer, open_day) -> None:
    made = [register_public(open_day, i) for i in range(4)]  # the fourth waits
    registration.cancel(registration=made[0], actor=None)  # the fourth gets the place
    waiting = register_public(open_day, 9)
    cancelled = Registration.objects.get(pk=made[0].pk)

    with at_the_door(open_day):
        with pytest.raises(TicketRefused) as was_cancelled:
            door.check_in(event=fresh(open_day), registration=cancelled, actor=officer)
        with pytest.raises(TicketRefused) as still_waiting:
            door.check_in(event=fresh(open_day), registration=waiting, actor=officer)

    assert was_cancelled.value.code == "cancelled"
    assert still_waiting.value.code == "waiting"
    assert not Registration.objects.filter(checked_in_at__isnull=False).exists()


def test_a_ticket_cancelled_after_it_was_looked_up_is_refused(officer, open_day) -> None:
    mine = register_public(open_day, 1)
    with at_the_door(open_day):
        found = door.find_ticket(event=fresh(open_day), code=mine.code)
        registration.cancel(registration=mine, actor=None)  # on the holder's phone, meanwhile
        with pytest.raises(TicketRefused) as refused:
            door.check_in(event=fresh(open_day), registration=found, actor=officer)
    assert refused.value.code == "cancelled"
    assert Registration.objects.get(pk=mine.pk).checked_in_at is None


def test_only_the_events_staff_keep_its_door(officer, open_day, volunteer, volunteer2) -> None:
    mine = register_public(open_day, 1)
    assert not door.may_keep_door(volunteer, fresh(open_day))

    with at_the_door(open_day):
        with pytest.raises(NotAllowed):
            door.check_in(event=fresh(open_day), registration=mine, actor=volunteer)
        with pytest.raises(NotAllowed):
            door.add_walk_in(event=fresh(open_day), name="路人", actor=volunteer)
    assert Registration.objects.get(pk=mine.pk).checked_in_at is None
    assert Registration.objects.count() == 1

    manage.save_event(actor=officer, event=open_day, staff=[volunteer2])
    assert door.may_keep_door(volunteer2, fresh(open_day))
    assert not door.may_keep_door(volunteer, fresh(open_day))
    with at_the_door(open_day):
        door.check_in(event=fresh(open_day), registration=mine, actor=volunteer2)
    assert Registration.objects.get(pk=mine.pk).checked_in_by == volunteer2


def test_a_member_on_the_events_duty_shift_keeps_its_door(officer, volunteer, area) -> None:
    rules = ClaimRules.current()
    rules.newcomer_patrols = 0  # the newcomer rule is not what this is about
    rules.save()
    fair = new_event(officer, kind=Event.Kind.CAMPAIGN, title="反诈宣传集市", area=area)
    shift = manage.add_duty_shift(event=fresh(fair), actor=officer, people=2)
    mine = register_public(fair, 1)
    assert not door.may_keep_door(volunteer, fresh(fair))

    claim = claims.claim_shift(shift=shift, member=member_of(volunteer), actor=volunteer)

    assert door.may_keep_door(volunteer, fresh(fair))
    with at_the_door(fair):
        door.check_in(event=fresh(fair), registration=mine, actor=volunteer)
    assert Registration.objects.get(pk=mine.pk).is_checked_in

    # Released, they no longer do.
    claims.release_claim(claim=claim, actor=volunteer)
    assert not door.may_keep_door(volunteer, fresh(fair))


def test_the_door_opens_two_hours_before_the_start(officer, open_day) -> None:
    mine = register_public(open_day, 1)

    too_early = clock_at(open_day.starts_at - dt.timedelta(hours=2, minutes=5))
    with too_early, pytest.raises(EventRefused) as early:
        door.check_in(event=fresh(open_day), registration=mine, actor=officer)
    assert early.value.code == "door_not_open"
    assert Registration.objects.get(pk=mine.pk).checked_in_at is None

    with clock_at(open_day.starts_at - dt.timedelta(hours=1, minutes=55)):
        door.check_in(event=fresh(open_day), registration=mine, actor=officer)


def test_a_cancelled_event_lets_nobody_in(officer, open_day) -> None:
    mine = register_public(open_day, 1)
    manage.cancel_event(event=fresh(open_day), actor=officer, reason="台风")
    with at_the_door(open_day), pytest.raises(EventRefused) as refused:
        door.check_in(event=fresh(open_day), registration=mine, actor=officer)
    assert refused.value.code == "cancelled_event"


def test_walk_ins_are_let_in_beside_the_places_and_counted(officer, open_day) -> None:
    for i in range(3):
        register_public(open_day, i)  # every place taken

    with at_the_door(open_day):
        walk_in = door.add_walk_in(
            event=fresh(open_day), name=" 过路的王先生 ", phone="13800138000", actor=officer
        )

    assert walk_in.is_walk_in
    assert walk_in.status == Registration.Status.CONFIRMED
    assert walk_in.checked_in_at is not None and walk_in.checked_in_by == officer
    assert (walk_in.name, walk_in.phone) == ("过路的王先生", "+8613800138000")
    assert fresh(open_day).taken == 3  # the registered places are not theirs
    assert len(audited("events.registration.walked_in", walk_in)) == 1
    counts = manage.attendance(fresh(open_day))
    assert counts["confirmed"] == 3
    assert counts["walk_ins"] == 1
    assert counts["attended"] == 1


def test_a_registered_person_is_sent_to_their_ticket_not_walked_in(officer, open_day) -> None:
    mine = register_public(open_day, 1)
    with at_the_door(open_day), pytest.raises(TicketRefused) as refused:
        door.add_walk_in(event=fresh(open_day), name="市民1", phone=phone(1), actor=officer)
    assert refused.value.code == "registered"
    assert mine.code in refused.value.message
    assert Registration.objects.count() == 1


def test_a_walk_in_needs_a_name_and_a_good_number(officer, open_day) -> None:
    with at_the_door(open_day):
        with pytest.raises(EventRefused) as no_name:
            door.add_walk_in(event=fresh(open_day), name=" ", actor=officer)
        with pytest.raises(EventRefused) as bad_phone:
            door.add_walk_in(event=fresh(open_day), name="王", phone="110", actor=officer)
    assert (no_name.value.code, bad_phone.value.code) == ("name_missing", "phone_invalid")
    assert not Registration.objects.exists()


def test_the_attendance_counts_no_shows_once_the_event_is_over(officer, open_day) -> None:
    made = [register_public(open_day, i) for i in range(5)]  # 3 places, 2 waiting
    registration.cancel(registration=made[3], actor=None)  # one leaves the waiting list
    with at_the_door(open_day):
        door.check_in(event=fresh(open_day), registration=made[0], actor=officer)
        door.check_in(event=fresh(open_day), registration=made[1], actor=officer)
        door.add_walk_in(event=fresh(open_day), name="路人甲", actor=officer)
        door.add_walk_in(event=fresh(open_day), name="路人乙", actor=officer)

    during = manage.attendance(fresh(open_day))
    assert during == {
        "confirmed": 3,
        "attended": 4,
        "walk_ins": 2,
        "waiting": 1,
        "cancelled": 1,
        "no_shows": 0,  # they may still come
    }
    with clock_at(open_day.ends_at + dt.timedelta(minutes=1)):
        after = manage.attendance(fresh(open_day))
    assert after == {**during, "no_shows": 1}


def test_the_same_scan_sent_again_is_answered_as_the_first(officer, open_day) -> None:
    mine = register_public(open_day, 1)
    key = uuid.uuid4()
    with at_the_door(open_day):
        first = door.check_in(event=fresh(open_day), registration=mine, actor=officer, key=key)
        again = door.check_in(
            event=fresh(open_day),
            registration=Registration.objects.get(pk=mine.pk),
            actor=officer,
            key=key,
        )
    assert again.checked_in_at == first.checked_in_at
    assert len(audited("events.registration.checked_in", mine)) == 1


def test_the_report_counts_at_least_everyone_let_in(officer, open_day, volunteer) -> None:
    made = [register_public(open_day, i) for i in range(2)]
    with pytest.raises(EventRefused) as early:
        manage.close_event(event=fresh(open_day), actor=officer, summary="还没开始")
    assert early.value.code == "not_begun"

    with at_the_door(open_day):
        for ticket in made:
            door.check_in(event=fresh(open_day), registration=ticket, actor=officer)
    with clock_at(open_day.ends_at + dt.timedelta(hours=1)):
        with pytest.raises(NotAllowed):
            manage.close_event(event=fresh(open_day), actor=volunteer, summary="不是工作人员")
        with pytest.raises(EventRefused) as too_few:
            manage.close_event(
                event=fresh(open_day), actor=officer, summary="来了两位", people_reached=1
            )
        assert too_few.value.code == "reached_too_few"

        closed = manage.close_event(event=fresh(open_day), actor=officer, summary="来了两位")
        assert (closed.people_reached, closed.closed_by) == (2, officer)
        again = manage.close_event(
            event=fresh(open_day), actor=officer, summary="另发传单 40 份", people_reached=42
        )
    assert again.people_reached == 42
    assert again.closed_at == closed.closed_at
    assert len(audited("events.event.closed", open_day)) == 1
    assert len(audited("events.event.report_changed", open_day)) == 1
