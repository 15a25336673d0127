"""Officers' and staff's pages of events: the form, cancelling, the attendance and its export,
the report and its photos, the duty shift."""

import datetime as dt
import io
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from yixun.accounts.models import User
from yixun.audit.models import AuditEntry
from yixun.events.models import Audience, Event, EventKind, EventPhoto, Registration
from yixun.events.services import door as doors
from yixun.events.services import registration as registrations
from yixun.members.models import PartnerOrganisation, Squad
from yixun.places.models import Area
from yixun.shifts.models import Shift

Login = Callable[[User], Client]
EN = {"Accept-Language": "en"}


def make_event(**values: Any) -> Event:
    starts = timezone.now() + dt.timedelta(days=3)
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
def begun(db: None, volunteer: User) -> Event:
    """An event that started an hour ago, with its door kept by the volunteer."""
    starts = timezone.now() - dt.timedelta(hours=1)
    made = make_event(starts_at=starts, ends_at=starts + dt.timedelta(hours=3))
    made.staff.add(volunteer)
    return made


def form_data(**values: Any) -> dict[str, Any]:
    return {
        "kind": EventKind.TALK,
        "title": "老年人防诈骗讲座",
        "description": "**防诈骗**知识讲座",
        "starts_at": "2031-05-10T09:30",
        "ends_at": "2031-05-10T11:00",
        "place_name": "文化广场",
        "address": "城关镇人民路1号",
        "latitude": "30.1234567",
        "longitude": "120.7654321",
        "capacity": "80",
        "audience": Audience.PUBLIC,
        "status": Event.Status.PUBLISHED,
        **values,
    }


# The form


def test_an_officer_makes_an_event(
    login: Login, officer: User, volunteer: User, squad: Squad
) -> None:
    partner = PartnerOrganisation.objects.create(name="县红十字会", kind="other")
    client = login(officer)
    assert client.get(reverse("events:new")).status_code == 200
    answer = client.post(
        reverse("events:new"),
        form_data(partners=[partner.pk], staff=[volunteer.pk], squad=squad.pk),
    )
    event = Event.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == event.get_absolute_url()
    assert event.title == "老年人防诈骗讲座"
    assert timezone.localtime(event.starts_at).strftime("%Y-%m-%d %H:%M") == "2031-05-10 09:30"
    assert str(event.latitude) == "30.123457"
    assert list(event.partners.all()) == [partner]
    assert list(event.staff.all()) == [volunteer]
    assert event.squad == squad
    assert event.created_by == officer
    assert AuditEntry.objects.filter(action="events.event.created").count() == 1


def test_an_officer_edits_an_event(login: Login, officer: User, event: Event) -> None:
    client = login(officer)
    page = client.get(reverse("events:edit", args=[event.pk]))
    assert page.status_code == 200
    assert "城关派出所" in page.content.decode()
    answer = client.post(
        reverse("events:edit", args=[event.pk]),
        form_data(title="警营开放日（改）", audience=Audience.SQUADS, squads=[]),
        headers=EN,
    )
    assert answer.status_code == 400  # some squads, but none chosen
    assert "Choose the squads" in answer.content.decode()
    event.refresh_from_db()
    assert event.title == "警营开放日"
    answer = client.post(
        reverse("events:edit", args=[event.pk]), form_data(title="警营开放日（改）")
    )
    assert answer.status_code == 302
    event.refresh_from_db()
    assert event.title == "警营开放日（改）"
    assert list(event.staff.all()) == []  # unticked


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"ends_at": "2031-05-10T08:00"}, "ends_at", "ends after it starts"),
        ({"latitude": "", "longitude": "120.5"}, "latitude", "both the latitude"),
        ({"grants_skill": "first_aid"}, "kind", "Only a training"),
        ({"capacity": "0"}, "capacity", ""),
        ({"title": ""}, "title", ""),
        ({"starts_at": "tomorrow"}, "starts_at", ""),
    ],
)
def test_bad_input_goes_back_to_its_field(
    login: Login, officer: User, values: dict[str, str], field: str, message: str
) -> None:
    answer = login(officer).post(reverse("events:new"), form_data(**values), headers=EN)
    assert answer.status_code == 400
    assert answer.context["form"].errors[field]
    assert message in " ".join(answer.context["form"].errors[field])
    assert not Event.objects.exists()


