"""The patrol calendar as volunteers use it on their phones: see, claim, release."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yixun.accounts.http import SignedInRequest
from yixun.accounts.roles import Role, has_role
from yixun.lib import days, fragments, generations, geo, links
from yixun.lib.errors import DomainError
from yixun.lib.http import safe_next
from yixun.members.models import Member, member_of, squads_led_by
from yixun.places.models import Area
from yixun.shifts import cards, trainings
from yixun.shifts.forms import CalendarFilterForm
from yixun.shifts.models import (
    CalendarFeed,
    Claim,
    Invitation,
    PolicePatrol,
    SafetyBriefing,
    Shift,
    WaitlistEntry,
)
from yixun.shifts.models.shifts import ShiftQuerySet
from yixun.shifts.services import claims, feeds, invites, setup
from yixun.shifts.services.rules import (
    check_claim,
    may_see_police_patrols,
    q_place_within,
)

# Shifts on one page of a week at most: a whole county's week pages on, so that what one
# page costs does not grow with the county (the filter narrows it).
PER_PAGE = 120


def day_range(first: dt.date, count: int) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    return start, timezone.make_aware(
        dt.datetime.combine(first + dt.timedelta(days=count), dt.time.min)
    )


def mine(member: Member | None, shifts: list[Shift]) -> tuple[dict[int, Claim], set[int]]:
    """The member's claims and waiting-list places among these shifts, in two queries."""
    if member is None or not shifts:
        return {}, set()
    ids = [shift.pk for shift in shifts]
    claimed = {
        c.shift_id: c for c in Claim.objects.active().filter(member=member, shift_id__in=ids)
    }
    waiting = set(
        WaitlistEntry.objects.filter(
            member=member, shift_id__in=ids, status=WaitlistEntry.Status.WAITING
        ).values_list("shift_id", flat=True)
    )
    return claimed, waiting


@dataclass
class Filtered:
    """The calendar's filter, as both the week and the month apply it."""

    form: CalendarFilterForm
    area: Area | None
    near: tuple[float, float] | None = None
    only_open: bool = False
    kind: str = ""

    @property
    def shifts(self) -> ShiftQuerySet:
        """The scheduled shifts it lets through: built when asked (a week whose rows are in the
        cache never asks)."""
        found = Shift.objects.scheduled()
        if self.area is not None:
            found = found.filter(q_place_within(self.area.path))
        if self.kind:
            found = found.filter(kind=self.kind)
        return found


def filtered(request: HttpRequest, member: Member | None) -> Filtered:
    """Scheduled shifts in the area and of the kind asked for; with no filter chosen, a
    volunteer's own squad's area, in any week or month (the filter shows the rest)."""
    form = CalendarFilterForm(request.GET or None)
    home = member.squad.area if member is not None and member.squad else None
    if not set(request.GET) - {"start", "month"}:
        form = CalendarFilterForm(initial={"area": home} if home else None)
        return Filtered(form, home)
    if not form.is_valid():
        return Filtered(form, None)
    result = Filtered(form, form.cleaned_data["area"], kind=form.cleaned_data["kind"])
    result.only_open = form.cleaned_data["open"]
    if form.cleaned_data["lat"] is not None and form.cleaned_data["lon"] is not None:
        result.near = (form.cleaned_data["lat"], form.cleaned_data["lon"])
    return result


def filter_html(form: CalendarFilterForm) -> SafeString:
    """The filter's fields, shared by everyone who asks the same of the same areas."""
    areas = generations.current("places")  # the areas it lists
    asked = cast(QueryDict, form.data)
    data = [(name, tuple(asked.getlist(name))) for name in form.fields] if form.is_bound else []
    initial = [(name, getattr(value, "pk", value)) for name, value in form.initial.items()]
    return fragments.cached("calendar-filter", (areas, *data, *initial), lambda: str(form))


