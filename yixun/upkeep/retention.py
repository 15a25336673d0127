"""Every retention job, run together: by `manage.py apply_retention` from cron, or by a task.

Each job removes or blanks only what its own app's rule says is due, in short batches, and
records how many in the audit trail; running them again at once finds nothing to do."""

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from yixun.audit import retention
from yixun.live.retention import delete_old_events
from yixun.patrols.services import retention as patrols
from yixun.tips.services import retention as tips

# The jobs, by the name of what they count, in the order they run: the audit trail's own last,
# after the others have written their entries.
JOBS: dict[str, Callable[..., int]] = {
    "tip_contacts": tips.erase_expired_contacts,
    "tip_photos": tips.delete_expired_photos,
    "patrol_photos": patrols.delete_expired_photos,
    "duty_positions": patrols.erase_old_positions,
    "live_events": delete_old_events,
    "audit_entries": retention.delete_old_entries,
}


def apply_all(
    now: dt.datetime | None = None, dry_run: bool = False, *, batch_size: int = retention.BATCH
) -> dict[str, int]:
    """Run every job at the same moment; return what each removed (or, dry, would remove)."""
    now = now or timezone.now()
    return {name: job(now, dry_run=dry_run, batch_size=batch_size) for name, job in JOBS.items()}
