"""Events through the API: the public read and register with a confirmed number, members in one
tap, the door checks tickets in once and names another event's, officers plan and cancel, the
staff report; and nobody reaches an event, a ticket or an attendance list that is not theirs."""

import datetime as dt
import re
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from yixun.accounts.models import User
from yixun.api.tests.documented import documented
from yixun.audit.models import AuditEntry
from yixun.events.models import Event, EventPhoto, Registration
from yixun.events.services import manage
from yixun.events.services import registration as registrations
from yixun.members.models import Member, PartnerOrganisation, Squad

STRANGER = "+8613812345678"
HOLDER = "a-browser-holder-0123456789"
HALF_HOUR = dt.timedelta(minutes=30)


def call(client: Client, method: str, path: str, data: Any = None, *, key: Any = None) -> Any:
    """A write as an app sends it: JSON, with a fresh Idempotency-Key unless one is given."""
    return getattr(client, method)(
        f"/api/v1{path}",
        "" if data is None else data,
        content_type="application/json",
        headers={"Idempotency-Key": str(key or uuid.uuid4()), "Accept-Language": "en"},
    )


def post(client: Client, path: str, data: Any = None, *, key: Any = None) -> Any:
    return call(client, "post", path, data, key=key)


def get(client: Client, path: str, **params: Any) -> Any:
    return client.get(f"/api/v1{path}", params, headers={"Accept-Language": "en"})


def plan(officer: User, *, starts_in: dt.timedelta, **fields: Any) -> Event:
    starts = timezone.now() + starts_in
    values: dict[str, Any] = {
        "kind": "open_day",
        "title": "警营开放日",
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(hours=3),
        "place_name": "城关派出所",
        "capacity": 2,
        "audience": "public",
        **fields,
    }
    return manage.save_event(actor=officer, **values)


@pytest.fixture
def partner(db: None) -> PartnerOrganisation:
    return PartnerOrganisation.objects.create(name="城关中学", kind="school")


@pytest.fixture
def open_day(officer: User, leader: User, partner: PartnerOrganisation) -> Event:
    """A public open day in three days, two places, the leader at its door."""
    return plan(officer, starts_in=dt.timedelta(days=3), staff=[leader], partners=[partner])


@pytest.fixture
def on_now(officer: User, leader: User) -> Event:
    """A public talk that began half an hour ago: its door is open."""
    return plan(
        officer,
        starts_in=dt.timedelta(minutes=-30),
        kind="talk",
        title="反诈讲座",
        staff=[leader],
        capacity=5,
    )


@pytest.fixture
def members_only(officer: User) -> Event:
    return plan(officer, starts_in=dt.timedelta(days=5), title="会员大会", audience="members")


@pytest.fixture
def for_other_squad(officer: User, other_squad: Squad) -> Event:
    return plan(
        officer,
        starts_in=dt.timedelta(days=6),
        kind="training",
        title="急救培训",
        audience="squads",
        squads=[other_squad],
        grants_skill="first_aid",
    )


@pytest.fixture
def draft(officer: User) -> Event:
    return plan(officer, starts_in=dt.timedelta(days=9), title="草稿活动", status="draft")


def member(user: User) -> Member:
    return Member.objects.get(user=user)


def ticket_for(event: Event, user: User) -> Registration:
    return registrations.register_member(event=event, user=user)


def stranger_ticket(event: Event, phone: str = STRANGER, name: str = "钱女士") -> Registration:
    return registrations.register(event=event, name=name, phone=phone)


def sent_code(outbox: list[Any]) -> str:
    found = re.search(r"\b(\d{6})\b", outbox[-1].body)
    assert found is not None, outbox[-1].body
    return found.group(1)


# Reading


def test_the_public_reads_the_publics_events_without_an_account(
    public, open_day, members_only, for_other_squad, draft
) -> None:
    answer = get(public, "/events")
    body = documented(answer, "GET /events")
    assert [item["id"] for item in body["items"]] == [open_day.pk]
    item = body["items"][0]
    assert item["places_left"] == 2 and item["is_open"] is True
    assert item["partners"] == ["城关中学"]
    assert item["url"].endswith(f"/events/{open_day.pk}/")