@login_required
def week(request: SignedInRequest) -> HttpResponse:
    first = days.parse(request.GET.get("start"), timezone.localdate())
    start, end = day_range(first, 7)
    member = member_of(request.user)
    chosen = filtered(request, member)

    # The week shows each shift on the day it starts: bounded on both sides, the index answers.
    def found() -> QuerySet[Shift]:
        shifts = chosen.shifts.filter(starts_at__gte=start, starts_at__lt=end)
        return shifts.filter(taken__lt=F("capacity")) if chosen.only_open else shifts

    number = page_number(request)
    asked = (chosen.area.pk if chosen.area else None, chosen.kind, chosen.only_open, first)
    shown = cards.entries(
        member, found, (number - 1) * PER_PAGE, number * PER_PAGE + 1, asked=asked
    )
    more = len(shown) > PER_PAGE
    week_entries = shown[:PER_PAGE]
    if chosen.near is not None:
        sort_by_distance(week_entries, chosen.near)
    per_day = cards.by_day(week_entries)
    week_days = [first + dt.timedelta(days=n) for n in range(7)]
    week_cards = cards.render_week(request, [per_day.get(day, []) for day in week_days], member)
    # With only free places asked for, a day whose shifts are all full says so.
    full = (
        full_per_day(chosen.shifts.filter(starts_at__gte=start, starts_at__lt=end))
        if chosen.only_open
        else {}
    )
    police = (
        police_patrols_by_day(first, chosen.area) if may_see_police_patrols(request.user) else {}
    )
    return render(
        request,
        "shifts/week.html",
        {
            "form": chosen.form,
            "filter": filter_html(chosen.form),
            "form_open": chosen.form.is_bound,
            "first": first,
            "days": [
                (day, day_cards, full.get(day, 0), police.get(day, []))
                for day, day_cards in zip(week_days, week_cards, strict=True)
            ],
            "previous": first - dt.timedelta(days=7),
            "next": first + dt.timedelta(days=7),
            "query": filter_query(request, "start", "page"),
            "page_query": filter_query(request, "page"),
            "number": number,
            "previous_page": number - 1,
            "next_page": number + 1 if more else None,
            "member": member,
        },
    )


def page_number(request: HttpRequest) -> int:
    """The page of a long week asked for: the first when the number is missing or nonsense."""
    asked = request.GET.get("page", "")
    return min(max(int(asked), 1), 10_000) if asked.isdigit() else 1


def sort_by_distance(found: list[cards.Entry], near: tuple[float, float]) -> None:
    """Nearest first within each day, for the volunteer who asked; shifts with no site last."""
    sites = {
        pk: (float(lat), float(lon))
        for pk, lat, lon in Shift.objects.filter(
            pk__in=[entry.pk for entry in found], site__isnull=False
        ).values_list("pk", "site__latitude", "site__longitude")
    }
    for entry in found:
        point = sites.get(entry.pk)
        entry.distance = geo.distance_m(near, point) if point else None
    found.sort(key=lambda entry: (entry.distance is None, entry.distance or 0))


def filter_query(request: HttpRequest, *moved: str) -> str:
    """The filter as asked, for the links that move through weeks, months and pages."""
    query = request.GET.copy()
    for name in moved:
        query.pop(name, None)
    return query.urlencode()


