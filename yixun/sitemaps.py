"""What search engines are told: `sitemap.xml` lists the public pages, and `robots.txt` keeps
them out of the signed-in desks, the API and the pages only one person should reach.

Addresses are the public ones (`YIXUN_SITE_URL`, yixun.lib.links), not the host a crawler
happened to ask: a sitemap read through an internal address must still send people outside to
the one they can reach."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.db.models.functions import Coalesce, Greatest
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from yixun.bulletins.models import Bulletin, Status
from yixun.events.models import Event, EventStatus
from yixun.lib.links import absolute, site_url


class PublicSitemap(Sitemap):
    """Addresses at the site's public address, whatever host the sitemap was asked at."""

    def get_protocol(self, protocol: str | None = None) -> str:
        return site_url().split("://", 1)[0]

    def get_domain(self, site: Any = None) -> str:
        # The rest of the address, a path prefix included (`https://example.org/yixun`).
        return site_url().split("://", 1)[1]


# The public pages that are not one of many. Those of an app not installed, or not yet built,
# are left out rather than break the sitemap.
PAGES = [
    "home",
    "public:about",
    "public:squads",
    "public:partners",
    "public:contact",
    "public:figures",
    "bulletins:list",
    "events:list",
    "members:apply",
    "tips:report",
]


class PagesSitemap(PublicSitemap):
    changefreq = "daily"

    def items(self) -> list[str]:
        return [name for name in PAGES if _path(name)]

    def location(self, item: str) -> str:
        return _path(item) or ""


def _path(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


class BulletinsSitemap(PublicSitemap):
    """Every bulletin the public can read (the anonymous reader's door), less those withdrawn:
    a withdrawn urgent alert is about a person found, whose page search engines should forget."""

    changefreq = "weekly"

    def items(self) -> Iterable[Bulletin]:
        return (
            Bulletin.objects.visible_to(AnonymousUser())
            .filter(status=Status.PUBLISHED)
            .annotate(
                changed_at=Greatest("published_at", Coalesce(Max("changes__at"), "published_at"))
            )
            .only("pk", "published_at")
            .order_by("-published_at", "-pk")
        )

    def location(self, item: Bulletin) -> str:
        return reverse("bulletins:detail", args=[item.pk])

    def lastmod(self, item: Bulletin) -> Any:
        return item.changed_at  # type: ignore[attr-defined]


class EventsSitemap(PublicSitemap):
    """Every event the public may read (its door), past ones too (what the association did),
    less those cancelled."""

    changefreq = "weekly"

    def items(self) -> Iterable[Event]:
        return (
            Event.objects.for_public()
            .filter(status=EventStatus.PUBLISHED)
            .only("pk", "updated_at")
            .order_by("-starts_at", "-pk")
        )

    def lastmod(self, item: Event) -> Any:
        return item.updated_at


SITEMAPS: dict[str, type[Sitemap]] = {
    "pages": PagesSitemap,
    "bulletins": BulletinsSitemap,
    "events": EventsSitemap,
}


# robots.txt: what no crawler should read. The signed-in desks refuse strangers anyway; this
# keeps crawlers from knocking at every one. Tips' tracking pages, tickets and application
# pages carry a person's code in their address.
PRIVATE = [
    "/api/",
    "/accounts/",
    "/audit/",
    "/live/",
    "/me/",
    "/notice/",
    "/inbox/",
    "/members/",
    "/squads/",
    "/applications/",
    "/insurance/",
    "/partners/",
    "/erasure-requests/",
    "/sites/",
    "/routes/",
    "/check-in/",
    "/calendar/",
    "/shifts/",
    "/claims/",
    "/invitations/",
    "/briefings/",
    "/squad-plan/",
    "/planning/",
    "/coverage/",
    "/police-patrols/",
    "/duty/",
    "/figures/",
    "/site/",
    "/tips/t/",
    "/tips/queue/",
    "/tips/police/",
    "/tips/settings/",
    "/bulletins/desk/",
    "/bulletins/write/",
    "/bulletins/push/",
    "/bulletins/subscribe/confirm/",
    "/bulletins/unsubscribe/",
    "/bulletins/*/share/",
    "/bulletins/*/deliveries/",
    "/bulletins/*/edit/",
    "/events/new/",
    "/events/tickets/",
    "/events/*/door/",
    "/events/*/edit/",
    "/events/*/attendance",
    "/events/*/report/",
    "/events/*/register/",
    "/events/*/cancel/",
    "/events/*/duty-shift/",
    "/wechat/",
]


@require_GET
@cache_control(max_age=3600)
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *"]  # what is not disallowed is allowed
    lines += [f"Disallow: {path}" for path in PRIVATE]
    lines += ["", f"Sitemap: {absolute(reverse('sitemap'))}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
