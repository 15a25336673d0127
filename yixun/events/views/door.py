"""The door of an event, on a staff member's phone: type a ticket's short code and let its
holder in, add walk-ins, and watch the room fill."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yixun.accounts.http import SignedInRequest
from yixun.events.forms import TicketCodeForm, WalkInForm
from yixun.events.models import Event, Registration
from yixun.events.services import door as doors
from yixun.events.services import manage as managing
from yixun.lib.errors import DomainError

RECENT = 6  # the last check-ins shown: enough to see who just went in, not a list to scroll


def _door_event(request: SignedInRequest, pk: int) -> Event:
    event = get_object_or_404(Event.objects.visible_to(request.user), pk=pk)
    if not doors.may_keep_door(request.user, event):
        raise PermissionDenied
    return event


@login_required
def door(request: SignedInRequest, pk: int) -> HttpResponse:
    """The code typed at the door finds the ticket, and a POST lets its holder in, once."""
    event = _door_event(request, pk)
    # The ticket page, opened by scanning a QR with this phone, tells this person when a ticket
    # belongs to another event than the door they keep.
    request.session["door_event"] = event.pk
    form = TicketCodeForm(request.POST or None)
    let_in: Registration | None = None
    refusal = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                ticket = doors.find_ticket(
                    event=event, code=form.cleaned_data["code"], actor=request.user
                )
                let_in = doors.check_in(event=event, registration=ticket, actor=request.user)
            except DomainError as error:
                refusal, status = error.message, error.status
        else:
            refusal, status = _("Type the code printed under the ticket's QR."), 400
        form = TicketCodeForm()  # an empty field for the next person in the queue
    opens_at = event.starts_at - dt.timedelta(minutes=doors.OPENS_BEFORE_MINUTES)
    return render(
        request,
        "events/door.html",
        {
            "event": event,
            "form": form,
            "walk_in_form": WalkInForm(),
            "let_in": let_in,
            "refusal": refusal,
            "counts": managing.attendance(event),
            "recent": event.registrations.filter(checked_in_at__isnull=False).order_by(
                "-checked_in_at", "-pk"
            )[:RECENT],
            "opens_at": opens_at,
            "is_open": opens_at <= timezone.now(),
        },
        # htmx swaps only a success; its form takes the refusal too, to show it in red.
        status=200 if request.htmx else status,  # type: ignore[attr-defined]
    )


@login_required
@require_POST
def walk_in(request: SignedInRequest, pk: int) -> HttpResponse:
    """Someone who came without registering: their name, and a number if they give one."""
    event = _door_event(request, pk)
    form = WalkInForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the person's name."))
        return redirect("events:door", pk=event.pk)
    try:
        registration = doors.add_walk_in(
            event=event,
            name=form.cleaned_data["name"],
            phone=form.cleaned_data["phone"],
            actor=request.user,
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(name)s is in.") % {"name": registration.name})
    return redirect("events:door", pk=event.pk)
