"""iCalendar (RFC 5545) feeds a phone's calendar subscribes to: a member's patrols, a squad's."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from yixun.audit import services as audit
from yixun.members.models import Member, Squad
from yixun.members.services.roster import may_manage_squad
from yixun.shifts.models import CalendarFeed, Claim, Shift
from yixun.shifts.services.errors import NotAllowed

PAST = dt.timedelta(days=60)  # how far back a feed reaches: enough for "last month", small to fetch


def feed_for(
    *, member: Member | None = None, squad: Squad | None = None, actor: Any
) -> CalendarFeed:
    """The active feed of a member (their own) or a squad (its leaders), made on first use."""
    if member is not None and member.user_id != actor.pk:
        raise NotAllowed(_("A calendar feed is its owner's own."))
    if squad is not None and not may_manage_squad(actor, squad):
        raise NotAllowed(_("Only the squad's leaders may publish its calendar."))
    feed = CalendarFeed.objects.filter(member=member, squad=squad, revoked_at__isnull=True).first()
    if feed is None:
        with transaction.atomic():
            feed = CalendarFeed.objects.create(member=member, squad=squad)
            audit.record(actor=actor, action="shifts.calendar_feed.created", target=feed)
    return feed


def renew_feed(*, feed: CalendarFeed, actor: Any) -> CalendarFeed:
    """Revoke the address (a phone that was lost, a link that spread) and make a new one."""
    with transaction.atomic():
        CalendarFeed.objects.filter(pk=feed.pk).update(revoked_at=timezone.now())
        audit.record(actor=actor, action="shifts.calendar_feed.revoked", target=feed)
    return feed_for(member=feed.member, squad=feed.squad, actor=actor)


def shifts_of(feed: CalendarFeed) -> Any:
    since = timezone.now() - PAST
    found = Shift.objects.scheduled().filter(ends_at__gte=since).with_places()
    if feed.member_id:
        found = found.filter(claims__member_id=feed.member_id, claims__status=Claim.Status.ACTIVE)
    else:  # the squad's own shifts, and every shift one of its members is on
        on_it = Claim.objects.active().filter(member__squad=feed.squad).values("shift")
        found = found.filter(Q(squad=feed.squad) | Q(pk__in=on_it))
    return found.distinct().order_by("starts_at")


def is_live(feed: CalendarFeed) -> bool:
    """A member's feed stops with their membership: suspended, gone or erased, it serves nothing."""
    if feed.revoked_at is not None:
        return False
    member = feed.member
    return member is None or (
        member.status == Member.Status.ACTIVE and member.erased_at is None and member.user.is_active
    )


def render(feed: CalendarFeed, name: str) -> bytes:
    """The feed as text/calendar. Each shift keeps its UID for life and carries its SEQUENCE, so
    a change updates the event in place; a cancelled shift, or a released place, simply leaves."""
    calendar = Calendar()
    calendar.add("prodid", "-//Yixun//Volunteer patrol//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Shanghai")
    calendar.add("refresh-interval;value=duration", "PT1H")
    for shift in shifts_of(feed):
        event = Event()
        event.add("uid", f"{shift.uid}@yixun")
        event.add("sequence", shift.sequence)
        event.add("dtstamp", shift.updated_at)
        event.add("last-modified", shift.updated_at)
        event.add("dtstart", shift.starts_at)
        event.add("dtend", shift.ends_at)
        event.add("summary", f"{shift.get_kind_display()} · {shift.place_name}")
        event.add("location", shift.place_name)
        if shift.site is not None:
            event.add("geo", (float(shift.site.latitude), float(shift.site.longitude)))
        if shift.notes:
            event.add("description", shift.notes)
        calendar.add_component(event)
    return calendar.to_ical()
