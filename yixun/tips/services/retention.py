"""How long a tip keeps what identifies people: the reporter's contact details go
`TipRules.contact_retention_days` after the tip is done with (the officers' rule), its photos
YIXUN_RETAIN_TIP_PHOTOS_DAYS after. The tip itself stays: its text, place and outcome are the
association's record, and the figures count it."""

import datetime as dt

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from yixun.audit import retention
from yixun.tips.models import Tip, TipPhoto, TipRules, TipStatus


def done_with_before(moment: dt.datetime) -> QuerySet[Tip]:
    """Tips nobody has worked on since `moment`: closed before it; merged into a tip closed
    before it; or sent to spam and received before it (a spam tip never closes, and a moderator
    takes a real one out of spam within days, not months)."""
    return Tip.objects.filter(
        Q(closed_at__lt=moment)
        | Q(status=TipStatus.MERGED, merged_into__closed_at__lt=moment)
        | Q(status=TipStatus.SPAM, created_at__lt=moment)
    )


def contacts_due(now: dt.datetime | None = None) -> QuerySet[Tip]:
    moment = retention.cutoff(TipRules.current().contact_retention_days, now)
    return (
        done_with_before(moment)
        .filter(contact_erased_at__isnull=True)
        .exclude(contact_name="", contact_phone="")
    )


def erase_expired_contacts(
    now: dt.datetime | None = None,
    *,
    dry_run: bool = False,
    batch_size: int = retention.BATCH,
) -> int:
    """Erase the reporters' contact details that are due; return how many tips lost theirs."""
    now = now or timezone.now()
    return retention.sweep(
        contacts_due(now),
        action="tips.contact.erased",
        erase={"contact_name": "", "contact_phone": "", "contact_erased_at": now},
        counted_as="tips",
        dry_run=dry_run,
        batch_size=batch_size,
    )


def delete_expired_photos(
    now: dt.datetime | None = None,
    *,
    dry_run: bool = False,
    batch_size: int = retention.BATCH,
) -> int:
    """Delete the photos (rows and files) of tips done with longer ago than
    YIXUN_RETAIN_TIP_PHOTOS_DAYS; return how many went."""
    moment = retention.cutoff(settings.YIXUN_RETAIN_TIP_PHOTOS_DAYS, now)
    return retention.sweep(
        TipPhoto.objects.filter(tip__in=done_with_before(moment).values("pk")),
        action="tips.tip_photo.deleted",
        files="image",
        details={"before": retention.day_of(moment)},
        dry_run=dry_run,
        batch_size=batch_size,
    )