def test_members_see_the_members_and_their_squads_events_and_officers_drafts(
    login,
    volunteer,
    other_volunteer,
    officer,
    open_day,
    members_only,
    for_other_squad,
    draft,
) -> None:
    def seen(user: User) -> set[int]:
        return {item["id"] for item in get(login(user), "/events").json()["items"]}

    assert seen(volunteer) == {open_day.pk, members_only.pk}
    assert seen(other_volunteer) == {open_day.pk, members_only.pk, for_other_squad.pk}
    assert seen(officer) == {open_day.pk, members_only.pk, for_other_squad.pk, draft.pk}


def test_the_list_filters_upcoming_past_and_kind(login, officer, open_day, on_now) -> None:
    over = plan(officer, starts_in=dt.timedelta(days=-10), kind="campaign", title="反诈宣传")
    client = login(officer)

    def ids(**params: Any) -> list[int]:
        answer = get(client, "/events", **params)
        return [item["id"] for item in documented(answer, "GET /events")["items"]]

    assert ids(when="upcoming") == [on_now.pk, open_day.pk]
    assert ids(when="past") == [over.pk]
    assert ids(kind="campaign") == [over.pk]
    assert ids(kind="talk", when="upcoming") == [on_now.pk]
    assert get(client, "/events", when="someday").status_code == 422


def test_the_list_costs_a_few_queries_however_many_events(
    public, officer, partner, django_assert_max_num_queries
) -> None:
    for n in range(12):
        plan(officer, starts_in=dt.timedelta(days=n + 1), partners=[partner])
    with django_assert_max_num_queries(6):
        answer = get(public, "/events")
    assert answer.json()["count"] == 12


def test_an_event_shows_its_places_partners_and_photos_but_never_who_registered(
    public, officer, open_day, outbox
) -> None:
    stranger_ticket(open_day)
    EventPhoto.objects.create(event=open_day, image="events/x.jpg", caption="大门")
    answer = get(public, f"/events/{open_day.pk}")
    body = documented(answer, "GET /events/{event_id}")
    assert body["places_left"] == 1 and body["capacity"] == 2
    assert body["partners"] == ["城关中学"]
    assert [photo["caption"] for photo in body["photos"]] == ["大门"]
    assert body["photos"][0]["url"].endswith(".jpg")
    assert "钱女士" not in answer.content.decode() and "138" not in answer.content.decode()


def test_events_the_caller_may_not_see_answer_as_none_does(
    public, login, volunteer, other_volunteer, members_only, for_other_squad, draft
) -> None:
    assert get(public, f"/events/{members_only.pk}").status_code == 404
    assert get(login(volunteer), f"/events/{for_other_squad.pk}").status_code == 404
    assert get(login(volunteer), f"/events/{draft.pk}").status_code == 404
    missing = get(login(other_volunteer), "/events/999999")
    assert documented(missing, "GET /events/{event_id}")["code"] == "not_found"
    assert get(login(other_volunteer), f"/events/{for_other_squad.pk}").status_code == 200


# Planning


NEW = {
    "kind": "talk",
    "title": "老年人防诈骗讲座",
    "starts_at": "2030-05-01T09:00:00+08:00",
    "minutes": 90,
    "place_name": "东关村文化站",
    "capacity": 40,
}


def test_an_officer_plans_an_event(login, officer, leader, partner, squad) -> None:
    answer = post(
        login(officer),
        "/events",
        {
            **NEW,
            "latitude": 31.0,
            "longitude": 114.0,
            "partner_ids": [partner.pk],
            "staff_ids": [leader.pk],
            "audience": "squads",
            "squad_ids": [squad.pk],
        },
    )
    assert answer.status_code == 201, answer.content
    body = documented(answer, "POST /events")
    event = Event.objects.get(pk=body["id"])
    assert event.ends_at - event.starts_at == dt.timedelta(minutes=90)
    assert body["ends_at"].startswith("2030-05-01T02:30:00") or body["ends_at"].startswith(
        "2030-05-01T10:30:00"
    )
    assert list(event.staff.all()) == [leader] and body["squad_ids"] == [squad.pk]
    assert body["latitude"] == 31.0 and body["partners"] == ["城关中学"]
    assert AuditEntry.objects.filter(action="events.event.created").count() == 1


