"""The week's shift cards, rendered once and shared by everyone who sees the same day.

The calendar is the page the whole county opens when patrol days open, and a card is the
same for every member who has not claimed that shift: only the form's CSRF token differs.
So the week is read as plain values (no model objects), and each day's shared cards are
one cached fragment, rendered with a placeholder for the token, keyed on everything the
cards show (times, place and squad names, places taken, status, whether past, language).
Any change makes a new key, so no day is ever stale and nothing has to be told to forget
one. A claim changes its day's key; that day is rendered again once, the rest stay. The
cards of the member's own claims and waiting-list places are rendered for them alone.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.db.models import IntegerField, QuerySet, Value
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from yixun.lib import fragments
from yixun.members.models import Member
from yixun.shifts.models import Claim, Shift, WaitlistEntry

CARD = "shifts/_shift_card.html"
TOKEN = fragments.TOKEN
# How long the rows of a week (times, places, places taken) are shared by everyone asking the
# same before they are read again: in a claim rush a town's week is asked for hundreds of times
# a second, and a county has a hundred town-weeks in view. A card may show a count of places
# some seconds old; the claim itself is decided by the rules under a lock (a full shift puts
# the member on its waiting list, and says so), and the member's own cards are always as
# they are now.
SHARED_SECONDS = 10
# What a card shows, read as values: a week of a town is a hundred rows or more.
SHOWN = (
    "pk",
    "starts_at",
    "ends_at",
    "sequence",
    "status",
    "kind",
    "taken",
    "capacity",
    "min_people",
    "site__name",
    "route__name",
    "area__name",
    "squad__name",
)


@dataclass
class Entry:
    """One shift of the week, as the member sees it."""

    values: tuple[Any, ...]
    claim_id: int | None = None
    waiting: bool = False
    distance: float | None = None  # metres from the member, when they asked for near first

    @property
    def pk(self) -> int:
        return int(self.values[0])

    @property
    def starts_at(self) -> dt.datetime:
        return self.values[1]

    @property
    def shared(self) -> bool:
        return self.claim_id is None and not self.waiting and self.distance is None


def entries(
    member: Member | None,
    found: Callable[[], QuerySet[Shift]],
    start: int,
    stop: int,
    *,
    asked: Hashable,
) -> list[Entry]:
    """Rows `start` to `stop` of these shifts, each with the member's claim and waiting-list
    place on it.

    The rows are what everyone who asks the same (`asked`: the filter, week and page that make
    `found`) sees, and are shared for a few seconds (`SHARED_SECONDS`); `found` is called only
    when they are not in the cache. The member's own claims and waiting places are read fresh,
    and the cards of their own shifts are rendered from the shifts as they are now
    (`render_week`).
    """
    rows = fragments.kept(
        fragments.key("shift-rows", (asked, start, stop)),
        SHARED_SECONDS,
        lambda: list(found().values_list(*SHOWN)[start:stop]),
    )
    if member is None or not rows:
        return [Entry(row) for row in rows]
    # The member's claims and waiting places between the first and the last of these shifts, in
    # one query: a member has a handful, where the rows may be a hundred ids to list.
    first, last = min(row[1] for row in rows), max(row[1] for row in rows)
    claimed = (
        Claim.objects.active()
        .filter(member=member, shift__starts_at__gte=first, shift__starts_at__lte=last)
        .order_by()  # a compound query's parts take no ordering
        .values_list("shift_id", "pk")
    )
    waiting = (
        WaitlistEntry.objects.filter(
            member=member,
            status=WaitlistEntry.Status.WAITING,
            shift__starts_at__gte=first,
            shift__starts_at__lte=last,
        )
        .order_by()
        .values_list("shift_id", Value(None, output_field=IntegerField()))
    )
    mine = list(claimed.union(waiting, all=True))
    claims = {shift_id: pk for shift_id, pk in mine if pk is not None}
    waits = {shift_id for shift_id, pk in mine if pk is None}
    return [Entry(row, claim_id=claims.get(row[0]), waiting=row[0] in waits) for row in rows]


def by_day(found: list[Entry]) -> dict[dt.date, list[Entry]]:
    days: dict[dt.date, list[Entry]] = defaultdict(list)
    for entry in found:
        days[timezone.localtime(entry.starts_at).date()].append(entry)
    return days


def render_week(
    request: HttpRequest, days: list[list[Entry]], member: Member | None
) -> list[list[SafeString]]:
    """Each day's cards in order: the shared ones from one cached fragment per day, the
    member's own rendered for them; the shifts behind any card to render read in one query."""
    now = timezone.now()
    names = [
        fragments.key(
            "shift-day",
            (member is not None, *((e.values, e.values[2] <= now) for e in day if e.shared)),
        )
        for day in days
    ]
    found: dict[str, list[str]] = fragments.local().get_many(names)
    needed = {
        e.pk
        for day, name in zip(days, names, strict=True)
        for e in day
        if not e.shared or name not in found
    }
    shifts = Shift.objects.with_places().in_bulk(needed) if needed else {}
    # Our own template renders every card and escapes what it shows.
    template = get_template(CARD)
    fresh = {
        name: [
            template.render(card_context(shifts[e.pk], e, member, TOKEN)) for e in day if e.shared
        ]
        for day, name in zip(days, names, strict=True)
        if name not in found and any(e.shared for e in day)
    }
    if fresh:
        fragments.local().set_many(fresh, fragments.LIFETIME)
    token = get_token(request)
    week = []
    for day, name in zip(days, names, strict=True):
        shared = iter(found.get(name) or fresh.get(name) or [])
        week.append(
            [
                mark_safe(next(shared).replace(TOKEN, token))  # noqa: S308
                if e.shared
                else mark_safe(template.render(card_context(shifts[e.pk], e, member, token)))  # noqa: S308
                for e in day
            ]
        )
    return week


def card_context(shift: Shift, entry: Entry, member: Member | None, token: str) -> dict[str, Any]:
    claim = Claim(pk=entry.claim_id, shift=shift) if entry.claim_id else None
    return {
        "row": {
            "shift": shift,
            "claim": claim,
            "waiting": entry.waiting,
            "distance": entry.distance,
        },
        "member": member,
        "csrf_token": token,
    }