def full_per_day(shifts: QuerySet[Shift]) -> dict[dt.date, int]:
    return dict(
        shifts.filter(taken__gte=F("capacity"))
        .annotate(day=TruncDate("starts_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(full=Count("pk"))
        .values_list("day", "full")
    )


def police_patrols_by_day(first: dt.date, area: Area | None) -> dict[dt.date, list[dict[str, Any]]]:
    """The police's own patrols of the week, beside ours (in the area, or all of them)."""
    last = first + dt.timedelta(days=6)
    found = PolicePatrol.objects.filter(valid_from__lte=last).exclude(valid_until__lt=first)
    if area is not None:
        found = found.filter(q_place_within(area.path))
    by_day: dict[dt.date, list[dict[str, Any]]] = defaultdict(list)
    for patrol in found.select_related("area", "site", "route"):
        for start, end in patrol.occurrences(first, last):
            by_day[timezone.localtime(start).date()].append(
                {"patrol": patrol, "start": start, "end": end}
            )
    for rows in by_day.values():
        rows.sort(key=lambda row: row["start"])
    return by_day


@login_required
def month(request: SignedInRequest) -> HttpResponse:
    """A month at a glance: for each day, how many shifts, how many free places, and mine."""
    month_of = request.GET.get("month")
    first = days.parse(month_of + "-01" if month_of else None, timezone.localdate()).replace(day=1)
    after = (first + dt.timedelta(days=32)).replace(day=1)
    start, end = day_range(first, (after - first).days)
    member = member_of(request.user)
    chosen = filtered(request, member)
    found = chosen.shifts.filter(starts_at__gte=start, starts_at__lt=end)
    if chosen.only_open:
        found = found.filter(taken__lt=F("capacity"))
    per_day = {
        row["day"]: row
        for row in found.annotate(
            day=TruncDate("starts_at", tzinfo=timezone.get_current_timezone())
        )
        .values("day")
        .annotate(shifts=Count("pk"), open_places=Sum(F("capacity") - F("taken")))
    }
    my_days = set()
    if member is not None:
        my_days = set(
            Claim.objects.active()
            .filter(
                member=member,
                shift__starts_at__gte=start,
                shift__starts_at__lt=end,
                shift__status=Shift.Status.SCHEDULED,
            )
            .annotate(day=TruncDate("shift__starts_at", tzinfo=timezone.get_current_timezone()))
            .values_list("day", flat=True)
        )
    # Weeks of the month, Monday first, padded with None.
    cells: list[dt.date | None] = [None] * first.weekday()
    cells += [first + dt.timedelta(days=n) for n in range((after - first).days)]
    cells += [None] * (-len(cells) % 7)
    weeks = [
        [
            {"day": day, "counts": per_day.get(day), "mine": day in my_days} if day else None
            for day in cells[i : i + 7]
        ]
        for i in range(0, len(cells), 7)
    ]
    return render(
        request,
        "shifts/month.html",
        {
            "first": first,
            "weeks": weeks,
            "previous": (first - dt.timedelta(days=1)).replace(day=1),
            "next": after,
            "today": timezone.localdate(),
            "area": chosen.area,
            "query": filter_query(request, "month", "page"),
        },
    )


@login_required
def shift_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(Shift.objects.with_places(), pk=pk)
    member = member_of(request.user)
    claimed, waiting = mine(member, [shift])
    refusal = None
    if member is not None and shift.pk not in claimed:
        try:
            check_claim(shift=shift, member=member)
        except DomainError as error:
            refusal = error
    leads = list(squads_led_by(request.user))
    # Officers and the squad's own leaders manage a shift; any leader may claim an open one for
    # their squad. The API's fill, invite and candidates ask the same question.
    manages = invites.may_fill(request.user, shift)
    people = (
        Claim.objects.visible_to(request.user)
        .active()
        .filter(shift=shift)
        .select_related("member__user", "member__squad")
    )
    context: dict[str, Any] = {
        "shift": shift,
        "member": member,
        "claim": claimed.get(shift.pk),
        "waiting": shift.pk in waiting,
        "waitlist_size": shift.waitlist.filter(status=WaitlistEntry.Status.WAITING).count(),
        "refusal": refusal,
        "training": (
            trainings.next_granting(shift.kind)
            if refusal is not None and getattr(refusal, "code", "") == "briefing_needed"
            else None
        ),
        "people": people,
        "hidden": shift.taken - len(people),
        "manages": manages,
        "is_officer": has_role(request.user, Role.OFFICER),
        "led_squads": leads,
        # A squad may claim an open shift nobody is on yet (never the moderation duty).
        "can_reserve": bool(leads)
        and shift.squad_id is None
        and shift.taken == 0
        and shift.kind != Shift.Kind.MODERATION,
    }
    if manages and not shift.is_past and not shift.is_cancelled:
        context["candidates"] = invites.candidates(shift=shift, viewer=request.user)
    return render(request, "shifts/shift_detail.html", context)


def _back(request: HttpRequest, shift: Shift) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        member = member_of(request.user)
        claimed, waiting = mine(member, [shift])
        return render(
            request,
            "shifts/_shift_card.html",
            {
                "row": {
                    "shift": shift,
                    "claim": claimed.get(shift.pk),
                    "waiting": shift.pk in waiting,
                },
                "member": member,
            },
        )
    return redirect(safe_next(request, reverse("shifts:shift", args=[shift.pk])))


@login_required
@require_POST
def claim(request: SignedInRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(Shift, pk=pk)
    member = member_of(request.user)
    if member is None:
        messages.error(request, _("Only members of the association can claim patrols."))
        return _back(request, shift)
    try:
        result = claims.claim_shift(shift=shift, member=member, actor=request.user)
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        if isinstance(result, WaitlistEntry):
            messages.info(request, _("The shift is full: you are on its waiting list."))
        else:
            messages.success(request, _("You are on this patrol. Thank you!"))
    if request.htmx:  # type: ignore[attr-defined]  # the card is shown again, as it is now
        shift.refresh_from_db()
    return _back(request, shift)


@login_required
@require_POST
def release(request: SignedInRequest, pk: int) -> HttpResponse:
    claim_ = get_object_or_404(
        Claim.objects.visible_to(request.user)
        .active()
        .select_related("shift", "member__user", "member__squad"),
        pk=pk,
    )
    try:
        claims.release_claim(
            claim=claim_, actor=request.user, reason=request.POST.get("reason", "")
        )
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Released. The next person waiting gets the place."))
    claim_.shift.refresh_from_db()
    return _back(request, claim_.shift)


@login_required
@require_POST
def leave_waitlist(request: SignedInRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(Shift, pk=pk)
    member = member_of(request.user)
    entry = WaitlistEntry.objects.filter(
        shift=shift, member=member, status=WaitlistEntry.Status.WAITING
    ).first()
    if entry is None:
        raise Http404
    claims.leave_waitlist(entry=entry, actor=request.user)
    messages.success(request, _("You have left the waiting list."))
    return _back(request, shift)


@login_required
def my_patrols(request: SignedInRequest) -> HttpResponse:
    member = member_of(request.user)
    if member is None:
        return render(request, "shifts/my_patrols.html", {"member": None})
    now = timezone.now()
    active = Claim.objects.active().filter(member=member)
    feed = CalendarFeed.objects.filter(member=member, revoked_at__isnull=True).first()
    upcoming = active.filter(shift__ends_at__gt=now, shift__status=Shift.Status.SCHEDULED)
    waiting = WaitlistEntry.objects.filter(
        member=member, status=WaitlistEntry.Status.WAITING, shift__ends_at__gt=now
    )
    return render(
        request,
        "shifts/my_patrols.html",
        {
            "member": member,
            "upcoming": patrol_rows(upcoming.order_by("shift__starts_at")),
            "waiting": patrol_rows(waiting.order_by("shift__starts_at")),
            "past": patrol_rows(
                active.filter(shift__ends_at__lte=now).order_by("-shift__starts_at")[:20]
            ),
            "feed": feed,
        },
    )


def patrol_rows(found: QuerySet[Any]) -> list[dict[str, Any]]:
    """Claims or waiting-list places as the rows of a list: read as values, with the shift's
    address made once for all rows (a list of many rows costs little more than one)."""
    shift_url = links.by_pk("shifts:shift")
    kinds = dict(Shift.Kind.choices)
    online = _("online")
    rows = []
    for pk, shift_id, starts_at, ends_at, kind, *places in found.values_list(
        "pk",
        "shift_id",
        "shift__starts_at",
        "shift__ends_at",
        "shift__kind",
        "shift__site__name",
        "shift__route__name",
        "shift__area__name",
    ):
        place = next((name for name in places if name), online)
        rows.append(
            {
                "pk": pk,
                "shift_id": shift_id,
                "starts_at": timezone.localtime(starts_at),
                "ends_at": timezone.localtime(ends_at),
                "url": shift_url(shift_id),
                "what": f"{kinds[kind]} · {place}",
            }
        )
    return rows


@login_required
@require_POST
def my_feed(request: SignedInRequest) -> HttpResponse:
    member = member_of(request.user)
    if member is None:
        raise Http404
    feed = CalendarFeed.objects.filter(member=member, revoked_at__isnull=True).first()
    if feed is not None and request.POST.get("renew"):
        feeds.renew_feed(feed=feed, actor=request.user)
        messages.success(
            request, _("The old calendar address no longer works. Subscribe to the new one.")
        )
    else:
        feeds.feed_for(member=member, actor=request.user)
    return redirect("shifts:mine")


def feed(request: HttpRequest, token: str) -> HttpResponse:
    """A calendar subscription. The secret in the address is the key; revoked ones are gone."""
    subscription = get_object_or_404(
        CalendarFeed.objects.select_related("member__user", "squad"),
        token=token.removesuffix(".ics"),
        revoked_at__isnull=True,
    )
    if not feeds.is_live(subscription):
        raise Http404
    owner = subscription.member.user.name if subscription.member else str(subscription.squad)
    name = _("Patrols · %(owner)s") % {"owner": owner}
    response = HttpResponse(
        feeds.render(subscription, name), content_type="text/calendar; charset=utf-8"
    )
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
def invitation(request: SignedInRequest, token: str) -> HttpResponse:
    invite = get_object_or_404(
        Invitation.objects.select_related("shift", "member__user"), token=token
    )
    if invite.member.user_id != request.user.pk:
        raise Http404  # the same answer as for a link that does not exist
    if request.method == "POST":
        try:
            result = invites.accept_invitation(invitation=invite, user=request.user)
        except DomainError as refusal:
            messages.error(request, refusal.message)
        else:
            if isinstance(result, WaitlistEntry):
                messages.info(
                    request, _("The shift filled up meanwhile: you are on its waiting list.")
                )
            else:
                messages.success(request, _("You are on this patrol. Thank you!"))
            return redirect("shifts:shift", pk=invite.shift_id)
    return render(request, "shifts/invitation.html", {"invitation": invite, "shift": invite.shift})


@login_required
def briefing(request: SignedInRequest, kind: str) -> HttpResponse:
    current = SafetyBriefing.objects.filter(kind=kind).order_by("-version").first()
    if current is None:
        raise Http404
    member = member_of(request.user)
    if request.method == "POST" and member is not None:
        setup.acknowledge_briefing(member=member, kind=kind)
        messages.success(request, _("Thank you. You may now claim these shifts."))
        return redirect(safe_next(request, reverse("shifts:week")))
    acknowledged = member is not None and current.acknowledgements.filter(member=member).exists()
    return render(
        request,
        "shifts/briefing.html",
        {
            "briefing": current,
            "acknowledged": acknowledged,
            "next": request.GET.get("next", ""),
            "training": None if acknowledged else trainings.next_granting(kind),
        },
    )
