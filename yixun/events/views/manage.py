"""Officers plan events; officers and each event's staff see its attendance, write its report
and add its photos."""

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from yixun.accounts.decorators import role_required
from yixun.accounts.http import SignedInRequest
from yixun.accounts.roles import Role, has_role
from yixun.audit import services as audit
from yixun.events.forms import CancelEventForm, DutyShiftForm, EventForm, PhotoForm, ReportForm
from yixun.events.models import Event, Registration
from yixun.events.services import exports
from yixun.events.services import manage as managing
from yixun.events.services.door import may_keep_door
from yixun.lib import phone as phones
from yixun.lib.errors import DomainError
from yixun.places.services import map_centre

officer_only = role_required(Role.OFFICER)

SHOWS = ("all", "in", "expected", "waiting", "cancelled")


def _event(request: SignedInRequest, pk: int) -> Event:
    return get_object_or_404(Event.objects.visible_to(request.user), pk=pk)


def _staff_event(request: SignedInRequest, pk: int) -> Event:
    """An event whose attendance this person may see: its staff, and officers. 403 for others
    who may read the event, 404 for those who may not."""
    event = _event(request, pk)
    if not (has_role(request.user, Role.OFFICER) or may_keep_door(request.user, event)):
        raise PermissionDenied
    return event


def _compose(request: SignedInRequest, event: Event | None) -> HttpResponse:
    if request.method == "POST":
        form = EventForm(request.POST, event=event)
        if form.is_valid():
            try:
                saved = managing.save_event(actor=request.user, event=event, **form.values())
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Saved."))
                return redirect(saved)
    else:
        form = EventForm.for_event(event) if event else EventForm()
    return render(
        request,
        "events/manage_form.html",
        {
            "form": form,
            "event": event,
            "centre": map_centre(),
            "tiles": settings.YIXUN_MAP_TILES,
            "attribution": settings.YIXUN_MAP_ATTRIBUTION,
            "datum": settings.YIXUN_MAP_DATUM,
        },
        status=400 if form.errors else 200,
    )


@officer_only
def new(request: SignedInRequest) -> HttpResponse:
    return _compose(request, None)


@officer_only
def edit(request: SignedInRequest, pk: int) -> HttpResponse:
    return _compose(request, _event(request, pk))


