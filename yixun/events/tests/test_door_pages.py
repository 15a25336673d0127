"""The door page: staff type a ticket's code and let its holder in, once; walk-ins."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from yixun.accounts.models import User
from yixun.audit.models import AuditEntry
from yixun.events.models import Audience, Event, EventKind, Registration
from yixun.events.services import registration as registrations

Login = Callable[[User], Client]
EN = {"Accept-Language": "en"}


def make_event(**values: Any) -> Event:
    starts = timezone.now() + dt.timedelta(minutes=30)  # the door is open
    fields: dict[str, Any] = {
        "kind": EventKind.OPEN_DAY,
        "title": "警营开放日",
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(hours=2),
        "place_name": "城关派出所",
        "capacity": 50,
        "audience": Audience.PUBLIC,
        **values,
    }
    return Event.objects.create(**fields)


@pytest.fixture
def event(db: None, volunteer: User) -> Event:
    made = make_event()
    made.staff.add(volunteer)
    return made


@pytest.fixture
def ticket(event: Event) -> Registration:
    return registrations.register(event=event, name="孙丽", phone="13811112222")


def test_staff_let_a_ticket_in_by_its_code(
    login: Login, volunteer: User, event: Event, ticket: Registration
) -> None:
    client = login(volunteer)
    page = client.get(reverse("events:door", args=[event.pk]))
    assert page.status_code == 200
    assert client.session["door_event"] == event.pk
    answer = client.post(reverse("events:door", args=[event.pk]), {"code": ticket.code.lower()})
    assert answer.status_code == 200
    assert b'data-testid="door-ok"' in answer.content
    assert "孙丽" in answer.content.decode()
    ticket.refresh_from_db()
    assert ticket.checked_in_at is not None
    assert ticket.checked_in_by == volunteer
    assert AuditEntry.objects.filter(action="events.registration.checked_in").count() == 1


def test_a_second_use_is_refused(
    login: Login, volunteer: User, event: Event, ticket: Registration
) -> None:
    client = login(volunteer)
    url = reverse("events:door", args=[event.pk])
    client.post(url, {"code": ticket.code})
    again = client.post(url, {"code": ticket.code}, headers=EN)
    assert again.status_code == 409
    assert b'data-testid="door-refused"' in again.content
    assert "already used" in again.content.decode()
    assert AuditEntry.objects.filter(action="events.registration.checked_in").count() == 1


def test_htmx_gets_the_refusal_to_swap_in(
    login: Login, volunteer: User, event: Event, ticket: Registration
) -> None:
    client = login(volunteer)
    url = reverse("events:door", args=[event.pk])
    client.post(url, {"code": ticket.code})
    again = client.post(url, {"code": ticket.code}, HTTP_HX_REQUEST="true")
    assert again.status_code == 200  # htmx swaps only a 2xx
    assert b'data-testid="door-refused"' in again.content


def test_a_ticket_of_another_event_is_named(login: Login, volunteer: User, event: Event) -> None:
    other = make_event(title="反诈宣传进社区")
    stray = registrations.register(event=other, name="钱多", phone="13833334444")
    answer = login(volunteer).post(
        reverse("events:door", args=[event.pk]), {"code": stray.code}, headers=EN
    )
    assert answer.status_code == 409
    assert "another event" in answer.content.decode()
    assert "反诈宣传进社区" in answer.content.decode()
    stray.refresh_from_db()
    assert stray.checked_in_at is None


def test_an_unknown_or_empty_code_is_refused(login: Login, volunteer: User, event: Event) -> None:
    client = login(volunteer)
    url = reverse("events:door", args=[event.pk])
    assert client.post(url, {"code": "ZZZZZZ"}).status_code == 409
    assert client.post(url, {"code": ""}).status_code == 400
    assert not Registration.objects.filter(checked_in_at__isnull=False).exists()


def test_the_door_shows_counts_and_who_just_came(
    login: Login, volunteer: User, event: Event, ticket: Registration
) -> None:
    client = login(volunteer)
    client.post(reverse("events:door", args=[event.pk]), {"code": ticket.code})
    page = client.get(reverse("events:door", args=[event.pk])).content.decode()
    assert "1 / 1" in page
    assert "孙丽" in page


def test_only_the_events_staff_keep_its_door(
    login: Login,
    public: Client,
    event: Event,
    volunteer2: User,
    other_volunteer: User,
    officer: User,
    ticket: Registration,
) -> None:
    url = reverse("events:door", args=[event.pk])
    assert public.get(url).status_code == 302
    assert reverse("accounts:login") in public.get(url)["Location"]
    assert login(volunteer2).get(url).status_code == 403  # a volunteer not on its staff
    assert login(other_volunteer).post(url, {"code": ticket.code}).status_code == 403
    assert login(officer).get(url).status_code == 200
    ticket.refresh_from_db()
    assert ticket.checked_in_at is None


def test_another_squads_event_is_not_found(
    login: Login, other_volunteer: User, squad: Any, other_squad: Any
) -> None:
    ours = make_event(audience=Audience.SQUADS)
    ours.squads.add(squad)
    assert login(other_volunteer).get(reverse("events:door", args=[ours.pk])).status_code == 404


def test_a_walk_in_is_let_in(login: Login, volunteer: User, event: Event) -> None:
    answer = login(volunteer).post(
        reverse("events:walk_in", args=[event.pk]), {"name": "路人甲", "phone": "138 5555 6666"}
    )
    assert answer.status_code == 302
    walk_in = Registration.objects.get(event=event, is_walk_in=True)
    assert walk_in.name == "路人甲"
    assert walk_in.phone == "+8613855556666"
    assert walk_in.checked_in_at is not None


def test_a_walk_in_without_a_name_or_with_a_bad_number_is_refused(
    login: Login, volunteer: User, event: Event
) -> None:
    client = login(volunteer)
    url = reverse("events:walk_in", args=[event.pk])
    for data in ({"name": "", "phone": ""}, {"name": "路人乙", "phone": "12345"}):
        answer = client.post(url, data, follow=True, headers=EN)
        assert answer.status_code == 200
        assert [m.level_tag for m in answer.context["messages"]] == ["error"]
    assert not Registration.objects.filter(event=event).exists()


def test_walk_ins_are_for_the_staff(
    login: Login, public: Client, volunteer2: User, event: Event
) -> None:
    url = reverse("events:walk_in", args=[event.pk])
    assert public.post(url, {"name": "路人"}).status_code == 302
    assert login(volunteer2).post(url, {"name": "路人"}).status_code == 403
    assert login(volunteer2).get(url).status_code in (403, 405)
    assert not Registration.objects.filter(event=event).exists()
