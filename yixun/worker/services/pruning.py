"""Finished tasks are not kept: the queue is no archive. What a task did is in the records it
wrote, the delivery log and the audit trail; its row (arguments, return value, traceback) is
only useful for a few days of looking into a failure. Each worker prunes now and then, as
part of its judging round."""

import datetime as dt
import logging

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

log = logging.getLogger("yixun.worker")
# Finished tasks older than this are deleted (with their reclaims; the audit trail keeps those).
KEEP_FINISHED = dt.timedelta(days=7)


def prune_finished_tasks(*, now: dt.datetime | None = None) -> int:
    """Delete the tasks that finished (successfully or not) a week ago or more; return how
    many. Tasks still queued or running are never touched, however old."""
    cutoff = (now or timezone.now()) - KEEP_FINISHED
    old = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff)
    deleted = old.only("pk").delete()[1].get(DBTaskResult._meta.label, 0)
    if deleted:
        log.info("deleted %s tasks that finished before %s", deleted, cutoff.isoformat())
    return deleted