@officer_only
def cancel_event(request: SignedInRequest, pk: int) -> HttpResponse:
    """Call an event off, saying why: everyone registered or waiting is told."""
    event = _event(request, pk)
    form = CancelEventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            managing.cancel_event(
                event=event, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Cancelled. Everyone registered is being told."))
            return redirect(event)
    return render(
        request,
        "events/manage_cancel.html",
        {"event": event, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def attendance(request: SignedInRequest, pk: int) -> HttpResponse:
    """Who registered and who came. Officers see the mobile numbers whole, and each such look is
    in the trail; the event's other staff see them masked (PIPL's minimum necessary)."""
    event = _staff_event(request, pk)
    show = request.GET.get("show", "all")
    show = show if show in SHOWS else "all"
    rows = event.registrations.select_related("checked_in_by").order_by("created_at", "pk")
    if show == "in":
        rows = rows.filter(checked_in_at__isnull=False).order_by("-checked_in_at", "-pk")
    elif show == "expected":
        rows = rows.filter(
            status=Registration.Status.CONFIRMED, is_walk_in=False, checked_in_at__isnull=True
        )
    elif show == "waiting":
        rows = rows.waiting_in_turn()
    elif show == "cancelled":
        rows = rows.filter(status=Registration.Status.CANCELLED)
    whole = has_role(request.user, Role.OFFICER)
    people = [
        {
            "registration": row,
            "phone": (phones.display(row.phone) if whole else phones.mask(row.phone))
            if row.phone
            else "",
        }
        for row in rows
    ]
    if whole and any(person["phone"] for person in people):
        # A look at people's numbers, not a change: a service of its own would only wrap this.
        audit.record(
            actor=request.user,
            action="events.event.attendance_viewed",
            target=event,
            data={"people": len(people), "show": show},
        )
    return render(
        request,
        "events/attendance.html",
        {
            "event": event,
            "counts": managing.attendance(event),
            "people": people,
            "show": show,
            "shows": [
                ("all", _("Everyone")),
                ("in", _("Let in")),
                ("expected", _("Not yet in") if not event.is_past else _("No-shows")),
                ("waiting", _("Waiting list")),
                ("cancelled", _("Cancelled")),
            ],
            "may_export": has_role(request.user, Role.OFFICER),
        },
    )


@officer_only
def attendance_export(request: SignedInRequest, pk: int) -> HttpResponse:
    """The attendance as Excel, with the whole mobile numbers: officers only, unlike the page,
    which shows the event's other staff the numbers masked; a file travels further than a page."""
    event = _event(request, pk)
    book = exports.attendance_workbook(event)
    audit.record(
        actor=request.user,
        action="events.event.attendance_exported",
        target=event,
        data={"rows": event.registrations.count()},
    )
    day = timezone.localtime(event.starts_at).strftime("%Y-%m-%d")
    name = f"{_('Attendance')} {event.title} {day}.xlsx".replace("/", "-").replace('"', "")
    response = HttpResponse(
        book, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    # RFC 6266: an ASCII fallback for old clients, the Chinese name as UTF-8 for the rest.
    response["Content-Disposition"] = (
        f"attachment; filename=\"attendance-{event.pk}-{day}.xlsx\"; filename*=UTF-8''{quote(name)}"
    )
    return response


@login_required
def report(request: SignedInRequest, pk: int) -> HttpResponse:
    """After the start: the staff's summary and the people reached, which the figures count."""
    event = _event(request, pk)
    if not managing.may_report(request.user, event):
        raise PermissionDenied
    counts = managing.attendance(event)
    form = ReportForm(
        request.POST or None,
        initial={
            "summary": event.summary,
            "people_reached": event.people_reached if event.is_closed else None,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            managing.close_event(
                event=event,
                actor=request.user,
                summary=form.cleaned_data["summary"],
                people_reached=form.cleaned_data["people_reached"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Saved: %(n)d people reached count in the association's figures.")
                % {"n": event.people_reached},
            )
            return redirect("events:report", pk=event.pk)
    return render(
        request,
        "events/report.html",
        {
            "event": event,
            "form": form,
            "counts": counts,
            "begun": event.starts_at <= timezone.now(),
        },
        status=400 if form.errors else 200,
    )


@login_required
def photos(request: SignedInRequest, pk: int) -> HttpResponse:
    """The event's photos: before it, to show what it is; from the start on, its report's."""
    event = _event(request, pk)
    if not managing.may_report(request.user, event):
        raise PermissionDenied
    form = PhotoForm()
    if request.method == "POST":
        try:
            if remove := request.POST.get("remove"):
                photo = get_object_or_404(
                    event.photos.all(), pk=int(remove) if remove.isdigit() else 0
                )
                managing.remove_photo(photo=photo, actor=request.user)
                messages.success(request, _("The photo was removed."))
                return redirect("events:photos", pk=event.pk)
            form = PhotoForm(request.POST, request.FILES)
            if form.is_valid():
                managing.add_photo(
                    event=event,
                    upload=form.cleaned_data["image"],
                    actor=request.user,
                    is_report=event.starts_at <= timezone.now(),
                    caption=form.cleaned_data["caption"],
                )
                messages.success(request, _("The photo was added."))
                return redirect("events:photos", pk=event.pk)
        except DomainError as error:
            form.add_error(None, error.message)
        except ValidationError as error:
            form.add_error("image", error)
    return render(
        request,
        "events/report_photos.html",
        {
            "event": event,
            "form": form,
            "photos": event.photos.all(),
            "most": managing.MOST_PHOTOS,
        },
        status=400 if form.errors else 200,
    )


@officer_only
def duty_shift(request: SignedInRequest, pk: int) -> HttpResponse:
    """An event-duty shift in the calendar for the event: members claim it and earn hours."""
    event = _event(request, pk)
    form = DutyShiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            managing.add_duty_shift(
                event=event, actor=request.user, people=form.cleaned_data["people"]
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("The duty shift is in the calendar: members may claim it now.")
            )
            return redirect(event)
    return render(
        request,
        "events/manage_duty_shift.html",
        {"event": event, "form": form, "shifts": event.duty_shifts.all()},
        status=400 if form.errors else 200,
    )