def test_a_start_with_any_offset_iso_allows_is_kept_as_that_moment(login, officer) -> None:
    # PostgreSQL stores no offset beyond ±15:59; ISO 8601 (and the document) allow ±23:59.
    answer = post(login(officer), "/events", {**NEW, "starts_at": "2030-05-01T09:00:00-20:45"})
    assert answer.status_code == 201, answer.content
    event = Event.objects.get(pk=answer.json()["id"])
    assert event.starts_at == dt.datetime(2030, 5, 2, 5, 45, tzinfo=dt.UTC)


def test_an_event_sent_again_with_its_key_is_planned_once(login, officer) -> None:
    key = uuid.uuid4()
    first = post(login(officer), "/events", NEW, key=key)
    again = post(login(officer), "/events", NEW, key=key)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"] and Event.objects.count() == 1
    assert AuditEntry.objects.filter(action="events.event.created").count() == 1


def test_only_officers_plan_and_each_write_needs_its_key(login, public, leader) -> None:
    refused = post(login(leader), "/events", NEW)
    assert documented(refused, "POST /events")["code"] == "forbidden"
    assert post(public, "/events", NEW).status_code == 401
    assert not Event.objects.exists()


def test_a_write_without_an_idempotency_key_changes_nothing(login, officer) -> None:
    answer = login(officer).post("/api/v1/events", NEW, content_type="application/json")
    assert documented(answer, "POST /events")["code"] == "idempotency_key"
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"minutes": 0},
        {"capacity": 0},
        {"title": "   "},
        {"latitude": 31.0},
        {"audience": "squads"},
        {"audience": "squads", "squad_ids": []},
        {"grants_skill": "first_aid"},
        {"kind": "party"},
        {"starts_at": "2030-05-01 09:00"},
        {"status": "cancelled"},
        {"colour": "red"},
    ],
)
def test_bad_input_is_refused_with_its_reason_and_changes_nothing(login, officer, change) -> None:
    answer = post(login(officer), "/events", {**NEW, **change})
    body = documented(answer, "POST /events")
    assert answer.status_code == 422 and body["code"] == "invalid"
    assert body["errors"] and all(error["message"] for error in body["errors"])
    assert not Event.objects.exists()


