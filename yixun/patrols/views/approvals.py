"""The logs a leader or an officer has to approve: cards on a phone, a sortable table with bulk
approval on a desk. Which logs wait is `waiting.logs_to_approve`, the same list the home page
counts; each approval goes through `logs.approve_log`, which checks and audits it."""

from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yixun.accounts.http import SignedInRequest
from yixun.accounts.roles import Role, has_role
from yixun.lib.errors import DomainError
from yixun.members.models import led_squad_ids
from yixun.patrols.models import Duty, Incident, Inspection, PatrolLog
from yixun.patrols.services import logs, waiting
from yixun.shifts.models.shifts import ShiftQuerySet

# ?sort= takes one of these; anything else is ignored and the newest come first.
SORTS = {
    "when": ("starts_at", "pk"),
    "squad": ("squad__name", "-starts_at"),
    "people": ("taken", "-starts_at"),
    "entries": ("entries", "-starts_at"),
    "summary": ("has_summary", "-starts_at"),
}
DEFAULT_SORT = "-when"
PER_PAGE = 50
MOST_AT_ONCE = 100


def _waiting(user: Any) -> ShiftQuerySet:
    return cast(ShiftQuerySet, waiting.logs_to_approve(user)).with_places()


def _may_approve(user: Any) -> bool:
    return has_role(user, Role.OFFICER) or bool(led_squad_ids(user))


def _sort(value: str) -> str:
    return value if value.removeprefix("-") in SORTS else DEFAULT_SORT


def _count(model: type[Any]) -> Coalesce:
    rows = (
        model.objects.filter(log__shift=OuterRef("pk"))
        .order_by()
        .values("log")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def _rows(user: Any, sort: str) -> Any:
    """The waiting shifts with what a leader weighs before approving, in a fixed number of
    queries however many there are."""
    on_duty = (
        Duty.objects.filter(shift=OuterRef("pk"), status=Duty.Status.ON_DUTY)
        .order_by()
        .values("shift")
        .annotate(n=Count("pk"))
        .values("n")
    )
    shifts = _waiting(user).annotate(
        inspections=_count(Inspection),
        incidents=_count(Incident),
        entries=F("inspections") + F("incidents"),
        summary=F("log__summary"),
        has_summary=ExpressionWrapper(Q(log__summary__gt=""), output_field=BooleanField()),
        still_on_duty=Coalesce(Subquery(on_duty, output_field=IntegerField()), Value(0)),
    )
    fields = SORTS[sort.removeprefix("-")]
    if sort.startswith("-"):
        fields = (f"-{fields[0]}", *fields[1:])
    return shifts.order_by(*fields)


@login_required
def to_approve(request: SignedInRequest) -> HttpResponse:
    if not _may_approve(request.user):
        raise Http404
    sort = _sort(request.GET.get("sort", ""))
    page = Paginator(_rows(request.user, sort), PER_PAGE).get_page(request.GET.get("page"))
    columns = [
        (key, label, sort.removeprefix("-") == key, sort.startswith("-"))
        for key, label in [
            ("when", _("When")),
            ("squad", _("Squad")),
            ("people", _("People")),
            ("entries", _("Entries")),
            ("summary", _("Summary")),
        ]
    ]
    return render(
        request,
        "patrols/logs_to_approve.html",
        {"page": page, "sort": sort, "columns": columns, "now": timezone.now()},
    )


def _number(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 12 else None


@login_required
@require_POST
def approve_many(request: SignedInRequest) -> HttpResponse:
    """Approve the ticked logs one by one, each through the approval service, and say for each
    what happened: approved, or why not."""
    if not _may_approve(request.user):
        raise Http404
    sort = _sort(request.POST.get("sort", ""))
    back = reverse("patrols:logs_to_approve") + "?" + urlencode({"sort": sort})
    wanted = [n for n in map(_number, request.POST.getlist("shift")) if n is not None]
    wanted = list(dict.fromkeys(wanted))[:MOST_AT_ONCE]
    if not wanted:
        messages.error(request, _("Tick the logs to approve first."))
        return redirect(back)
    # The door: only shifts on this person's list; an id from elsewhere is "not on your list".
    shifts = {s.pk: s for s in _waiting(request.user).filter(pk__in=wanted)}
    found = {log.shift_id: log for log in PatrolLog.objects.filter(shift__in=list(shifts))}
    approved = 0
    for pk in wanted:
        shift = shifts.get(pk)
        if shift is None:
            messages.error(
                request,
                _(
                    "Log %(id)s: not on your list of logs to approve (approved already, or not yours)."
                )
                % {"id": pk},
            )
            continue
        name = f"{timezone.localtime(shift.starts_at):%m-%d %H:%M} {shift.place_name}"
        log = found.get(pk)
        try:
            if log is None:  # nothing written yet: no empty log is made just to refuse it
                raise DomainError(_("Write the summary before approving."), code="summary_needed")
            logs.approve_log(log=log, actor=request.user)
        except DomainError as refusal:
            messages.error(request, f"{name}: {refusal.message}")
        else:
            approved += 1
            messages.success(request, _("%(shift)s: approved.") % {"shift": name})
    return redirect(back)
