"""Count events in a sliding window, in the database, so every web process sees the same count.

Used for the login lockout (per account and per address) and to throttle
password-reset requests. Rows older than a day are swept as new ones come in.
"""

import datetime as dt

from django.utils import timezone

from yixun.accounts.models import Attempt, digest

KEEP = dt.timedelta(days=1)


def note(kind: str, key: str) -> None:
    now = timezone.now()
    Attempt.objects.create(kind=kind, key_digest=digest(key), at=now)
    Attempt.objects.filter(at__lt=now - KEEP).delete()


def retry_after(kind: str, key: str, *, limit: int, window: dt.timedelta) -> dt.timedelta | None:
    """How long until the key is under its limit again, or None if it is under it now."""
    now = timezone.now()
    recent = list(
        Attempt.objects.filter(kind=kind, key_digest=digest(key), at__gte=now - window)
        .order_by("-at")
        .values_list("at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return None
    # The oldest of the last `limit` events leaving the window frees one place.
    return max(recent[-1] + window - now, dt.timedelta(seconds=1))


def clear(kind: str, key: str) -> None:
    Attempt.objects.filter(kind=kind, key_digest=digest(key)).delete()
