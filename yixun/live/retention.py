"""Live events are kept a day: long enough for any page that lost its connection to catch up,
and a page older than that fetches its live parts afresh. They name topics and ids only, so
their going leaves no trace in the audit trail."""

import datetime as dt

from django.db import transaction

from yixun.live.models import Event

KEPT = dt.timedelta(days=1)
BATCH = 5000


def delete_old_events(now: dt.datetime, *, dry_run: bool = False, batch_size: int = BATCH) -> int:
    old = Event.objects.filter(created_at__lt=now - KEPT)
    if dry_run:
        return old.count()
    deleted = 0
    while ids := list(old.values_list("pk", flat=True)[:batch_size]):
        with transaction.atomic():
            deleted += Event.objects.filter(pk__in=ids).delete()[0]
    return deleted
