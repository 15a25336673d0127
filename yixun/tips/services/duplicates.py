"""Likely duplicates of a tip, for the moderator to merge: the same category, near in time and
place, and similar in words (shared pairs of characters of the normalised text)."""

import datetime as dt

from yixun.lib import geo
from yixun.tips.models import Tip

WINDOW = dt.timedelta(hours=12)
NEAR_M = 1000
SIMILAR = 0.25


def _pairs(text: str) -> set[str]:
    squeezed = "".join(text.split())
    return {squeezed[i : i + 2] for i in range(len(squeezed) - 1)}


def similarity(a: str, b: str) -> float:
    left, right = _pairs(a), _pairs(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def _near(a: Tip, b: Tip) -> bool:
    if a.latitude is None or b.latitude is None or a.longitude is None or b.longitude is None:
        return True  # no pin on one of them: the words decide
    return (
        geo.distance_m(
            (float(a.latitude), float(a.longitude)), (float(b.latitude), float(b.longitude))
        )
        <= NEAR_M
    )


def likely_duplicates(tip: Tip, *, limit: int = 5) -> list[Tip]:
    candidates = (
        Tip.objects.filter(
            category=tip.category,
            created_at__gte=tip.created_at - WINDOW,
            created_at__lte=tip.created_at + WINDOW,
            merged_into__isnull=True,
        )
        .exclude(pk=tip.pk)
        .exclude(status__in=(Tip.Status.SPAM, Tip.Status.MERGED))
        .order_by("-created_at")[:200]
    )
    scored = [
        (similarity(tip.normalised, other.normalised), other)
        for other in candidates
        if _near(tip, other)
    ]
    return [
        other for score, other in sorted(scored, key=lambda pair: -pair[0]) if score >= SIMILAR
    ][:limit]
