"""Alerts as CAP 1.2 messages (OASIS Common Alerting Protocol), the form warning services, map
apps and phone alert systems take them in. A pure builder: the page `views/cap.py` serves it,
and the channels that pass alerts on can call it the same way.

Each revision of a bulletin is a message of its own, with its own identifier: the first goes
out as `Alert`, a correction as `Update` and a withdrawal as `Cancel`, each naming the messages
before it in `references`, so that a receiver replaces what it showed instead of adding to it.
The schema the messages follow is kept in `standards/CAP-v1.2.xsd`."""

import datetime as dt
import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Max
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from yixun.bulletins.models import (
    Bulletin,
    BulletinChange,
    BulletinQuerySet,
    Certainty,
    Kind,
    Severity,
    Urgency,
)

NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
CONTENT_TYPE = "application/cap+xml"
# The info block is written in Chinese, whoever asked: receivers show it as it comes.
LANGUAGE = "zh-CN"
_TRANSLATION = "zh-hans"

# CAP's categories (3.2.2). Police alerts and urgent alerts (a missing child, a dangerous
# suspect) are law enforcement matters: Security. Rescue would fit only some urgent alerts, and
# a receiver filters on the category, so one word for all of them.
CATEGORIES: dict[str, str] = {
    Kind.ALERT: "Security",
    Kind.URGENT: "Security",
    Kind.ADVICE: "Safety",
    Kind.NOTICE: "Other",
}

# XML 1.0 refuses most control characters; a pasted text can carry them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def publisher_name() -> str:
    """The name bulletins go out under: the association's, never the person who wrote one."""
    name: str = settings.YIXUN_ASSOCIATION_NAME
    return name or _("Volunteer patrol association")


def with_last_change(bulletins: BulletinQuerySet) -> BulletinQuerySet:
    """Bulletins with `last_change_at`, the time of their latest correction or withdrawal (None
    if there was none), in the one query that lists them."""
    return bulletins.annotate(last_change_at=Max("changes__at"))


def updated_at(bulletin: Bulletin) -> dt.datetime:
    """When what the bulletin says last changed: its latest correction or withdrawal, or its
    going out. Reads `last_change_at` when the list was made `with_last_change`."""
    if not hasattr(bulletin, "last_change_at"):
        bulletin = with_last_change(Bulletin.objects.filter(pk=bulletin.pk)).get()
    last: dt.datetime | None = bulletin.last_change_at  # type: ignore[attr-defined]
    went_out = _went_out_at(bulletin)
    return max(last, went_out) if last else went_out


def identifier(bulletin: Bulletin, revision: int, *, base_url: str) -> str:
    """One per bulletin and revision, and per site: two Yixun sites never send the same one."""
    return f"yixun-{_host(base_url)}-bulletin-{bulletin.pk}-{revision}"


def cap_xml(bulletin: Bulletin, *, base_url: str) -> bytes:
    """The CAP message of the bulletin's current revision, as UTF-8 XML. `base_url` is the
    site's scheme and host, for the sender and the link to the bulletin's page."""
    changes = list(bulletin.changes.all())
    sent = _sent_times(bulletin, changes)
    current = changes[-1] if changes else None
    if current is None:
        msg_type = "Alert"
    elif current.kind == BulletinChange.Kind.CANCEL:
        msg_type = "Cancel"
    else:
        msg_type = "Update"

    alert = ET.Element(_q("alert"))
    _add(alert, "identifier", identifier(bulletin, bulletin.revision, base_url=base_url))
    _add(alert, "sender", _host(base_url))
    _add(alert, "sent", _cap_time(sent[bulletin.revision]))
    _add(alert, "status", "Actual")
    _add(alert, "msgType", msg_type)
    _add(alert, "scope", "Public")
    if current is not None:
        _add(alert, "note", current.note)
        _add(
            alert,
            "references",
            " ".join(
                f"{_host(base_url)},{identifier(bulletin, revision, base_url=base_url)},"
                f"{_cap_time(sent[revision])}"
                for revision in sorted(sent)
                if revision < bulletin.revision
            ),
        )
    with translation.override(_TRANSLATION):
        _add_info(alert, bulletin, msg_type=msg_type, base_url=base_url)
    return ET.tostring(alert, encoding="utf-8", xml_declaration=True, default_namespace=NAMESPACE)


