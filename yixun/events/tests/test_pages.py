"""The pages everyone meets: the list, an event, registering (a member's tap, the public's code),
the ticket, cancelling, letting people in from the ticket's link, and the calendars."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from yixun.audit.models import AuditEntry
from yixun.events.models import Event, Registration
from yixun.events.tests.conftest import new_event, register_public

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def soon(minutes: int = 30) -> dt.datetime:
    """Within the two hours before the start, when the door is open."""
    return timezone.now() + dt.timedelta(minutes=minutes)


def code_in(outbox: list, number: str) -> str:
    found = [m for m in outbox if m.to == number and re.search(r"\b\d{6}\b", m.body)]
    assert found, f"no code sent to {number}"
    return re.search(r"\b(\d{6})\b", found[-1].body).group(1)  # type: ignore[union-attr]


def test_the_public_find_an_event_and_register_with_a_code(public, officer, outbox) -> None:
    event = new_event(officer, capacity=2)
    listed = public.get(reverse("events:list")).content.decode()
    assert event.title in listed
    page = public.get(event.get_absolute_url()).content.decode()
    assert 'data-testid="send-code"' in page and 'property="og:type" content="article"' in page

    sent = public.post(
        reverse("events:send_code", args=[event.pk]), {"name": " 王 芳 ", "phone": "137 0000 1111"}
    )
    assert sent.status_code == 302
    code = code_in(outbox, "+8613700001111")
    page = public.get(event.get_absolute_url()).content.decode()
    assert 'data-testid="code-form"' in page

    wrong = public.post(reverse("events:register", args=[event.pk]), {"code": "000000"}, **EN)
    assert wrong.status_code == 302 and not Registration.objects.exists()

    done = public.post(reverse("events:register", args=[event.pk]), {"code": code})
    registration = Registration.objects.get()
    assert done["Location"] == registration.get_absolute_url()
    assert registration.name == "王 芳" and registration.phone == "+8613700001111"
    ticket = public.get(done["Location"]).content.decode()
    assert registration.code in ticket and "<svg" in ticket
    # Back on the event's page, the same browser sees its ticket, not the form again.
    page = public.get(event.get_absolute_url()).content.decode()
    assert 'data-testid="my-ticket"' in page and 'data-testid="send-code"' not in page


def test_bad_input_changes_nothing_and_says_why(public, officer, outbox) -> None:
    event = new_event(officer)
    answer = public.post(
        reverse("events:send_code", args=[event.pk]),
        {"name": "", "phone": "12345"},
        follow=True,
        **EN,
    )
    text = answer.content.decode()
    assert "Give your name." in text and "mainland China mobile number" in text
    assert not outbox
    # A code asked for without giving a number first is refused too.
    answer = public.post(
        reverse("events:register", args=[event.pk]), {"code": "123456"}, follow=True, **EN
    )
    assert "ask for a code" in answer.content.decode()
    assert not Registration.objects.exists()


def test_a_member_registers_in_one_tap_and_the_full_event_puts_the_next_on_the_list(
    login, officer, volunteer, volunteer2
) -> None:
    event = new_event(officer, capacity=1, audience=Event.Audience.MEMBERS)
    first = login(volunteer)
    assert 'data-testid="register-member"' in first.get(event.get_absolute_url()).content.decode()
    first.post(reverse("events:register", args=[event.pk]))
    first.post(reverse("events:register", args=[event.pk]))  # a second tap changes nothing
    second = login(volunteer2)
    answer = second.post(reverse("events:register", args=[event.pk]))
    mine = Registration.objects.get(member__user=volunteer2)
    assert mine.status == Registration.Status.WAITING
    assert 'data-testid="waiting"' in second.get(answer["Location"]).content.decode()
    assert Registration.objects.count() == 2
    # The first cancels from their ticket; the place goes to the second.
    theirs = Registration.objects.get(member__user=volunteer)
    first.post(reverse("events:cancel", args=[theirs.token]))
    mine.refresh_from_db()
    assert mine.status == Registration.Status.CONFIRMED


def test_members_only_events_are_hidden_from_the_public_and_drafts_from_members(
    public, login, officer, volunteer
) -> None:
    members = new_event(officer, audience=Event.Audience.MEMBERS)
    draft = new_event(officer, status=Event.Status.DRAFT)
    assert public.get(members.get_absolute_url()).status_code == 404
    assert public.post(reverse("events:register", args=[members.pk])).status_code == 404
    assert login(volunteer).get(draft.get_absolute_url()).status_code == 404
    assert login(officer).get(draft.get_absolute_url()).status_code == 200
    assert members.title not in public.get(reverse("events:list")).content.decode()


def test_staff_let_a_ticket_in_from_its_link_once(public, login, officer, volunteer) -> None:
    event = new_event(officer, starts_at=soon(), staff=[volunteer])
    registration = register_public(event, 1)
    holder_view = public.get(registration.get_absolute_url()).content.decode()
    assert 'data-testid="let-in"' not in holder_view
    assert public.post(reverse("events:check_in", args=[registration.token])).status_code == 302
    registration.refresh_from_db()
    assert registration.checked_in_at is None  # the public cannot let themselves in

    staff = login(volunteer)
    page = staff.get(registration.get_absolute_url()).content.decode()
    assert 'data-testid="let-in"' in page and "137****0001" in page
    staff.post(reverse("events:check_in", args=[registration.token]))
    registration.refresh_from_db()
    assert registration.checked_in_at is not None
    again = staff.post(reverse("events:check_in", args=[registration.token]), follow=True, **EN)
    assert "already used" in again.content.decode()
    assert AuditEntry.objects.filter(action="events.registration.checked_in").count() == 1


def test_a_ticket_for_another_event_is_named_at_the_door(login, officer) -> None:
    here = new_event(officer, starts_at=soon(), title="法治讲座")
    there = new_event(officer, starts_at=soon(60), title="献血活动")
    ticket = register_public(there, 2)
    staff = login(officer)
    staff.get(reverse("events:door", args=[here.pk]))  # keeping the door of the talk
    page = staff.get(ticket.get_absolute_url()).content.decode()
    assert 'data-testid="other-door"' in page and "献血活动" in page
    answer = staff.post(reverse("events:check_in", args=[ticket.token]), follow=True, **EN)
    assert "献血活动" in answer.content.decode()
    ticket.refresh_from_db()
    assert ticket.checked_in_at is None


def test_calendars(public, officer) -> None:
    event = new_event(officer)
    one = Calendar.from_ical(public.get(reverse("events:calendar", args=[event.pk])).content)
    (entry,) = one.walk("VEVENT")
    assert str(entry["summary"]) == event.title and str(entry["url"]).startswith("http")
    listed = public.get(reverse("events:list_calendar"))
    assert listed["Content-Type"].startswith("text/calendar")
    assert len(Calendar.from_ical(listed.content).walk("VEVENT")) == 1
    # WeChat's browser opens no calendar file: its readers are told to use the phone's browser.
    note = "WeChat opens no calendar files"
    wechat = public.get(
        event.get_absolute_url(), HTTP_USER_AGENT="Mozilla/5.0 MicroMessenger/8.0", **EN
    )
    assert note in wechat.content.decode()
    assert note not in public.get(event.get_absolute_url(), **EN).content.decode()


def test_unknown_tickets_and_events_are_not_found(public) -> None:
    assert public.get(reverse("events:ticket", args=["nope"])).status_code == 404
    assert public.get(reverse("events:detail", args=[999])).status_code == 404
    assert public.get(reverse("events:ticket", args=["x" * 80])).status_code == 404


def test_the_list_and_an_event_answer_in_few_queries(
    public, login, officer, volunteer, django_assert_max_num_queries
) -> None:
    for i in range(6):
        event = new_event(officer, title=f"活动{i}")
        register_public(event, i)
    with django_assert_max_num_queries(8):
        public.get(reverse("events:list"))
    member = login(volunteer)
    with django_assert_max_num_queries(20):
        member.get(reverse("events:list"))
    with django_assert_max_num_queries(20):
        member.get(event.get_absolute_url())
