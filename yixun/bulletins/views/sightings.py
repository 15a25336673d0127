"""Sightings of an urgent alert: the public's "I saw them" form behind the alert's button, and
the map the liaison (or a moderator, or an officer) keeps open while the search goes on."""

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from yixun.accounts.http import SignedInRequest
from yixun.bulletins import sightings
from yixun.bulletins.models import Bulletin, Kind
from yixun.bulletins.sightings import may_watch, report_sighting, takes_sightings
from yixun.lib.errors import DomainError
from yixun.lib.http import client_address
from yixun.places.services import from_map, map_centre, to_map
from yixun.tips import captcha
from yixun.tips.forms import ReportForm
from yixun.tips.models import Tip
from yixun.tips.services import intake

# The session's note of the sighting just sent, by alert: the thank-you page shows its code.
SENT = "bulletins.sighting_sent"


class SightingForm(ReportForm):
    """The tip form, without the category (a sighting is always about the missing person) and
    with a key, so that a send repeated by a weak connection is the same sighting."""

    category = None  # type: ignore[assignment]
    key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].label = gettext_lazy(
            "What you saw: what they wore, who was with them, which way they went"
        )
        self.fields["is_happening_now"].label = gettext_lazy("They are there now")
        self.fields["place"].label = gettext_lazy("Where you saw them")
        self.fields["occurred_at"].label = gettext_lazy("When you saw them")
        self.fields["photos"].label = gettext_lazy("Photos (up to four), if you took any")


@never_cache
def sighting(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = sightings.alert_for(request.user, pk)
    sent = request.session.get(SENT, {}).get(str(pk))
    if sent and request.method == "GET":
        return _thanks(request, bulletin, sent)
    if not takes_sightings(bulletin):
        return render(request, "bulletins/sighting_closed.html", {"bulletin": bulletin}, status=410)
    address = client_address(request)
    form = SightingForm(request.POST or None, request.FILES or None)
    key = form.cleaned_data.get("key") if form.is_bound and form.is_valid() else None
    wants_captcha = intake.captcha_due(address=address, reporter=request.user, key=key)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if wants_captcha and not captcha.passes(request.session, data["captcha"]):
            form.add_error(
                "captcha",
                _("The digits do not match the picture. Try the new one.")
                if data["captcha"]
                else _("Type the digits in the picture."),
            )
        else:
            try:
                seen = report_sighting(
                    bulletin=bulletin,
                    report=_report(data),
                    address=address,
                    reporter=request.user,
                    photos=data["photos"],
                    key=data["key"],
                )
            except ValidationError as error:
                form.add_error("photos", error)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                request.session[SENT] = {**request.session.get(SENT, {}), str(pk): seen.tip.code}
                request.session["tips.just_sent"] = seen.tip.code
                return redirect("bulletins:sighting", pk=pk)
    if not form.is_bound:
        form = SightingForm(initial={"key": uuid.uuid4()})
    if wants_captcha:
        form.fields["captcha"].widget.attrs.update(inputmode="numeric", autocomplete="off")
        if form.is_bound:  # sent and sent back: the picture is what needs doing next
            form.fields["captcha"].widget.attrs["autofocus"] = True
    return render(
        request,
        "bulletins/sighting.html",
        {
            "bulletin": bulletin,
            "form": form,
            "wants_captcha": wants_captcha,
            "centre": _centre(bulletin),
            "tiles": settings.YIXUN_MAP_TILES,
            "attribution": settings.YIXUN_MAP_ATTRIBUTION,
        },
        status=400 if request.method == "POST" else 200,
    )


def _report(data: dict[str, Any]) -> intake.Report:
    has_point = data["latitude"] is not None and data["longitude"] is not None
    return intake.Report(
        category=Tip.Category.MISSING_PERSON,
        text=data["text"],
        place=data["place"],
        point=from_map((data["latitude"], data["longitude"])) if has_point else None,
        occurred_at=data["occurred_at"],
        is_happening_now=data["is_happening_now"],
        contact_name=data["contact_name"],
        contact_phone=data["contact_phone"],
    )


def _thanks(request: HttpRequest, bulletin: Bulletin, code: str) -> HttpResponse:
    """Shown once after sending: the tracking code, to follow the sighting without an account.
    A second visit to the form is a new sighting (they may have seen them again)."""
    remembered = dict(request.session.get(SENT, {}))
    remembered.pop(str(bulletin.pk), None)
    request.session[SENT] = remembered
    return render(request, "bulletins/sighting_sent.html", {"bulletin": bulletin, "code": code})


def _centre(bulletin: Bulletin) -> list[float]:
    """Where the maps open: on the alert's circle when it has one, as the tiles expect it."""
    if bulletin.has_circle:
        return list(to_map((bulletin.circle_latitude, bulletin.circle_longitude)))  # type: ignore[arg-type]
    return map_centre()


@login_required
def sightings_map(request: SignedInRequest, pk: int) -> HttpResponse:
    """The alert's circle and each sighting's pin, with its time and words, fetched again when
    a sighting comes in (the "sightings" live topic). Spam stays in the tips' spam folder."""
    if not may_watch(request.user):
        raise PermissionDenied
    bulletin = get_object_or_404(Bulletin.objects.visible_to(request.user), pk=pk, kind=Kind.URGENT)
    seen = list(sightings.shown(bulletin))
    openable = set(
        Tip.objects.visible_to(request.user)
        .filter(pk__in=[s.tip_id for s in seen])
        .values_list("pk", flat=True)
    )
    rows = [_row(s, openable) for s in seen]
    circle = None
    if bulletin.has_circle:
        circle = {"centre": _centre(bulletin), "metres": bulletin.circle_radius_km * 1000}  # type: ignore[operator]
    return render(
        request,
        "bulletins/sightings_map.html",
        {
            "bulletin": bulletin,
            "rows": rows,
            "markers": [row["marker"] for row in rows if row["marker"]],
            "circle": circle,
            "centre": _centre(bulletin),
            "tiles": settings.YIXUN_MAP_TILES,
            "attribution": settings.YIXUN_MAP_ATTRIBUTION,
            "drawn_at": timezone.now(),
        },
    )


def _row(sighting: Any, openable: set[int]) -> dict[str, Any]:
    tip = sighting.tip
    seen_at = timezone.localtime(tip.occurred_at or sighting.created_at)
    marker = None
    if tip.latitude is not None and tip.longitude is not None:
        lat, lon = to_map((float(tip.latitude), float(tip.longitude)))
        marker = {
            "lat": lat,
            "lon": lon,
            "time": f"{seen_at:%H:%M}",
            "text": tip.text[:200],
            "place": tip.place,
        }
    return {
        "tip": tip,
        "seen_at": seen_at,
        "reported_at": sighting.created_at,
        "may_open": tip.pk in openable,
        "marker": marker,
    }