def _add_info(alert: ET.Element, bulletin: Bulletin, *, msg_type: str, base_url: str) -> None:
    info = _add(alert, "info")
    _add(info, "language", LANGUAGE)
    _add(info, "category", CATEGORIES[bulletin.kind])
    _add(info, "event", str(Kind(bulletin.kind).label))
    # A withdrawn alert asks nothing of anyone any more.
    _add(info, "urgency", "Past" if msg_type == "Cancel" else bulletin.urgency or Urgency.UNKNOWN)
    _add(info, "severity", bulletin.severity or Severity.UNKNOWN)
    _add(info, "certainty", bulletin.certainty or Certainty.UNKNOWN)
    if bulletin.expires_at is not None:
        _add(info, "expires", _cap_time(bulletin.expires_at))
    _add(info, "senderName", publisher_name())
    _add(info, "headline", bulletin.title)
    if bulletin.shows_details:  # a withdrawn urgent alert says nothing more of the person
        _add(info, "description", plain_text(bulletin))
    _add(info, "web", base_url.rstrip("/") + reverse("bulletins:detail", args=[bulletin.pk]))
    if bulletin.shows_details:
        # CAP 1.2 3.2.3: one resource per photo, by reference (no derefUri: a receiver fetches
        # it from the same door as the page, which closes with the alert).
        for number, photo in enumerate(bulletin.photos.all(), start=1):
            resource = _add(info, "resource")
            _add(resource, "resourceDesc", _("Photo %(number)s") % {"number": number})
            _add(resource, "mimeType", "image/jpeg")
            _add(resource, "uri", base_url.rstrip("/") + photo.get_absolute_url())
    area = _add(info, "area")
    _add(area, "areaDesc", bulletin.area_description or _("The area the association patrols"))
    polygon = _polygon(bulletin.polygon)
    if polygon:
        _add(area, "polygon", polygon)
    if bulletin.has_circle:
        _add(
            area,
            "circle",
            f"{_number(bulletin.circle_latitude)},{_number(bulletin.circle_longitude)} "
            f"{_number(bulletin.circle_radius_km)}",
        )


def plain_text(bulletin: Bulletin) -> str:
    """The body as text, for receivers that show no HTML: the rendered Markdown without its
    tags (what a person reads on the page, not the Markdown marks). An urgent alert's "Last
    seen: <time>, <place>" comes first, so that every channel that quotes the text carries it
    however short it is cut."""
    text = html.unescape(strip_tags(bulletin.body_html()))
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    seen = bulletin.last_seen_text()
    return f"{seen}\n\n{text}" if seen else text


def _sent_times(bulletin: Bulletin, changes: Sequence[BulletinChange]) -> dict[int, dt.datetime]:
    """When each revision's message went out: revision 0 when the bulletin did, each later one
    at its change (or at the going out, for a change made while it was still scheduled)."""
    went_out = _went_out_at(bulletin)
    sent = {0: went_out}
    for change in changes:
        sent[change.revision] = max(change.at, went_out)
    return sent


def _went_out_at(bulletin: Bulletin) -> dt.datetime:
    if bulletin.published_at is None:
        raise ValueError(f"Bulletin {bulletin.pk} has not gone out: it has no CAP message.")
    return bulletin.published_at


def _polygon(points: object) -> str:
    """CAP's polygon: "lat,lon lat,lon ...", closed, at least four pairs; "" for anything that
    is not one (fewer than three corners, or not numbers)."""
    if not isinstance(points, list) or len(points) < 3:
        return ""
    try:
        pairs = [(float(lat), float(lon)) for lat, lon in points]
    except (TypeError, ValueError):
        return ""
    if pairs[0] != pairs[-1]:
        pairs.append(pairs[0])
    if len(pairs) < 4:
        return ""
    return " ".join(f"{_number(lat)},{_number(lon)}" for lat, lon in pairs)


def _number(value: float | None) -> str:
    """Six decimals at most (about 10 cm of latitude), never an exponent."""
    return f"{value or 0:.6f}".rstrip("0").rstrip(".")


def _cap_time(moment: dt.datetime) -> str:
    """CAP's form: seconds, and the offset written out (never "Z"), in China's time."""
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE)).replace(microsecond=0)
    return local.isoformat()


def _host(base_url: str) -> str:
    return urlsplit(base_url).hostname or "localhost"


def _q(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _add(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, _q(name))
    if text is not None:
        element.text = _NOT_XML.sub("", text)
    return element
