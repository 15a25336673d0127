"""What the home page shows a member of the public: who we are, this year's figures, the latest
bulletins and coming events, and the three things they come to do."""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from yixun.bulletins.models import Bulletin
from yixun.events.models import Event
from yixun.public import figures
from yixun.public.models import PublicSite, association_name

LATEST = 3


def latest_bulletins() -> list[Bulletin]:
    """The newest bulletins the public may read, through the bulletins' own door."""
    return list(
        Bulletin.objects.visible_to(AnonymousUser()).order_by("-published_at", "-pk")[:LATEST]
    )


def coming_events() -> list[Event]:
    """The next events open to the public, soonest first."""
    return list(Event.objects.for_public().upcoming()[:LATEST])


def context() -> dict[str, Any]:
    site = PublicSite.current()
    year = timezone.localdate().year
    return {
        "site": site,
        "association": association_name(),
        "named": settings.YIXUN_ASSOCIATION_NAME,
        "year": year,
        "figures": figures.shown(figures.for_year(year), site.shown_figures()),
        "bulletins": latest_bulletins(),
        "events": coming_events(),
    }
