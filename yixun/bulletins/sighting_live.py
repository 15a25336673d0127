"""An urgent alert's sightings as a live topic: each sighting reported moves the map its liaison
(or a moderator, or an officer) has open, without a reload. Only they hear of it: a sighting is
a tip, and nobody else may see it."""

from typing import Any

from yixun.live.topics import Topic


def may_watch(user: Any) -> bool:
    from yixun.bulletins.sightings import may_watch

    return may_watch(user)


def bulletin_of(sighting: Any) -> int:
    """A sighting's event names its alert: the map open on that alert is the one to move."""
    return int(sighting.bulletin_id)


SIGHTINGS = Topic(
    name="sightings",
    codes=("bulletins.sighting.",),
    ref=bulletin_of,
    may_follow=may_watch,
    may_see=lambda user, ref: may_watch(user),
)
