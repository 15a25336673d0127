"""The volunteer's duty page, on a phone in the street: check in, log, check out."""

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yixun.accounts.http import SignedInRequest
from yixun.lib import generations
from yixun.lib.errors import DomainError
from yixun.members.models import led_squad_ids, member_of
from yixun.patrols.forms import (
    CheckOutForm,
    IncidentForm,
    InspectionForm,
    PhotoForm,
    PositionForm,
)
from yixun.patrols.models import Duty, PatrolLog, Photo
from yixun.patrols.services import duty as duties
from yixun.patrols.services import logs, places
from yixun.patrols.views.common import done, duration, invalid, refused, wants_json
from yixun.places.models import Site
from yixun.shifts.models import Claim, Shift


def _shift_for_log(request: SignedInRequest, pk: int) -> Shift:
    """A shift whose log this person may write: on it, or leading it. Otherwise 404."""
    shift = get_object_or_404(Shift.objects.with_places(), pk=pk)
    if not logs.may_record(request.user, shift):
        raise Http404
    return shift


def _page_for(shift: Shift) -> str:
    return reverse("patrols:duty")


def _key(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


@login_required
def duty(request: SignedInRequest) -> HttpResponse:
    """Today's duty: the shifts open for check-in now, and what has been logged on them."""
    member = member_of(request.user)
    if member is None:
        return render(request, "patrols/duty.html", {"member": None})
    cards = []
    for claim in duties.open_claims(member):
        shift = claim.shift
        log = PatrolLog.objects.filter(shift=shift).first()
        duty_now = Duty.objects.filter(claim=claim).first()
        sites = places.sites_of(shift)
        cards.append(
            {
                "claim": claim,
                "shift": shift,
                "duty": duty_now,
                "sites": sites,
                # What the inspection form's cached fields list (the template's cache tag).
                "sites_signature": repr(
                    (generations.current("places"), [(site.pk, site.name) for site in sites or []])
                ),
                "log": log,
                "inspections": log.inspections.select_related("site") if log else [],
                "incidents": log.incidents.all() if log else [],
                "photos": log.photos.all() if log else [],
                "position_form": PositionForm(),
                "inspection_form": InspectionForm(
                    sites=Site.objects.filter(pk__in=[site.pk for site in sites])
                    if sites
                    else None,
                    prefix=f"i{shift.pk}",
                ),
                "incident_form": IncidentForm(prefix=f"n{shift.pk}"),
                "photo_form": PhotoForm(prefix=f"p{shift.pk}"),
            }
        )
    recent = (
        Duty.objects.filter(member=member)
        .exclude(status=Duty.Status.ON_DUTY)
        .select_related("shift__site", "shift__route", "shift__area")[:5]
    )
    return render(
        request,
        "patrols/duty.html",
        {
            "member": member,
            "cards": cards,
            "recent": recent,
            "to_approve": _to_approve(request.user),
        },
    )


def _to_approve(user: Any) -> list[Shift]:
    """For a leader: the last fortnight's shifts of their squads whose log is not approved."""
    led = led_squad_ids(user)
    if not led:
        return []
    now = timezone.now()
    return list(
        Shift.objects.scheduled()
        .filter(starts_at__lte=now, starts_at__gte=now - dt.timedelta(days=14))
        .filter(
            Q(squad__in=led) | Q(claims__member__squad__in=led, claims__status=Claim.Status.ACTIVE)
        )
        .exclude(log__status=PatrolLog.Status.APPROVED)
        .with_places()
        .distinct()
        .order_by("-starts_at")[:20]
    )


def service_worker(request: HttpRequest) -> HttpResponse:
    """The duty page's service worker, served under /duty/ so that it may control the page."""
    path = finders.find("yixun/duty-sw.js")
    if path is None:
        raise Http404
    response = HttpResponse(Path(path).read_bytes(), content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response


@login_required
def scan(request: SignedInRequest, token: str) -> HttpResponse:
    """Where a volunteer lands from a site's poster: which shift it checks them in for, and a
    button to do it (a GET never changes anything)."""
    site = get_object_or_404(Site.objects.select_related("area"), qr_token=token, is_active=True)
    member = member_of(request.user)
    claim: Claim | None = None
    problem = ""
    if member is None:
        problem = _("Patrols are for members of the association.")
    else:
        try:
            claim = duties.claim_for_site(member, site)
        except DomainError as error:
            problem = error.message
    if request.method == "POST" and claim is not None:
        try:
            duties.check_in(
                claim=claim,
                actor=request.user,
                method=Duty.CheckIn.QR,
                token=token,
                key=_key(request.POST.get("key", "")),
            )
        except DomainError as error:
            return render(
                request,
                "patrols/scan.html",
                {"site": site, "claim": claim, "problem": error.message},
                status=error.status,
            )
        return done(request, _("You are on duty. Stay safe."), reverse("patrols:duty"))
    already = bool(claim and Duty.objects.filter(claim=claim).exists())
    return render(
        request,
        "patrols/scan.html",
        {
            "site": site,
            "claim": claim,
            "problem": problem,
            "already": already,
            "key": uuid.uuid4(),
        },
    )


@login_required
@require_POST
def check_in_here(request: SignedInRequest, pk: int) -> HttpResponse:
    """Check in by the phone's position."""
    claim = get_object_or_404(
        Claim.objects.active().select_related("shift", "member"), pk=pk, member__user=request.user
    )
    back = reverse("patrols:duty")
    form = PositionForm(request.POST)
    if not form.is_valid():
        return invalid(request, form, back)
    try:
        duty, _created = duties.check_in(
            claim=claim,
            actor=request.user,
            method=Duty.CheckIn.GPS,
            point=(form.cleaned_data["latitude"], form.cleaned_data["longitude"]),
            at=form.cleaned_data["at"],
            key=form.cleaned_data["key"],
        )
    except DomainError as error:
        return refused(request, error, back)
    return done(request, _("You are on duty. Stay safe."), back, duty=duty.pk)


@login_required
@require_POST
def check_out(request: SignedInRequest, pk: int) -> HttpResponse:
    """End a duty. Before the shift's end this asks first (a page without script, a dialog with
    it): check-in on the shift is closed afterwards. After, it says what was credited."""
    duty = get_object_or_404(
        Duty.objects.visible_to(request.user).select_related("shift", "member__user"), pk=pk
    )
    own = duty.member.user_id == request.user.pk
    back = reverse("patrols:duty") if own else reverse("patrols:shift_log", args=[duty.shift_id])
    form = CheckOutForm(request.POST)
    if not form.is_valid():
        return invalid(request, form, back)
    at = form.cleaned_data["at"]
    try:
        if not form.cleaned_data["confirm"] and duties.ends_early(duty, at):
            return _confirm_check_out(request, duty, form, own=own, back=back)
        duty = duties.check_out(duty=duty, actor=request.user, at=at, key=form.cleaned_data["key"])
    except DomainError as error:
        return refused(request, error, back)
    message = _("Checked out at %(time)s: %(credited)s of service credited.") % {
        "time": f"{timezone.localtime(duty.checked_out_at):%H:%M}",
        "credited": duration(duty.minutes),
    }
    if wants_json(request):  # the page reloads after the outbox sends: say it there too
        messages.success(request, message)
    return done(request, message, back, minutes=duty.minutes)


def _confirm_check_out(
    request: SignedInRequest, duty: Duty, form: CheckOutForm, *, own: bool, back: str
) -> HttpResponse:
    """The question before ending a duty early: when the shift ends, what ending now credits,
    and that check-in on the shift is then closed."""
    at, minutes = duties.check_out_preview(
        duty=duty, actor=request.user, at=form.cleaned_data["at"]
    )
    facts = {
        "end": f"{timezone.localtime(duty.shift.ends_at):%H:%M}",
        "now": f"{timezone.localtime(at):%H:%M}",
        "since": f"{timezone.localtime(duty.checked_in_at):%H:%M}" if duty.checked_in_at else "",
        "credited": duration(minutes),
        "name": duty.member.name,
    }
    lines = [
        _("This shift ends at %(end)s; it is %(now)s.") % facts,
        _("Ending the duty now credits %(credited)s of service (on duty since %(since)s).") % facts,
        _(
            "Check-in on this shift is then closed. If it was a mistake, ask your leader to "
            "correct the hours on the My hours page."
        )
        if own
        else _("Check-in on this shift is then closed for %(name)s.") % facts,
    ]
    if wants_json(request):
        return JsonResponse(
            {
                "code": "confirm_early",
                "message": " ".join(lines),
                "lines": lines,
                "minutes": minutes,
            },
            status=409,
        )
    return render(
        request,
        "patrols/check_out_confirm.html",
        {
            "duty": duty,
            "lines": lines,
            "own": own,
            "back": back,
            "key": form.cleaned_data["key"] or "",
            "at": at.isoformat(),
        },
    )


@login_required
@require_POST
def record_inspection(request: SignedInRequest, pk: int) -> HttpResponse:
    shift = _shift_for_log(request, pk)
    back = _page_for(shift)
    form = InspectionForm(request.POST, prefix=request.POST.get("prefix") or None)
    if not form.is_valid():
        return invalid(request, form, back)
    try:
        inspection, _created = logs.record_inspection(
            shift=shift,
            actor=request.user,
            site=form.cleaned_data["site"],
            finding=form.cleaned_data["finding"],
            note=form.cleaned_data["note"],
            occurred_at=form.cleaned_data["at"],
            key=form.cleaned_data["key"],
        )
    except DomainError as error:
        return refused(request, error, back)
    return done(request, _("Inspection recorded."), back, id=inspection.pk)


@login_required
@require_POST
def record_incident(request: SignedInRequest, pk: int) -> HttpResponse:
    shift = _shift_for_log(request, pk)
    back = _page_for(shift)
    form = IncidentForm(request.POST, prefix=request.POST.get("prefix") or None)
    if not form.is_valid():
        return invalid(request, form, back)
    data = form.cleaned_data
    try:
        incident, _created = logs.record_incident(
            shift=shift,
            actor=request.user,
            kind=data["kind"],
            account=data["account"],
            place=data["place"],
            people_helped=data["people_helped"] or 0,
            leaflets=data["leaflets"] or 0,
            people_reached=data["people_reached"] or 0,
            occurred_at=data["at"],
            key=data["key"],
        )
    except DomainError as error:
        return refused(request, error, back)
    return done(request, _("Incident recorded."), back, id=incident.pk)


@login_required
@require_POST
def add_photo(request: SignedInRequest, pk: int) -> HttpResponse:
    shift = _shift_for_log(request, pk)
    back = _page_for(shift)
    form = PhotoForm(request.POST, request.FILES, prefix=request.POST.get("prefix") or None)
    if not form.is_valid():
        return invalid(request, form, back)
    try:
        photo, _created = logs.add_photo(
            shift=shift,
            actor=request.user,
            upload=form.cleaned_data["image"],
            caption=form.cleaned_data["caption"],
            key=form.cleaned_data["key"],
        )
    except ValidationError as error:
        return refused(request, DomainError(" ".join(error.messages), code="invalid_photo"), back)
    except DomainError as error:
        return refused(request, error, back)
    return done(request, _("Photo added."), back, id=photo.pk)


@login_required
def photo(request: SignedInRequest, pk: int) -> FileResponse:
    """A log's photo, for whoever may read the log: never a public file."""
    found = get_object_or_404(
        Photo.objects.filter(log__in=PatrolLog.objects.visible_to(request.user).values("pk")),
        pk=pk,
    )
    response = FileResponse(found.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response