def test_only_officers_plan_events(
    login: Login, public: Client, leader: User, volunteer: User, police: User, event: Event
) -> None:
    for url in (reverse("events:new"), reverse("events:edit", args=[event.pk])):
        assert reverse("accounts:login") in public.get(url)["Location"]
        for person in (leader, volunteer, police):  # the volunteer is even its staff
            assert login(person).get(url).status_code == 403
            assert login(person).post(url, form_data()).status_code == 403
    event.refresh_from_db()
    assert event.title == "警营开放日"


def test_an_unknown_event_is_not_found(login: Login, officer: User) -> None:
    assert login(officer).get(reverse("events:edit", args=[9999])).status_code == 404


# Cancelling


def test_an_officer_cancels_an_event_saying_why(login: Login, officer: User, event: Event) -> None:
    client = login(officer)
    url = reverse("events:cancel_event", args=[event.pk])
    assert client.get(url).status_code == 200
    refused = client.post(url, {"reason": "  "}, headers=EN)
    assert refused.status_code == 400
    assert refused.context["form"].errors["reason"]
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED
    answer = client.post(url, {"reason": "台风预警"})
    assert answer.status_code == 302
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    assert event.cancel_reason == "台风预警"


def test_only_officers_cancel(
    login: Login, public: Client, volunteer: User, leader: User, event: Event
) -> None:
    url = reverse("events:cancel_event", args=[event.pk])
    assert public.post(url, {"reason": "x"}).status_code == 302
    assert login(volunteer).post(url, {"reason": "x"}).status_code == 403
    assert login(leader).post(url, {"reason": "x"}).status_code == 403
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED


# The attendance


def fill(event: Event, people: int) -> list[Registration]:
    return [
        registrations.register(event=event, name=f"来宾{n}", phone=f"1381111{n:04d}")
        for n in range(people)
    ]


