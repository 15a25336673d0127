"""Open311 GeoReport v2, so that existing civic-report apps can send tips and follow them.

One service per tip category; a request is a tip, its `service_request_id` the tracking code.
Open311 has its own shapes, in JSON or XML as the address ends, and its own errors
(`[{"code": 400, "description": "…"}]`), so these operations answer by hand rather than through
the API's schemas, and stay out of the OpenAPI document: the GeoReport v2 spec describes them.
"""

import functools
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router

from yixun.lib.errors import DomainError
from yixun.lib.http import client_address
from yixun.tips.models import Tip, TipCategory
from yixun.tips.services import intake
from yixun.tips.services.tracking import reporter_view

router = Router(tags=["open311"], auth=None)

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
CJK = re.compile(r"[\u4e00-\u9fff]")
MOST_IDS = 50

Row = dict[str, Any]


class Refused(Exception):
    """An Open311 error: its HTTP status and a description for the person using the app."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _answer(fmt: str, rows: list[Row], *, root: str, item: str, status: int = 200) -> HttpResponse:
    """A list of rows as GeoReport v2 writes it: a JSON array, or `<root><item>…</item></root>`
    with the UTF-8 declaration the spec asks for."""
    if fmt == "json":
        body = json.dumps(rows, ensure_ascii=False).encode()
    else:
        top = ET.Element(root)
        for row in rows:
            element = ET.SubElement(top, item)
            for name, value in row.items():
                ET.SubElement(element, name).text = _text(value)
        body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(top, encoding="utf-8")
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return _answer(
        fmt,
        [{"code": status, "description": description}],
        root="errors",
        item="error",
        status=status,
    )


def georeport(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer in the format the address ends with, and every refusal as an Open311 error."""

    @functools.wraps(view)
    def answering(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
        if fmt not in CONTENT_TYPES:
            return _error("json", 404, _("Ask for .json or .xml."))
        try:
            return view(request, fmt, **kwargs)
        except Refused as refusal:
            return _error(fmt, refusal.status, refusal.description)
        except DomainError as error:  # the intake's own refusals: bad input, too many tips
            return _error(fmt, error.status, error.message)

    return answering


@router.get("/services.{fmt}", include_in_schema=False)
@georeport
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    """The tip categories, named in the request's language."""
    rows = [
        {
            "service_code": category.value,
            "service_name": str(category.label),
            "description": str(category.label),
            "metadata": False,
            "type": "realtime",
            "keywords": "",
            "group": "",
        }
        for category in TipCategory
    ]
    return _answer(fmt, rows, root="services", item="service")


def _number(raw: str, low: float, high: float) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise Refused(400, _("Give lat and long as numbers in degrees.")) from None
    if not low <= value <= high:
        raise Refused(400, _("Give lat and long as numbers in degrees."))
    return value


def _name(first: str, last: str) -> str:
    """Chinese names are written family name first, without a space: 张 + 三 is 张三."""
    if CJK.search(first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip()


def _report(form: Any) -> intake.Report:
    """A tip from the form fields GeoReport v2 defines. `email` is accepted and not kept: a tip
    holds a name and a mainland mobile number only."""
    code = form.get("service_code", "").strip()
    if code not in TipCategory.values:
        raise Refused(400, _("Choose a service_code from services.json."))
    lat, long = form.get("lat", "").strip(), form.get("long", "").strip()
    if bool(lat) != bool(long):
        raise Refused(400, _("Give both lat and long, or neither."))
    point = (_number(lat, -90, 90), _number(long, -180, 180)) if lat else None
    place = form.get("address_string", "").strip()
    if point is None and not place:
        raise Refused(400, _("Say where: lat and long, or address_string."))
    if len(place) > 200:
        raise Refused(400, _("Keep address_string under 200 characters."))
    return intake.Report(
        category=code,
        text=form.get("description", ""),
        place=place,
        point=point,
        contact_name=_name(form.get("first_name", "").strip(), form.get("last_name", "").strip()),
        contact_phone=form.get("phone", "").strip()[:32],
    )


@router.post("/requests.{fmt}", include_in_schema=False)
@georeport
def create_request(request: HttpRequest, fmt: str) -> HttpResponse:
    """Send a tip, form-encoded as GeoReport v2 defines. No api_key is needed; the same rate
    limits as the tip page apply, and an address that has sent several tips within the hour is
    asked to use the tip page, whose captcha an app cannot show."""
    report = _report(request.POST)
    address = client_address(request)
    if intake.captcha_due(address=address):
        raise Refused(
            429,
            _(
                "Several tips came from this address in the last hour. Send this one from the "
                "tip page, which asks you to type the digits of a picture, or try again later. "
                "In an emergency call 110."
            ),
        )
    tip = intake.submit_tip(report=report, address=address, source=Tip.Source.OPEN311)
    row = {
        "service_request_id": tip.code,
        "service_notice": _(
            "Keep this number: with it, and only with it, you can follow your tip. "
            "In an emergency call 110."
        ),
        "account_id": None,
    }
    return _answer(fmt, [row], root="service_requests", item="request", status=201)


def _moment(value: Any) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _row(tip: Tip) -> Row:
    """What anyone holding the code may know, as the tracking page shows it: open or closed and
    the public answer. A merged tip follows the tip it was merged into. No contact details."""
    view = reporter_view(tip)
    return {
        "service_request_id": tip.code,
        "status": "closed" if view.is_closed else "open",
        "status_notes": view.public_answer,
        "service_name": tip.get_category_display(),
        "service_code": tip.category,
        "requested_datetime": _moment(tip.created_at),
        "updated_datetime": _moment(view.updated_at),
    }


def _by_codes(codes: list[str]) -> list[Tip]:
    wanted = [code.strip().upper() for code in codes if code.strip()]
    found = {
        tip.code: tip
        for tip in Tip.objects.filter(code__in=wanted)
        .select_related("merged_into")
        .prefetch_related("messages")
    }
    return [found[code] for code in dict.fromkeys(wanted) if code in found]


@router.get("/requests.{fmt}", include_in_schema=False)
@georeport
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    """Requests by their ids (`service_request_id=a,b`), unknown ones left out. There is no
    public list of all tips: only whoever holds a code may follow it."""
    codes = request.GET.get("service_request_id", "").split(",")
    if not any(code.strip() for code in codes):
        raise Refused(400, _("Give service_request_id: one or more ids, separated by commas."))
    if len(codes) > MOST_IDS:
        raise Refused(400, _("Ask for at most 50 requests at once."))
    rows = [_row(tip) for tip in _by_codes(codes)]
    return _answer(fmt, rows, root="service_requests", item="request")


@router.get("/requests/{request_id}.{fmt}", include_in_schema=False)
@georeport
def one_request(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    found = _by_codes([request_id])
    if not found:
        raise Refused(404, _("There is no request with that id."))
    return _answer(fmt, [_row(found[0])], root="service_requests", item="request")
