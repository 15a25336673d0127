"""How long duty keeps what identifies people: a patrol's photos go YIXUN_RETAIN_PATROL_PHOTOS_DAYS
after they were taken, and where a volunteer stood when they checked in goes
YIXUN_RETAIN_POSITIONS_DAYS after. The duty, the log, its inspections and incidents stay: they
are the hours, the figures and the insurer's proof that a volunteer was on duty.

Only the check-in position is a person's: Yixun keeps no trail of positions during a duty (the
on-duty map shows the check-in position, or the shift's site), and none at check-out. An
incident's position is where the accident or the dispute was, the place of an event the log
and the map report, like its written place; it stays."""

import datetime as dt

from django.conf import settings
from django.db.models import Q, QuerySet

from yixun.audit import retention
from yixun.patrols.models import Duty, Photo


def positions_before(moment: dt.datetime) -> QuerySet[Duty]:
    """Duties begun before `moment` that still hold a position."""
    return Duty.objects.filter(checked_in_at__lt=moment).filter(
        Q(latitude__isnull=False) | Q(longitude__isnull=False)
    )


def erase_old_positions(
    now: dt.datetime | None = None,
    *,
    dry_run: bool = False,
    batch_size: int = retention.BATCH,
) -> int:
    """Blank the check-in positions of duties begun longer ago than YIXUN_RETAIN_POSITIONS_DAYS;
    the duties stay, with their distance from the place, which shows nobody's whereabouts."""
    moment = retention.cutoff(settings.YIXUN_RETAIN_POSITIONS_DAYS, now)
    return retention.sweep(
        positions_before(moment),
        action="patrols.duty.positions_erased",
        erase={"latitude": None, "longitude": None},
        details={"before": retention.day_of(moment)},
        dry_run=dry_run,
        batch_size=batch_size,
    )


def delete_expired_photos(
    now: dt.datetime | None = None,
    *,
    dry_run: bool = False,
    batch_size: int = retention.BATCH,
) -> int:
    """Delete the patrol photos (rows and files) taken longer ago than
    YIXUN_RETAIN_PATROL_PHOTOS_DAYS; return how many went."""
    moment = retention.cutoff(settings.YIXUN_RETAIN_PATROL_PHOTOS_DAYS, now)
    return retention.sweep(
        Photo.objects.filter(uploaded_at__lt=moment),
        action="patrols.photo.deleted",
        files="image",
        details={"before": retention.day_of(moment)},
        dry_run=dry_run,
        batch_size=batch_size,
    )