def test_a_training_may_grant_a_skill(login, officer) -> None:
    answer = post(
        login(officer),
        "/events",
        {**NEW, "kind": "training", "grants_skill": "first_aid", "grants_briefing": "school_gate"},
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["grants_briefing"] == "school_gate"


def test_unknown_squads_partners_and_staff_are_not_found(login, officer) -> None:
    client = login(officer)
    for field in ("partner_ids", "staff_ids", "squad_ids"):
        answer = post(client, "/events", {**NEW, field: [999999]})
        assert documented(answer, "POST /events")["code"].startswith("unknown_")
        assert answer.status_code == 404
    assert post(client, "/events", {**NEW, "area_id": 999999}).status_code == 404
    assert not Event.objects.exists()


def test_an_officer_changes_an_event_and_more_places_go_to_those_waiting(
    login, officer, open_day, outbox
) -> None:
    stranger_ticket(open_day, "+8613812340001")
    stranger_ticket(open_day, "+8613812340002")
    waiting = stranger_ticket(open_day, "+8613812340003")
    assert waiting.status == "waiting"
    length = open_day.ends_at - open_day.starts_at
    answer = call(
        login(officer),
        "patch",
        f"/events/{open_day.pk}",
        {"capacity": 3, "starts_at": "2030-06-01T09:00:00+08:00"},
    )
    body = documented(answer, "PATCH /events/{event_id}")
    assert body["capacity"] == 3 and body["places_left"] == 0
    open_day.refresh_from_db()
    assert open_day.ends_at - open_day.starts_at == length  # moved, not stretched
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"


def test_places_cannot_drop_below_those_taken(login, officer, open_day) -> None:
    stranger_ticket(open_day, "+8613812340001")
    stranger_ticket(open_day, "+8613812340002")
    answer = call(login(officer), "patch", f"/events/{open_day.pk}", {"capacity": 1})
    assert documented(answer, "PATCH /events/{event_id}")["code"] == "event_refused"
    assert answer.status_code == 409
    open_day.refresh_from_db()
    assert open_day.capacity == 2


def test_only_officers_change_or_cancel_and_unknown_events_are_not_found(
    login, leader, officer, open_day
) -> None:
    assert (
        call(login(leader), "patch", f"/events/{open_day.pk}", {"capacity": 9}).status_code == 403
    )
    assert (
        post(login(leader), f"/events/{open_day.pk}/cancel", {"reason": "下雨"}).status_code == 403
    )
    assert call(login(officer), "patch", "/events/999999", {"capacity": 9}).status_code == 404
    open_day.refresh_from_db()
    assert open_day.capacity == 2 and open_day.status == "published"


def test_cancelling_tells_everyone_registered_why(
    login, officer, open_day, outbox, django_capture_on_commit_callbacks
) -> None:
    stranger_ticket(open_day)
    outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answer = post(login(officer), f"/events/{open_day.pk}/cancel", {"reason": "暴雨预警"})
    body = documented(answer, "POST /events/{event_id}/cancel")
    assert body["status"] == "cancelled" and body["cancel_reason"] == "暴雨预警"
    assert [message.to for message in outbox] == [STRANGER]
    blank = post(login(officer), f"/events/{open_day.pk}/cancel", {"reason": "  "})
    assert blank.status_code == 422


# Registering


def registered(client: Client, event: Event, outbox: list[Any], *, phone: str = STRANGER,
               key: Any = None) -> Any:  # fmt: skip
    sent = post(client, f"/events/{event.pk}/codes", {"phone": phone, "holder": HOLDER})
    assert sent.status_code == 202, sent.content
    documented(sent, "POST /events/{event_id}/codes")
    return post(
        client,
        f"/events/{event.pk}/registrations",
        {"name": "钱女士", "phone": phone, "holder": HOLDER, "code": sent_code(outbox)},
        key=key,
    )


def test_the_public_registers_with_a_confirmed_number_and_gets_a_ticket(
    public, open_day, outbox
) -> None:
    key = uuid.uuid4()
    answer = registered(public, open_day, outbox, key=key)
    body = documented(answer, "POST /events/{event_id}/registrations")
    assert answer.status_code == 201
    assert body["status"] == "confirmed" and body["name"] == "钱女士"
    assert body["event"]["id"] == open_day.pk and len(body["code"]) == 6
    assert body["ticket_url"].endswith(f"/events/tickets/{body['token']}/")
    # The answer lost, the app sends it again: the same ticket, without a new code.
    again = post(
        public,
        f"/events/{open_day.pk}/registrations",
        {"name": "钱女士", "phone": STRANGER, "holder": HOLDER, "code": "000000"},
        key=key,
    )
    assert again.status_code == 201 and again.json() == body
    assert Registration.objects.count() == 1


def test_the_same_number_registering_again_gets_the_same_registration(
    public, open_day, outbox
) -> None:
    first = registered(public, open_day, outbox).json()
    # Another browser, on another network; the number as people write it.
    second = registered(Client(REMOTE_ADDR="10.1.1.1"), open_day, outbox, phone="13812345678")
    assert second.status_code == 200
    assert second.json()["id"] == first["id"]


def test_a_wrong_code_registers_nobody(public, open_day, outbox) -> None:
    post(public, f"/events/{open_day.pk}/codes", {"phone": STRANGER, "holder": HOLDER})
    wrong = "111111" if sent_code(outbox) != "111111" else "222222"
    answer = post(
        public,
        f"/events/{open_day.pk}/registrations",
        {"name": "钱女士", "phone": STRANGER, "holder": HOLDER, "code": wrong},
    )
    assert documented(answer, "POST /events/{event_id}/registrations")["code"] == "code_wrong"
    assert answer.status_code == 409
    assert not Registration.objects.exists()


def test_another_holder_cannot_use_the_code(public, open_day, outbox) -> None:
    post(public, f"/events/{open_day.pk}/codes", {"phone": STRANGER, "holder": HOLDER})
    answer = post(
        Client(),
        f"/events/{open_day.pk}/registrations",
        {
            "name": "钱女士",
            "phone": STRANGER,
            "holder": "someone-else-0123456",
            "code": sent_code(outbox),
        },
    )
    assert answer.status_code == 409
    assert not Registration.objects.exists()


def test_codes_are_limited_per_number_and_address(public, open_day, outbox) -> None:
    data = {"phone": STRANGER, "holder": HOLDER}
    assert post(public, f"/events/{open_day.pk}/codes", data).status_code == 202
    again = post(public, f"/events/{open_day.pk}/codes", data)
    assert documented(again, "POST /events/{event_id}/codes")["code"] == "throttled"
    assert again.status_code == 429
    assert len(outbox) == 1


def test_no_code_for_an_event_the_public_cannot_register_for(
    public, login, volunteer, officer, members_only, outbox
) -> None:
    data = {"phone": STRANGER, "holder": HOLDER}
    assert post(public, f"/events/{members_only.pk}/codes", data).status_code == 404
    assert post(login(volunteer), f"/events/{members_only.pk}/codes", data).status_code == 403
    over = plan(officer, starts_in=dt.timedelta(days=-3))
    closed = post(public, f"/events/{over.pk}/codes", data)
    assert documented(closed, "POST /events/{event_id}/codes")["code"] == "closed"
    assert closed.status_code == 409
    assert outbox == []


@pytest.mark.parametrize(
    "change",
    [{"phone": "12345"}, {"holder": "short"}, {"holder": "x" * 65}, {"phone": ""}, {"age": 3}],
)
def test_a_code_needs_a_mobile_number_and_a_holder(public, open_day, outbox, change) -> None:
    answer = post(
        public, f"/events/{open_day.pk}/codes", {"phone": STRANGER, "holder": HOLDER, **change}
    )
    assert documented(answer, "POST /events/{event_id}/codes")["code"] == "invalid"
    assert outbox == []


def test_a_full_event_puts_newcomers_on_the_waiting_list(public, open_day, outbox) -> None:
    stranger_ticket(open_day, "+8613812340001")
    stranger_ticket(open_day, "+8613812340002")
    answer = registered(public, open_day, outbox)
    assert answer.status_code == 201 and answer.json()["status"] == "waiting"


def test_a_member_registers_in_one_tap(login, volunteer, members_only) -> None:
    client, key = login(volunteer), uuid.uuid4()
    answer = post(client, f"/events/{members_only.pk}/registrations", key=key)
    body = documented(answer, "POST /events/{event_id}/registrations")
    assert answer.status_code == 201 and body["name"] == "张志愿"
    assert post(client, f"/events/{members_only.pk}/registrations", key=key).json() == body
    assert post(client, f"/events/{members_only.pk}/registrations").status_code == 200
    assert Registration.objects.get().member == member(volunteer)


def test_one_tap_is_for_members_signed_in(
    public, login, police, volunteer, members_only, for_other_squad
) -> None:
    nobody = post(public, f"/events/{members_only.pk}/registrations")
    assert documented(nobody, "POST /events/{event_id}/registrations")["code"] == "unauthenticated"
    assert nobody.status_code == 401
    assert post(login(police), f"/events/{members_only.pk}/registrations").status_code == 404
    assert post(login(volunteer), f"/events/{for_other_squad.pk}/registrations").status_code == 404
    assert not Registration.objects.exists()


def test_registration_closes_when_the_event_is_over(login, officer, volunteer) -> None:
    over = plan(officer, starts_in=dt.timedelta(days=-3))
    answer = post(login(volunteer), f"/events/{over.pk}/registrations")
    assert documented(answer, "POST /events/{event_id}/registrations")["code"] == "closed"
    assert answer.status_code == 409


def test_members_see_their_own_registrations(
    login, public, volunteer, volunteer2, open_day, members_only
) -> None:
    ticket_for(open_day, volunteer)
    ticket_for(members_only, volunteer)
    ticket_for(open_day, volunteer2)
    answer = get(login(volunteer), "/registrations/mine")
    body = documented(answer, "GET /registrations/mine")
    assert [item["event"]["id"] for item in body["items"]] == [members_only.pk, open_day.pk]
    assert get(public, "/registrations/mine").status_code == 401


# Tickets


def test_the_token_holder_reads_and_cancels_the_ticket_and_the_next_gets_the_place(
    public, open_day, outbox
) -> None:
    first = stranger_ticket(open_day, "+8613812340001")
    stranger_ticket(open_day, "+8613812340002")
    waiting = stranger_ticket(open_day, "+8613812340003")
    read = get(public, f"/tickets/{first.token}")
    body = documented(read, "GET /tickets/{token}")
    assert body["code"] == first.code and body["status"] == "confirmed"
    assert body["checked_in_at"] is None and body["event"]["title"] == "警营开放日"
    cancelled = post(public, f"/tickets/{first.token}/cancel")
    assert documented(cancelled, "POST /tickets/{token}/cancel")["status"] == "cancelled"
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"
    assert post(public, f"/tickets/{first.token}/cancel").status_code == 200


def test_an_unknown_token_is_not_found(public, open_day) -> None:
    stranger_ticket(open_day)
    assert get(public, "/tickets/not-a-token").status_code == 404
    assert post(public, "/tickets/not-a-token/cancel").status_code == 404
    assert get(public, "/tickets/bad%20token").status_code == 422
    assert Registration.objects.get().status == "confirmed"


# The door


def test_the_door_checks_a_ticket_in_once_by_its_code(login, leader, officer, on_now) -> None:
    ticket = stranger_ticket(on_now)
    client, key = login(leader), uuid.uuid4()
    path = f"/events/{on_now.pk}/check-ins"
    answer = post(client, path, {"code": ticket.code.lower()}, key=key)
    body = documented(answer, "POST /events/{event_id}/check-ins")
    assert body["checked_in_at"] and body["phone"] == "138****5678" and "token" not in body
    assert post(client, path, {"code": ticket.code}, key=key).json() == body  # the same scan
    used = post(login(officer), path, {"code": ticket.code})
    assert documented(used, "POST /events/{event_id}/check-ins")["code"] == "used"
    assert used.status_code == 409
    assert AuditEntry.objects.filter(action="events.registration.checked_in").count() == 1


def test_the_door_checks_a_ticket_in_by_its_token(login, officer, on_now) -> None:
    ticket = stranger_ticket(on_now)
    answer = post(login(officer), f"/events/{on_now.pk}/check-ins", {"token": ticket.token})
    assert answer.status_code == 200 and answer.json()["id"] == ticket.pk


def test_another_events_ticket_is_refused_and_named(login, leader, on_now, open_day) -> None:
    elsewhere = stranger_ticket(open_day)
    for sent in ({"code": elsewhere.code}, {"token": elsewhere.token}):
        answer = post(login(leader), f"/events/{on_now.pk}/check-ins", sent)
        body = documented(answer, "POST /events/{event_id}/check-ins")
        assert answer.status_code == 409 and body["code"] == "other_event"
        assert "警营开放日" in body["message"]
    elsewhere.refresh_from_db()
    assert elsewhere.checked_in_at is None


def test_cancelled_waiting_and_unknown_tickets_are_refused(login, officer, leader) -> None:
    small = plan(officer, starts_in=dt.timedelta(minutes=-10), capacity=1, staff=[leader])
    gone = stranger_ticket(small, "+8613812340001")
    registrations.cancel(registration=gone, actor=None)
    stranger_ticket(small, "+8613812340002")
    waiting = stranger_ticket(small, "+8613812340003")
    client, path = login(leader), f"/events/{small.pk}/check-ins"
    assert post(client, path, {"code": gone.code}).json()["code"] == "cancelled"
    refused = post(client, path, {"code": waiting.code})
    assert refused.status_code == 409 and refused.json()["code"] == "waiting"
    unknown = post(client, path, {"code": "ZZZZZZ"})
    assert documented(unknown, "POST /events/{event_id}/check-ins")["code"] == "unknown_ticket"
    assert unknown.status_code == 404
    assert not Registration.objects.filter(checked_in_at__isnull=False).exists()


def test_only_the_events_staff_keep_its_door(
    login, public, volunteer, other_volunteer, officer, squad, on_now
) -> None:
    ticket = stranger_ticket(on_now)
    path = f"/events/{on_now.pk}/check-ins"
    refused = post(login(volunteer), path, {"code": ticket.code})
    assert documented(refused, "POST /events/{event_id}/check-ins")["code"] == "not_allowed"
    assert refused.status_code == 403
    assert post(public, path, {"code": ticket.code}).status_code == 401
    hidden = plan(officer, starts_in=-HALF_HOUR, audience="squads", squads=[squad])
    elsewhere = post(login(other_volunteer), f"/events/{hidden.pk}/check-ins", {"code": "X"})
    assert elsewhere.status_code == 404
    ticket.refresh_from_db()
    assert ticket.checked_in_at is None


@pytest.mark.parametrize("sent", [{}, {"code": "ABC234", "token": "abc"}, {"code": "x" * 33}])
def test_a_check_in_names_one_ticket(login, leader, on_now, sent) -> None:
    answer = post(login(leader), f"/events/{on_now.pk}/check-ins", sent)
    assert documented(answer, "POST /events/{event_id}/check-ins")["code"] == "invalid"


def test_walk_ins_are_added_at_the_door_once_per_key(login, leader, volunteer, on_now) -> None:
    client, key = login(leader), uuid.uuid4()
    path = f"/events/{on_now.pk}/walk-ins"
    answer = post(client, path, {"name": "孙大爷", "phone": "13712345678"}, key=key)
    body = documented(answer, "POST /events/{event_id}/walk-ins")
    assert answer.status_code == 201 and body["is_walk_in"] is True and body["checked_in_at"]
    again = post(client, path, {"name": "孙大爷", "phone": "13712345678"}, key=key)
    assert again.status_code == 200 and again.json() == body
    registered_already = post(client, path, {"name": "孙大爷", "phone": "13712345678"})
    assert registered_already.status_code == 409
    assert registered_already.json()["code"] == "registered"
    assert post(client, path, {"name": "无名"}).status_code == 201
    assert post(login(volunteer), path, {"name": "某人"}).status_code == 403
    assert post(client, path, {"name": " "}).status_code == 422
    assert Registration.objects.filter(is_walk_in=True).count() == 2


def test_the_staff_see_the_attendance_with_numbers_masked(
    login, public, leader, volunteer, on_now
) -> None:
    ticket = stranger_ticket(on_now)
    post(login(leader), f"/events/{on_now.pk}/check-ins", {"code": ticket.code})
    post(login(leader), f"/events/{on_now.pk}/walk-ins", {"name": "孙大爷"})
    ticket_for(on_now, volunteer)
    answer = get(login(leader), f"/events/{on_now.pk}/attendance")
    body = documented(answer, "GET /events/{event_id}/attendance")
    assert (body["confirmed"], body["attended"], body["walk_ins"]) == (2, 2, 1)
    assert [row["phone"] for row in body["rows"]] == ["138****5678", "", "139****0002"]
    assert STRANGER not in answer.content.decode()
    assert get(login(volunteer), f"/events/{on_now.pk}/attendance").status_code == 403
    assert get(public, f"/events/{on_now.pk}/attendance").status_code == 401


def test_the_staff_report_once_the_event_has_begun(
    login, leader, volunteer, on_now, open_day
) -> None:
    ticket = stranger_ticket(on_now)
    post(login(leader), f"/events/{on_now.pk}/check-ins", {"code": ticket.code})
    path = f"/events/{on_now.pk}/report"
    too_few = post(login(leader), path, {"summary": "顺利", "people_reached": 0})
    assert documented(too_few, "POST /events/{event_id}/report")["code"] == "reached_too_few"
    assert too_few.status_code == 409
    answer = post(login(leader), path, {"summary": "顺利举行", "people_reached": 60})
    body = documented(answer, "POST /events/{event_id}/report")
    assert body["people_reached"] == 60 and body["closed_at"] and body["summary"] == "顺利举行"
    early = post(login(leader), f"/events/{open_day.pk}/report", {"summary": "x"})
    assert early.status_code == 409 and early.json()["code"] == "not_begun"
    assert post(login(volunteer), path, {"summary": "x"}).status_code == 403
    assert post(login(leader), path, {"summary": "x", "people_reached": -1}).status_code == 422
    on_now.refresh_from_db()
    assert on_now.people_reached == 60


def test_another_persons_key_gets_nobody_elses_ticket(public, open_day, outbox) -> None:
    key = uuid.uuid4()
    assert registered(public, open_day, outbox, key=key).status_code == 201
    other = registered(
        Client(REMOTE_ADDR="10.1.1.2"), open_day, outbox, phone="13912345678", key=key
    )
    assert documented(other, "POST /events/{event_id}/registrations")["code"] == "key_reused"
    assert other.status_code == 409 and "token" not in other.json()
    assert Registration.objects.count() == 1
