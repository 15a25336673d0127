"""Shifts as a live topic: a claim, a release, a waiting-list move or an edit is pushed as a
change of its shift to the pages that show it. Every signed-in person may open the calendar, so
everyone who follows hears of every shift: the event names the shift, and the page shows it as
the calendar does."""

from typing import Any

from yixun.live.topics import Topic


def shift_of(target: Any) -> object:
    return getattr(target, "shift_id", None) or target.pk


SHIFTS = Topic(
    name="shifts",
    codes=("shifts.shift.", "shifts.claim.", "shifts.waitlist_entry."),
    ref=shift_of,
    may_follow=lambda user: True,
)
