"""RSS 2.0 and Atom 1.0 feeds of the bulletins that went out to the public: all of them, or one
kind. A withdrawn bulletin stays listed, marked, as it stays on the public page: a reader who
saw it should learn that it no longer holds."""

import datetime as dt
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.html import format_html
from django.utils.translation import gettext as _

from yixun.bulletins.cap import publisher_name, updated_at, with_last_change
from yixun.bulletins.models import Bulletin, BulletinQuerySet, Kind
from yixun.lib import links

FEED_SIZE = 50


@dataclass(frozen=True)
class Listing:
    """What one request asked for: a kind ("" for all), and the feed's own path."""

    kind: str
    path: str


class BulletinsRss(Feed):  # Feed[...] is generic only in the stubs
    """Every link is made with `links`: the site's address when one is configured, else the one
    the request came to, as in the messages and posters."""

    feed_type: type[SyndicationFeed] = Rss201rev2Feed

    def get_object(self, request: HttpRequest, kind: str = "") -> Listing:
        if kind and kind not in Kind.values:
            raise Http404
        return Listing(kind=kind, path=request.path)

    def title(self, obj: Listing) -> str:
        what = Kind(obj.kind).label if obj.kind else _("Bulletins")
        return f"{publisher_name()} · {what}"

    def link(self, obj: Listing) -> str:
        return links.absolute(reverse("bulletins:list"))

    def feed_url(self, obj: Listing) -> str:
        return links.absolute(obj.path)

    def feed_guid(self, obj: Listing) -> str:
        return links.absolute(obj.path)

    def description(self, obj: Listing) -> str:
        if obj.kind:
            return _("%(kind)s, as they go out.") % {"kind": Kind(obj.kind).label}
        return _("Police alerts, safety advice and notices of the association, as they go out.")

    def author_name(self, obj: Listing) -> str:
        return publisher_name()

    def items(self, obj: Listing) -> BulletinQuerySet:
        bulletins = Bulletin.objects.public()
        if obj.kind:
            bulletins = bulletins.filter(kind=obj.kind)
        return with_last_change(bulletins).order_by("-published_at", "-pk")[:FEED_SIZE]

    def item_title(self, item: Bulletin) -> str:
        if item.is_withdrawn:
            return _("Withdrawn: %(title)s") % {"title": item.title}
        return item.title

    def item_link(self, item: Bulletin) -> str:
        return links.absolute(reverse("bulletins:detail", args=[item.pk]))

    def item_guid(self, item: Bulletin) -> str:
        # The page's address: one per bulletin, the same through its corrections.
        return self.item_link(item)

    def item_guid_is_permalink(self, item: Bulletin) -> bool:
        return True

    def item_description(self, item: Bulletin) -> str:
        if not item.shows_details:
            # A withdrawn urgent alert (a person found): nothing of them stays on view.
            return _("This alert was withdrawn: the case is closed.")
        seen = item.last_seen_text()
        if seen:
            return format_html("<p><strong>{}</strong></p>", seen) + item.body_html()
        return item.body_html()

    def item_pubdate(self, item: Bulletin) -> dt.datetime | None:
        return item.published_at

    def item_updateddate(self, item: Bulletin) -> dt.datetime:
        return updated_at(item)

    def item_author_name(self, item: Bulletin) -> str:
        return publisher_name()

    def item_categories(self, item: Bulletin) -> list[str]:
        return [str(Kind(item.kind).label)]


class BulletinsAtom(BulletinsRss):
    feed_type = Atom1Feed

    def subtitle(self, obj: Listing) -> str:
        return self.description(obj)
