"""Retention's machinery, for every app's jobs: remove rows (and their files) or blank their
personal fields a batch at a time, and leave one trace of how many; and the audit trail's own
retention. The trail stands above every app (DESIGN.md), so any of them may use it."""

import datetime as dt
import logging
from collections.abc import Iterator, Sequence
from typing import Any

from django.conf import settings
from django.core.files.storage import Storage
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from yixun.audit import services as audit
from yixun.audit.models import AuditEntry

# Rows changed per transaction: each holds its locks (on SQLite, the one write lock of the whole
# database) for a few milliseconds, so pages and check-ins wait no longer than for a busy moment.
BATCH = 500

log = logging.getLogger("yixun.retention")


def cutoff(days: int, now: dt.datetime | None = None) -> dt.datetime:
    """The moment before which what is kept for `days` is due to go."""
    return (now or timezone.now()) - dt.timedelta(days=days)


def day_of(moment: dt.datetime) -> str:
    """The local day of a cutoff, for the trace: a date says enough, and the sentence shows it."""
    return timezone.localdate(moment).isoformat()


def sweep(
    rows: QuerySet[Any],
    *,
    action: str,
    erase: dict[str, Any] | None = None,
    files: str = "",
    details: dict[str, Any] | None = None,
    counted_as: str = "count",
    dry_run: bool = False,
    batch_size: int = BATCH,
) -> int:
    """Delete `rows`, or set the fields in `erase` on them, and return how many.

    Each batch is a short transaction of its own, keyed by primary key, and re-checks `rows`'
    condition as it writes: a row changed meanwhile (a tip taken out of spam) is left alone.
    The files named by the field `files` go from storage once their rows' deletion has
    committed. One audit entry records the number (never what was removed), even when a later
    batch fails; none when nothing was due. A dry run only counts.
    """
    if dry_run:
        return rows.count()
    done = 0
    try:
        for ids in _batches(rows, batch_size):
            with transaction.atomic():
                batch = rows.filter(pk__in=ids)
                if erase is not None:
                    done += batch.update(**erase)
                else:
                    done += _delete(batch, files)
    finally:
        if done:
            audit.record(actor=None, action=action, data={counted_as: done, **(details or {})})
    return done


def _batches(rows: QuerySet[Any], size: int) -> Iterator[list[Any]]:
    """The keys of `rows` in ascending runs of `size`, each read outside any transaction: on
    SQLite a transaction takes the write lock at once, and the last read may scan far."""
    after = None
    while True:
        page = rows.order_by("pk")
        if after is not None:
            page = page.filter(pk__gt=after)
        ids = list(page.values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids
        if len(ids) < size:
            return
        after = ids[-1]


def _delete(batch: QuerySet[Any], files: str) -> int:
    model = batch.model
    if not files:
        _total, by_model = batch.delete()
        return by_model.get(model._meta.label, 0)
    field = model._meta.get_field(files)
    if not isinstance(field, models.FileField):
        raise TypeError(f"{model._meta.label}.{files} holds no files")
    # The rows read (and locked) here are the rows deleted, by key: a file goes only with its row.
    found = list(batch.select_for_update().values_list("pk", files))
    _total, by_model = model._default_manager.filter(pk__in=[pk for pk, _ in found]).delete()
    names = [name for _, name in found if name]
    storage = field.storage
    transaction.on_commit(lambda: delete_files(storage, names))
    return by_model.get(model._meta.label, 0)


def delete_files(storage: Storage, names: Sequence[str]) -> int:
    """Delete these files from storage; one already gone is no error (a rerun after a crash, an
    operator's clean-up), and one that cannot be deleted is logged for the operator, not retried:
    its row is gone, so nothing points at it any more."""
    deleted = 0
    for name in names:
        try:
            storage.delete(name)
        except FileNotFoundError:
            continue
        except OSError:
            log.exception("retention could not delete the file %s; delete it by hand", name)
            continue
        deleted += 1
    return deleted


def delete_old_entries(
    now: dt.datetime | None = None, *, dry_run: bool = False, batch_size: int = BATCH
) -> int:
    """Delete audit entries older than YIXUN_RETAIN_AUDIT_DAYS (never under six months)."""
    before = cutoff(settings.YIXUN_RETAIN_AUDIT_DAYS, now)
    return sweep(
        AuditEntry.objects.filter(at__lt=before),
        action="audit.audit_entry.deleted",
        details={"before": day_of(before)},
        dry_run=dry_run,
        batch_size=batch_size,
    )
