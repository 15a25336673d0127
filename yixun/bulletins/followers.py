"""The public's subscriptions a bulletin reaches: e-mail (`channels.email`) and browser
notifications (`channels.push`) both ask here, so that a bulletin reaches the same followers
by either way."""

from django.db.models import Q, QuerySet

from yixun.bulletins.models import Bulletin, Subscriber
from yixun.places.models import Area


def followable_areas() -> "QuerySet[Area]":
    """The areas the public may follow: the county, its towns and streets (a community is too
    small to be asked for by name). The subscribe page, the API and the confirmation read this."""
    return Area.objects.exclude(level=Area.Level.COMMUNITY)


def wants(kinds: list[str], kind: str) -> bool:
    """A subscription's kinds: empty is every kind."""
    return not kinds or kind in kinds


def _above(path: str) -> list[str]:
    """The paths of the areas above one ("/1/5/12/" -> "/1/", "/1/5/")."""
    ids = path.strip("/").split("/")
    return ["/" + "/".join(ids[:depth]) + "/" for depth in range(1, len(ids))]


def of(bulletin: Bulletin) -> list[Subscriber]:
    """For a public bulletin, the current subscriptions (confirmed, not stopped) that follow
    its kind and one of its areas, an area above one (the county for a town's bulletin) or
    under one (a town for the county's), or every area. A bulletin for no area in particular
    is for every subscriber."""
    if not bulletin.to_public:
        return []
    current = Subscriber.objects.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)
    paths = list(bulletin.areas.values_list("path", flat=True))
    if paths:
        near = Q(areas__isnull=True)
        for path in paths:
            near |= Q(areas__path__startswith=path) | Q(areas__path__in=_above(path))
        current = current.filter(near).distinct()
    return [s for s in current.order_by("pk") if wants(s.kinds, bulletin.kind)]


def is_current(subscriber: Subscriber, kind: str) -> bool:
    """Read again when a delivery is sent: the subscription may have stopped, or left this
    kind, since it was queued."""
    return (
        subscriber.confirmed_at is not None
        and subscriber.unsubscribed_at is None
        and wants(subscriber.kinds, kind)
    )
