"""The events as iCalendar: parseable, each with its lasting UID, its SEQUENCE, an address that
works from a phone's calendar, and a cancelled event shown as cancelled."""

from decimal import Decimal

import icalendar

from yixun.events.models import Event
from yixun.events.services import feeds, manage
from yixun.events.tests.conftest import at, fresh, new_event


def entries(calendar: bytes) -> dict[str, icalendar.Event]:
    parsed = icalendar.Calendar.from_ical(calendar)
    return {str(entry["summary"]): entry for entry in parsed.walk("VEVENT")}


def test_the_calendar_parses_and_carries_uid_sequence_url_and_status(officer, open_day) -> None:
    talk = new_event(
        officer,
        kind=Event.Kind.TALK,
        title="防诈骗讲座",
        starts_at=at(5, 19),
        description="讲解**电信诈骗**新手法。",
        latitude=Decimal("30.123456"),
        longitude=Decimal("114.654321"),
    )
    manage.save_event(actor=officer, event=open_day, starts_at=at(2, 10), ends_at=at(2, 13))
    manage.cancel_event(event=fresh(talk), actor=officer, reason="讲师生病")

    body = feeds.render([fresh(open_day), fresh(talk)], "义巡活动")

    calendar = icalendar.Calendar.from_ical(body)
    assert str(calendar["x-wr-calname"]) == "义巡活动"
    found = entries(body)
    day, lecture = found["城关派出所警营开放日"], found["防诈骗讲座"]
    assert str(day["uid"]) == f"{open_day.uid}@yixun"
    assert int(day["sequence"]) == 1  # moved once
    assert day.decoded("dtstart") == at(2, 10)
    assert day.decoded("dtend") == at(2, 13)
    assert str(day["url"]).startswith(("http://", "https://"))
    assert str(day["url"]).endswith(f"/events/{open_day.pk}/")
    assert str(day["status"]) == "CONFIRMED"
    assert "城关派出所" in str(day["location"])

    assert str(lecture["status"]) == "CANCELLED"
    assert int(lecture["sequence"]) == 1
    assert lecture.decoded("geo") is not None
    assert "电信诈骗" in str(lecture["description"])


def test_the_uid_stays_when_the_event_changes(officer, open_day) -> None:
    before = entries(feeds.render([fresh(open_day)], "x"))["城关派出所警营开放日"]
    manage.save_event(actor=officer, event=open_day, place_name="城关派出所二楼")
    after = entries(feeds.render([fresh(open_day)], "x"))["城关派出所警营开放日"]
    assert str(before["uid"]) == str(after["uid"])
    assert int(after["sequence"]) == int(before["sequence"]) + 1


def test_an_empty_calendar_still_parses(db) -> None:
    assert entries(feeds.render([], "义巡活动")) == {}
