"""iCalendar (RFC 5545) for events: one event's, to add to a phone's calendar, and the list of
coming public events, to subscribe to."""

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from yixun.events.models import Event
from yixun.lib import links

PAST = dt.timedelta(days=60)  # how far back the list's calendar reaches


def render(events: Iterable[Event], name: str) -> bytes:
    """The events as text/calendar. Each keeps its UID for life and carries its SEQUENCE, so a
    moved event moves in the calendar and a cancelled one shows as cancelled."""
    calendar = Calendar()
    calendar.add("prodid", "-//Yixun//Volunteer patrol//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Shanghai")
    calendar.add("refresh-interval;value=duration", "PT1H")
    for event in events:
        entry = CalendarEvent()
        entry.add("uid", f"{event.uid}@yixun")
        entry.add("sequence", event.sequence)
        entry.add("dtstamp", event.updated_at or timezone.now())
        entry.add("last-modified", event.updated_at or timezone.now())
        entry.add("dtstart", event.starts_at)
        entry.add("dtend", event.ends_at)
        entry.add("summary", event.title)
        entry.add("location", ", ".join(part for part in (event.place_name, event.address) if part))
        entry.add("url", links.absolute(event.get_absolute_url()))
        entry.add("categories", [str(event.get_kind_display())])
        entry.add("status", "CANCELLED" if event.status == Event.Status.CANCELLED else "CONFIRMED")
        if event.has_map:
            entry.add("geo", (float(event.latitude or 0), float(event.longitude or 0)))
        if event.description:
            entry.add("description", event.description)
        calendar.add_component(entry)
    return bytes(calendar.to_ical())
