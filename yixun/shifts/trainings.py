"""Where the calendar learns of trainings that grant a briefing, without knowing of events.

Events stand below shifts (DESIGN.md), so the calendar cannot ask them; the events app
registers its finder here when it loads, and a member refused for a missing briefing is shown
the next training that gives it."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Training:
    title: str
    starts_at: dt.datetime
    url: str


Finder = Callable[[str], Training | None]
_finders: list[Finder] = []


def register(finder: Finder) -> None:
    if finder not in _finders:
        _finders.append(finder)


def next_granting(kind: str) -> Training | None:
    """The next training that grants the briefing for this kind of shift, if any is planned."""
    found = [training for finder in _finders if (training := finder(kind)) is not None]
    return min(found, key=lambda training: training.starts_at, default=None)
