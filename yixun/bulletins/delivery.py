"""The fan-out: a bulletin's inbox rows for everyone it is for, written in batches, and one
event that tells the open pages (the unread count, the urgent banner)."""

from django.utils import timezone

from yixun.audit import services as audit
from yixun.bulletins import inbox, public_cache
from yixun.bulletins.models import Bulletin, InboxItem
from yixun.bulletins.services import audience

BATCH = 2000


def deliver(bulletin_id: int, revision: int) -> int:
    """Returns how many inboxes it reached. A fan-out queued for an older revision does nothing:
    the newer change queued its own."""
    bulletin = Bulletin.objects.filter(pk=bulletin_id).first()
    if bulletin is None or bulletin.revision != revision or not bulletin.is_out:
        return 0
    now = timezone.now()
    people = list(audience(bulletin).values_list("pk", flat=True))
    for start in range(0, len(people), BATCH):
        InboxItem.objects.bulk_create(
            [
                InboxItem(user_id=pk, bulletin_id=bulletin.pk, revision=revision, delivered_at=now)
                for pk in people[start : start + BATCH]
            ],
            ignore_conflicts=True,  # a re-run after a crash, or a correction: kept as they were
        )
    # A correction or a withdrawal comes back to the top of the inbox, unread.
    InboxItem.objects.filter(bulletin=bulletin, revision__lt=revision).update(
        revision=revision, read_at=None, delivered_at=now
    )
    inbox.renew_all()
    public_cache.renew()
    from yixun.bulletins.channels import queue_all

    queued = queue_all(bulletin, revision)
    audit.record(
        actor=None,
        action="bulletins.bulletin.delivered",
        target=bulletin,
        data={"revision": revision, "reached": len(people), **queued},
    )
    return len(people)