def test_staff_see_the_attendance_with_numbers_masked(
    login: Login, volunteer: User, begun: Event
) -> None:
    first, _second = fill(begun, 2)
    doors.check_in(event=begun, registration=first, actor=volunteer)
    page = login(volunteer).get(reverse("events:attendance", args=[begun.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "138****0000" in text
    assert "138 1111 0000" not in text
    assert page.context["counts"]["attended"] == 1
    assert page.context["counts"]["confirmed"] == 2
    assert not AuditEntry.objects.filter(action="events.event.attendance_viewed").exists()
    assert b'data-testid="export"' not in page.content


def test_officers_see_the_numbers_whole_and_the_look_is_recorded(
    login: Login, officer: User, begun: Event
) -> None:
    fill(begun, 2)
    page = login(officer).get(reverse("events:attendance", args=[begun.pk]))
    assert "138 1111 0000" in page.content.decode()
    entry = AuditEntry.objects.get(action="events.event.attendance_viewed")
    assert entry.actor == officer
    assert entry.target_id == str(begun.pk)


def test_the_attendance_filters(login: Login, officer: User, volunteer: User, begun: Event) -> None:
    first, _second = fill(begun, 2)
    doors.check_in(event=begun, registration=first, actor=volunteer)
    client = login(officer)
    came = client.get(reverse("events:attendance", args=[begun.pk]) + "?show=in")
    assert [p["registration"] for p in came.context["people"]] == [first]
    expected = client.get(reverse("events:attendance", args=[begun.pk]) + "?show=expected")
    assert len(expected.context["people"]) == 1
    odd = client.get(reverse("events:attendance", args=[begun.pk]) + "?show=<b>")
    assert odd.context["show"] == "all"


def test_the_attendance_list_caps_its_queries(
    login: Login,
    officer: User,
    volunteer: User,
    begun: Event,
    django_assert_max_num_queries: Any,
) -> None:
    people = fill(begun, 30)
    for person in people[:10]:
        doors.check_in(event=begun, registration=person, actor=volunteer)
    client = login(officer)
    client.get(reverse("events:attendance", args=[begun.pk]))  # the session, the menu's caches
    with django_assert_max_num_queries(20):
        page = client.get(reverse("events:attendance", args=[begun.pk]))
    assert len(page.context["people"]) == 30


def test_the_attendance_is_for_staff_and_officers(
    login: Login,
    public: Client,
    volunteer2: User,
    other_volunteer: User,
    leader: User,
    event: Event,
    squad: Squad,
) -> None:
    url = reverse("events:attendance", args=[event.pk])
    assert reverse("accounts:login") in public.get(url)["Location"]
    assert login(volunteer2).get(url).status_code == 403
    assert login(leader).get(url).status_code == 403
    assert login(other_volunteer).get(url).status_code == 403
    ours = make_event(audience=Audience.SQUADS)
    ours.squads.add(squad)
    assert (
        login(other_volunteer).get(reverse("events:attendance", args=[ours.pk])).status_code == 404
    )


def test_the_export_opens_in_excel_and_is_recorded(
    login: Login, officer: User, volunteer: User, begun: Event
) -> None:
    first, _second = fill(begun, 2)
    doors.check_in(event=begun, registration=first, actor=volunteer)
    answer = login(officer).get(reverse("events:attendance_export", args=[begun.pk]))
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    disposition = answer["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="attendance-' in disposition
    assert "警营开放日" in unquote(disposition.split("filename*=UTF-8''")[1])
    disposition.encode("latin-1")  # a header carries no raw Chinese
    book = load_workbook(io.BytesIO(answer.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "警营开放日"
    assert {row[1] for row in rows[2:]} == {"来宾0", "来宾1"}
    assert AuditEntry.objects.filter(
        action="events.event.attendance_exported", actor=officer
    ).exists()


def test_the_export_is_for_officers(
    login: Login, public: Client, volunteer: User, begun: Event
) -> None:
    fill(begun, 1)
    url = reverse("events:attendance_export", args=[begun.pk])
    assert reverse("accounts:login") in public.get(url)["Location"]
    # Its staff see the numbers masked on the page; the file would carry them whole.
    assert login(volunteer).get(url).status_code == 403
    assert not AuditEntry.objects.filter(action="events.event.attendance_exported").exists()


# The report


def test_staff_report_after_the_start(login: Login, volunteer: User, begun: Event) -> None:
    first, _second = fill(begun, 2)
    doors.check_in(event=begun, registration=first, actor=volunteer)
    client = login(volunteer)
    url = reverse("events:report", args=[begun.pk])
    assert client.get(url).status_code == 200
    answer = client.post(url, {"summary": "来了很多人", "people_reached": ""})
    assert answer.status_code == 302
    begun.refresh_from_db()
    assert begun.people_reached == 1  # the people let in
    assert begun.summary == "来了很多人"
    page = client.get(url)
    assert 'data-testid="people-reached">1<' in page.content.decode()
    client.post(url, {"summary": "来了很多人", "people_reached": "300"})
    begun.refresh_from_db()
    assert begun.people_reached == 300


def test_a_report_below_the_attendance_or_before_the_start_is_refused(
    login: Login, volunteer: User, begun: Event, event: Event
) -> None:
    first, _second = fill(begun, 2)
    doors.check_in(event=begun, registration=first, actor=volunteer)
    client = login(volunteer)
    answer = client.post(
        reverse("events:report", args=[begun.pk]),
        {"summary": "x", "people_reached": "0"},
        headers=EN,
    )
    assert answer.status_code == 400
    assert "let in at the door" in answer.content.decode()
    early = client.post(reverse("events:report", args=[event.pk]), {"summary": "x"}, headers=EN)
    assert early.status_code == 400
    assert "once it has begun" in early.content.decode()
    assert not Event.objects.filter(closed_at__isnull=False).exists()


def test_the_report_is_for_staff_and_officers(
    login: Login, public: Client, volunteer2: User, officer: User, begun: Event
) -> None:
    url = reverse("events:report", args=[begun.pk])
    assert reverse("accounts:login") in public.get(url)["Location"]
    assert login(volunteer2).post(url, {"summary": "x"}).status_code == 403
    begun.refresh_from_db()
    assert begun.closed_at is None
    assert login(officer).get(url).status_code == 200


# Photos


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "JPEG")
    return SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")


def test_staff_add_and_remove_photos(login: Login, volunteer: User, begun: Event) -> None:
    client = login(volunteer)
    url = reverse("events:photos", args=[begun.pk])
    assert client.get(url).status_code == 200
    answer = client.post(url, {"image": jpeg(), "caption": "合影"})
    assert answer.status_code == 302
    photo = EventPhoto.objects.get()
    assert photo.is_report  # after the start
    assert photo.caption == "合影"
    assert client.post(url, {"remove": str(photo.pk)}).status_code == 302
    assert not EventPhoto.objects.exists()


def test_a_photo_before_the_event_shows_it(login: Login, officer: User, event: Event) -> None:
    login(officer).post(reverse("events:photos", args=[event.pk]), {"image": jpeg()})
    assert not EventPhoto.objects.get().is_report


def test_a_file_that_is_no_photo_is_refused(login: Login, volunteer: User, begun: Event) -> None:
    answer = login(volunteer).post(
        reverse("events:photos", args=[begun.pk]),
        {"image": SimpleUploadedFile("x.jpg", b"not a photo", content_type="image/jpeg")},
    )
    assert answer.status_code == 400
    assert answer.context["form"].errors
    assert not EventPhoto.objects.exists()


def test_photos_are_for_staff_and_officers(
    login: Login, public: Client, volunteer: User, volunteer2: User, begun: Event
) -> None:
    url = reverse("events:photos", args=[begun.pk])
    login(volunteer).post(url, {"image": jpeg()})
    photo = EventPhoto.objects.get()
    assert reverse("accounts:login") in public.post(url, {"remove": photo.pk})["Location"]
    assert login(volunteer2).post(url, {"remove": photo.pk}).status_code == 403
    assert login(volunteer2).post(url, {"image": jpeg()}).status_code == 403
    other = make_event()
    assert (
        login(volunteer)
        .post(reverse("events:photos", args=[other.pk]), {"remove": photo.pk})
        .status_code
        == 403
    )
    assert EventPhoto.objects.count() == 1


# The duty shift


def test_an_officer_adds_a_duty_shift(login: Login, officer: User, event: Event) -> None:
    client = login(officer)
    url = reverse("events:duty_shift", args=[event.pk])
    refused = client.post(url, {"people": "4"}, headers=EN)
    assert refused.status_code == 400
    assert "area" in refused.content.decode()
    assert not Shift.objects.exists()
    event.area = Area.objects.create(name="城关镇", level=Area.Level.TOWN)
    event.save(update_fields=["area"])
    assert client.post(url, {"people": "0"}).status_code == 400
    answer = client.post(url, {"people": "4"})
    assert answer.status_code == 302
    assert answer["Location"] == event.get_absolute_url()
    shift = event.duty_shifts.get()
    assert shift.capacity == 4
    assert shift.starts_at == event.starts_at


def test_only_officers_add_duty_shifts(
    login: Login, public: Client, volunteer: User, leader: User, event: Event
) -> None:
    url = reverse("events:duty_shift", args=[event.pk])
    assert reverse("accounts:login") in public.post(url, {"people": "3"})["Location"]
    assert login(volunteer).post(url, {"people": "3"}).status_code == 403
    assert login(leader).post(url, {"people": "3"}).status_code == 403
    assert not Shift.objects.exists()


def test_editing_a_cancelled_event_keeps_it_cancelled(
    login: Login, officer: User, event: Event
) -> None:
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED, cancel_reason="雨")
    answer = login(officer).post(
        reverse("events:edit", args=[event.pk]), form_data(title="改个错字")
    )
    assert answer.status_code == 302
    event.refresh_from_db()
    assert (event.title, event.status) == ("改个错字", Event.Status.CANCELLED)
