"""Events as everyone meets them: the list, an event's page, registering (members in one tap,
the public with a mobile number confirmed by a code), the ticket with its QR code, and the
calendars. A ticket is a page, not a download: WeChat's browser opens it and keeps it."""

from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yixun.accounts import codes
from yixun.accounts.models import PhoneCode
from yixun.accounts.roles import Role, has_role
from yixun.accounts.signin import code_holder
from yixun.events.models import Event, EventKind, EventPhoto, Registration
from yixun.events.registration_forms import CodeForm, PublicRegistrationForm
from yixun.events.services import door, feeds, reading
from yixun.events.services import manage as managing
from yixun.events.services import registration as registrations
from yixun.lib import links
from yixun.lib import phone as phones
from yixun.lib.errors import DomainError
from yixun.lib.http import client_address, is_wechat
from yixun.members.models import Member, member_of
from yixun.places.services import to_map

TICKETS = "events.tickets"  # the tickets this browser holds: its registrations' tokens
PENDING = "events.pending"  # a public registration waiting for its code: event, name, number
DOOR = "door_event"  # the event whose door this staff member keeps (set by the door page)
HELD_TICKETS = 20


def _event(request: HttpRequest, pk: int) -> Event:
    return get_object_or_404(Event.objects.visible_to(request.user), pk=pk)


def _remember(request: HttpRequest, registration: Registration) -> None:
    held = [token for token in request.session.get(TICKETS, []) if token != registration.token]
    request.session[TICKETS] = [registration.token, *held][:HELD_TICKETS]


def _mine(request: HttpRequest, event: Event) -> Registration | None:
    """This person's live registration: a member's own, or one whose ticket this browser holds."""
    found = Registration.objects.live().filter(event=event)
    member = member_of(request.user)
    if member is not None:
        own = found.filter(member=member).first()
        if own is not None:
            return own
    tokens = request.session.get(TICKETS, [])
    return found.filter(token__in=tokens).first() if tokens else None


def event_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    kind = kind if kind in EventKind.values else ""
    coming = list(
        reading.listed(request.user, when="upcoming", kind=kind).prefetch_related("partners")[:50]
    )
    # What took place: the API lists cancelled events too, with their status; the page does not.
    held = reading.listed(request.user, when="past", kind=kind).exclude(
        status__in=[Event.Status.CANCELLED, Event.Status.DRAFT]
    )
    past = Paginator(held, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "events/event_list.html",
        {
            "coming": coming,
            "page": past,
            "kinds": EventKind.choices,
            "kind": kind,
            "may_plan": has_role(request.user, Role.OFFICER),
            "drafts": (
                Event.objects.filter(status=Event.Status.DRAFT).order_by("starts_at")
                if has_role(request.user, Role.OFFICER)
                else []
            ),
            "calendar_url": links.absolute(reverse("events:list_calendar")),
            "in_wechat": is_wechat(request),
        },
    )


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(
        Event.objects.visible_to(request.user).prefetch_related(
            "partners", Prefetch("photos", queryset=EventPhoto.objects.order_by("added_at"))
        ),
        pk=pk,
    )
    member = member_of(request.user)
    is_member = member is not None and member.status == Member.Status.ACTIVE
    mine = _mine(request, event)
    staff = door.may_keep_door(request.user, event)
    officer = has_role(request.user, Role.OFFICER)
    pending = request.session.get(PENDING)
    pending = pending if pending and pending.get("event") == event.pk else None
    photos = list(event.photos.all())
    return render(
        request,
        "events/event_detail.html",
        {
            "event": event,
            "mine": mine,
            "one_tap": is_member and registrations.may_register(event, member),
            "public_form": (
                event.audience == Event.Audience.PUBLIC
                and not is_member
                and PublicRegistrationForm(
                    initial={"name": pending["name"], "phone": pending["shown"]}
                    if pending
                    else None
                )
            ),
            "pending": pending,
            "code_form": CodeForm(),
            "staff": staff,
            "officer": officer,
            "attendance": managing.attendance(event) if (staff or officer) else None,
            "before": [photo for photo in photos if not photo.is_report],
            "after": [photo for photo in photos if photo.is_report],
            "duty_shifts": list(event.duty_shifts.all()) if (is_member or staff) else [],
            "pin": _pin(event),
            "centre": [_pin(event)[0]["lat"], _pin(event)[0]["lon"]] if event.has_map else None,
            "og_image": links.absolute(photos[0].get_absolute_url()) if photos else "",
            "tiles": settings.YIXUN_MAP_TILES,
            "attribution": settings.YIXUN_MAP_ATTRIBUTION,
            "in_wechat": is_wechat(request),
        },
    )


def _pin(event: Event) -> list[dict[str, Any]]:
    if not event.has_map:
        return []
    lat, lon = to_map((float(event.latitude or 0), float(event.longitude or 0)))
    return [{"lat": lat, "lon": lon, "label": event.place_name}]


