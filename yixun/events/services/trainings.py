from yixun.events.models import Event, EventKind
from yixun.shifts.trainings import Training


def next_granting(kind: str) -> Training | None:
    """The next published training, open to every member or the public, that grants the
    briefing for `kind` and still has places or a waiting list to join."""
    event = (
        Event.objects.upcoming()
        .filter(kind=EventKind.TRAINING, grants_briefing=kind)
        .exclude(audience=Event.Audience.SQUADS)
        .first()
    )
    if event is None:
        return None
    return Training(title=event.title, starts_at=event.starts_at, url=event.get_absolute_url())
