"""Registering for an event: a place while there are places, the waiting list after; the same
person, number or key twice is one registration; the event's audience and its state decide who
may register at all."""

import datetime as dt
import uuid

import pytest
from django.utils import translation

from yixun.events.models import Event, Registration
from yixun.events.services import manage, registration
from yixun.events.services.errors import EventRefused, NotAllowed
from yixun.events.tests.conftest import (
    audited,
    clock_at,
    fresh,
    member_of,
    new_event,
    phone,
    register_public,
)
from yixun.lib import phone as phones


def test_registering_takes_a_place_and_is_audited(open_day) -> None:
    mine = register_public(open_day, 1)

    assert mine.status == Registration.Status.CONFIRMED
    assert (mine.name, mine.phone, mine.member) == ("市民1", phone(1), None)
    assert len(mine.code) == 6
    assert mine.token and mine.get_absolute_url() == f"/events/tickets/{mine.token}/"
    assert fresh(open_day).taken == 1
    entries = audited("events.registration.created", mine)
    assert len(entries) == 1
    assert entries[0].data == {"event": open_day.pk, "status": "confirmed"}


def test_a_full_event_puts_people_on_the_waiting_list_never_over_its_places(open_day) -> None:
    made = [register_public(open_day, i) for i in range(5)]

    assert [r.status for r in made] == ["confirmed"] * 3 + ["waiting"] * 2
    assert fresh(open_day).taken == 3 == open_day.capacity
    assert fresh(open_day).places_left == 0
    assert audited("events.registration.created", made[4])[0].data["status"] == "waiting"
    assert list(Registration.objects.waiting_in_turn()) == made[3:]


def test_the_same_number_twice_is_the_same_registration(open_day) -> None:
    first = register_public(open_day, 1)
    # Typed the way people type it: spaces and a national prefix.
    again = registration.register(event=fresh(open_day), name="另一个名字", phone="137 0000 0001")

    assert again.pk == first.pk
    assert Registration.objects.count() == 1
    assert fresh(open_day).taken == 1


def test_the_same_member_twice_is_the_same_registration(open_day, volunteer) -> None:
    first = registration.register_member(event=fresh(open_day), user=volunteer)
    again = registration.register_member(event=fresh(open_day), user=volunteer)

    assert again.pk == first.pk
    assert first.member == member_of(volunteer)
    assert first.phone == volunteer.phone
    assert fresh(open_day).taken == 1
    # Their number typed into the public form finds the same registration.
    assert register_public_with(open_day, volunteer.phone).pk == first.pk


def register_public_with(event: Event, number: str) -> Registration:
    return registration.register(event=fresh(event), name="张", phone=number)


def test_the_same_key_is_the_same_registration_and_another_events_key_is_refused(
    officer, open_day
) -> None:
    key = uuid.uuid4()
    first = register_public(open_day, 1, key=key)
    # The answer was lost and the phone sends the same request again.
    again = register_public(open_day, 1, key=key)
    assert again.pk == first.pk
    assert fresh(open_day).taken == 1

    talk = new_event(officer, kind=Event.Kind.TALK, title="防诈骗讲座")
    with pytest.raises(EventRefused) as refused:
        register_public(talk, 2, key=key)
    assert refused.value.code == "key_reused"
    assert not talk.registrations.exists()
    assert fresh(talk).taken == 0


def test_a_malformed_number_is_refused_with_a_clear_message_and_nothing_made(open_day) -> None:
    with translation.override("en"), pytest.raises(EventRefused) as refused:
        registration.register(event=fresh(open_day), name="李", phone="12345")

    assert refused.value.code == "phone_invalid"
    assert refused.value.status == 400
    with translation.override("en"):
        assert refused.value.message == str(phones.INVALID_MESSAGE)
    assert "11 digits" in refused.value.message
    assert not Registration.objects.exists()
    assert fresh(open_day).taken == 0


def test_a_name_and_a_number_are_needed(open_day) -> None:
    with pytest.raises(EventRefused) as no_name:
        registration.register(event=fresh(open_day), name="  ", phone=phone(1))
    with pytest.raises(EventRefused) as no_phone:
        registration.register(event=fresh(open_day), name="李", phone="")
    assert (no_name.value.code, no_phone.value.code) == ("name_missing", "phone_missing")
    assert not Registration.objects.exists()


def test_registration_closes_when_the_event_is_over(open_day) -> None:
    with clock_at(open_day.ends_at + dt.timedelta(minutes=1)), pytest.raises(EventRefused) as late:
        register_public(open_day, 1)
    assert late.value.code == "closed"
    assert not Registration.objects.exists()


def test_registration_is_open_while_the_event_runs(open_day) -> None:
    with clock_at(open_day.starts_at + dt.timedelta(minutes=30)):
        assert register_public(open_day, 1).status == Registration.Status.CONFIRMED


def test_a_cancelled_event_takes_no_registrations(officer, open_day) -> None:
    manage.cancel_event(event=fresh(open_day), actor=officer, reason="台风")
    with pytest.raises(EventRefused) as refused:
        register_public(open_day, 1)
    assert refused.value.code == "closed"
    assert not Registration.objects.exists()


def test_a_draft_takes_no_registrations(officer) -> None:
    draft = new_event(officer, status=Event.Status.DRAFT)
    with pytest.raises(EventRefused) as refused:
        register_public(draft, 1)
    assert refused.value.code == "closed"
    assert fresh(draft).taken == 0


def test_a_members_event_refuses_the_public_and_takes_members(officer, volunteer) -> None:
    meeting = new_event(
        officer, kind=Event.Kind.MEETING, title="年度会员大会", audience=Event.Audience.MEMBERS
    )
    with pytest.raises(NotAllowed):
        register_public(meeting, 1)
    assert not registration.may_register(fresh(meeting), None)
    assert not Registration.objects.exists()

    mine = registration.register_member(event=fresh(meeting), user=volunteer)
    assert mine.status == Registration.Status.CONFIRMED


def test_a_squads_event_refuses_members_of_other_squads(
    officer, squad, volunteer, other_volunteer
) -> None:
    drill = new_event(
        officer,
        kind=Event.Kind.TRAINING,
        title="一分队夜巡演练",
        audience=Event.Audience.SQUADS,
        squads=[squad],
    )
    with pytest.raises(NotAllowed):
        registration.register_member(event=fresh(drill), user=other_volunteer)
    assert not registration.may_register(fresh(drill), member_of(other_volunteer))
    assert not Registration.objects.exists()
    assert fresh(drill).taken == 0

    mine = registration.register_member(event=fresh(drill), user=volunteer)
    assert mine.status == Registration.Status.CONFIRMED


def test_only_active_members_register_in_one_tap(open_day, police) -> None:
    with pytest.raises(NotAllowed):
        registration.register_member(event=fresh(open_day), user=police)  # no member record
    assert not Registration.objects.exists()