@require_POST
def send_code(request: HttpRequest, pk: int) -> HttpResponse:
    """Step one for the public: name and number; a code goes to the number."""
    event = _event(request, pk)
    form = PublicRegistrationForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(f"{event.get_absolute_url()}#register")
    phone, name = form.cleaned_data["phone"], form.cleaned_data["name"]
    try:
        if not event.is_open:
            raise registrations.EventRefused(_("Registration for this event has closed."))
        codes.send_code(
            purpose=PhoneCode.Purpose.EVENT,
            phone=phone,
            holder=code_holder(request),
            address=client_address(request),
        )
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return redirect(f"{event.get_absolute_url()}#register")
    request.session[PENDING] = {
        "event": event.pk,
        "name": name,
        "phone": phone,
        "shown": phones.display(phone),
    }
    messages.success(
        request,
        _("A code is on its way to %(number)s. Type it below.") % {"number": phones.mask(phone)},
    )
    return redirect(f"{event.get_absolute_url()}#register")


@require_POST
def register(request: HttpRequest, pk: int) -> HttpResponse:
    """A member's one tap; or, for the public, step two: the code, then the ticket."""
    event = _event(request, pk)
    member = member_of(request.user)
    try:
        if member is not None and member.status == Member.Status.ACTIVE:
            registration = registrations.register_member(event=event, user=request.user)
        else:
            registration = _register_public(request, event)
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return redirect(f"{event.get_absolute_url()}#register")
    _remember(request, registration)
    if registration.status == Registration.Status.WAITING:
        messages.info(request, _("The event is full: you are on the waiting list."))
    else:
        messages.success(request, _("You are registered. Here is your ticket."))
    return redirect("events:ticket", token=registration.token)


def _register_public(request: HttpRequest, event: Event) -> Registration:
    pending = request.session.get(PENDING)
    if not pending or pending.get("event") != event.pk:
        raise registrations.EventRefused(
            _("Give your name and mobile number first, and ask for a code."), code="no_code"
        )
    form = CodeForm(request.POST)
    if not form.is_valid():
        raise registrations.EventRefused(_("Type the six digits of the code."), code="code_form")
    codes.check_code(
        purpose=PhoneCode.Purpose.EVENT,
        phone=pending["phone"],
        holder=code_holder(request),
        code=form.cleaned_data["code"],
    )
    registration = registrations.register(
        event=event, name=pending["name"], phone=pending["phone"], actor=None
    )
    request.session.pop(PENDING, None)
    return registration


def _ticket(token: str) -> Registration:
    """The token is the secret: whoever holds the link holds the ticket."""
    found = reading.ticket(token) if len(token) <= 64 else None
    if found is None:
        raise Http404
    return found


def ticket(request: HttpRequest, token: str) -> HttpResponse:
    """The holder's ticket; for the event's staff (who opened it by scanning its QR code), the
    same page lets the holder in with one tap."""
    registration = _ticket(token)
    event = registration.event
    staff = door.may_keep_door(request.user, event)
    if not staff:
        _remember(request, registration)
    at_door = request.session.get(DOOR)
    # A staff member keeping another event's door scanned this: say so before they let it in.
    other_door = Event.objects.filter(pk=at_door).exclude(pk=event.pk).first() if at_door else None
    link = links.absolute(registration.get_absolute_url())
    qr = segno.make(link, error="q").svg_inline(scale=5, border=2, title=registration.code)
    return render(
        request,
        "events/ticket.html",
        {
            "registration": registration,
            "event": event,
            "staff": staff,
            "other_door": other_door,
            "qr": qr,
            "phone": phones.mask(registration.phone) if registration.phone else "",
            "position": _position(registration),
            "in_wechat": is_wechat(request),
        },
    )


def _position(registration: Registration) -> int | None:
    if registration.status != Registration.Status.WAITING:
        return None
    return (
        Registration.objects.waiting_in_turn()
        .filter(event=registration.event_id, created_at__lte=registration.created_at)
        .count()
    )


@require_POST
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    registration = _ticket(token)
    staff = door.may_keep_door(request.user, registration.event)
    try:
        registrations.cancel(
            registration=registration,
            actor=request.user if request.user.is_authenticated else None,
            by_staff=staff,
        )
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("The registration is cancelled. Thank you for telling us."))
    return redirect("events:ticket", token=token)


@require_POST
def check_in(request: HttpRequest, token: str) -> HttpResponse:
    """The staff's tap on a ticket they scanned."""
    registration = _ticket(token)
    event = registration.event
    at_door = request.session.get(DOOR)
    try:
        if at_door and at_door != event.pk:
            door_event = Event.objects.filter(pk=at_door).first()
            if door_event is not None and door.may_keep_door(request.user, door_event):
                door.find_ticket(event=door_event, code=registration.code, actor=request.user)
        door.check_in(event=event, registration=registration, actor=request.user)
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("%(name)s is let in. Welcome!") % {"name": registration.name})
    return redirect("events:ticket", token=token)


def calendar(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event(request, pk)
    response = HttpResponse(
        feeds.render([event], event.title), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="event-{event.pk}.ics"'
    return response


def list_calendar(request: HttpRequest) -> HttpResponse:
    """Coming public events, and those of the last two months, for a calendar to subscribe to."""
    since = timezone.now() - feeds.PAST
    events = Event.objects.for_public().filter(ends_at__gte=since).order_by("starts_at")[:200]
    name = _("%(association)s: events") % {"association": settings.YIXUN_ASSOCIATION_NAME}
    return HttpResponse(feeds.render(events, name), content_type="text/calendar; charset=utf-8")


def photo(request: HttpRequest, pk: int, photo: int) -> FileResponse:
    event = _event(request, pk)
    picture = get_object_or_404(event.photos.all(), pk=photo)
    return FileResponse(picture.image.open("rb"), content_type="image/jpeg")
