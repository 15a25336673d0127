"""CAP 1.2 messages of the alerts that went out to the public, and the Atom index of those in
force, the way national warning services publish theirs: a receiver (a map, a phone's alert
system, a county's warning platform) polls the index and fetches each CAP message it links."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from yixun.bulletins.cap import (
    CONTENT_TYPE,
    cap_xml,
    plain_text,
    publisher_name,
    updated_at,
    with_last_change,
)
from yixun.bulletins.models import ALERT_KINDS, Bulletin
from yixun.lib import links

# As many as the feeds: more alerts than this in force at once is not a patrol's county.
INDEX_SIZE = 50
# Each entry's summary: the start of the text, as a list shows it; the CAP message has it whole.
SUMMARY_LENGTH = 200


def message(request: HttpRequest, pk: int) -> HttpResponse:
    """One alert's CAP message, at its current revision (an update or a cancel once it has been
    corrected or withdrawn). Drafts, notices and advice, and alerts not for the public: 404."""
    bulletin = get_object_or_404(
        Bulletin.objects.out().filter(to_public=True, kind__in=ALERT_KINDS), pk=pk
    )
    return HttpResponse(cap_xml(bulletin, base_url=links.site_url()), content_type=CONTENT_TYPE)


class AlertsIndex(Atom1Feed):
    """Atom with each entry's CAP message linked beside its page (`cap_url`)."""

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        handler.addQuickElement(
            "link", "", {"rel": "alternate", "type": CONTENT_TYPE, "href": item["cap_url"]}
        )


def alerts_index(request: HttpRequest) -> HttpResponse:
    """The alerts in force now, for the public. A withdrawn or expired one leaves the index; its
    CAP message (the cancel, for a withdrawal) stays at its address."""
    alerts = with_last_change(
        Bulletin.objects.current().filter(to_public=True, kind__in=ALERT_KINDS)
    ).order_by("-published_at", "-pk")[:INDEX_SIZE]
    page_url = links.by_pk("bulletins:detail")
    cap_url = links.by_pk("bulletins:cap")
    index_url = links.absolute(reverse("bulletins:alerts"))
    feed = AlertsIndex(
        title=_("Alerts in force"),
        link=links.absolute(reverse("bulletins:list")),
        description=_("Police alerts and urgent alerts in force now, each as a CAP 1.2 message."),
        language=get_language(),
        feed_url=index_url,
        feed_guid=index_url,
        author_name=publisher_name(),
    )
    for alert in alerts:
        message_url = links.absolute(cap_url(alert.pk))
        feed.add_item(
            title=alert.title,
            link=links.absolute(page_url(alert.pk)),
            description=Truncator(plain_text(alert)).chars(SUMMARY_LENGTH),
            unique_id=message_url,
            pubdate=alert.published_at,
            updateddate=updated_at(alert),
            author_name=publisher_name(),
            cap_url=message_url,
        )
    response = HttpResponse(content_type=feed.content_type)
    feed.write(response, "utf-8")
    return response
