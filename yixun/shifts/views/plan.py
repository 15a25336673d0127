"""Leaders fill their squad's patrols; officers plan; officers and the police watch the gaps."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yixun.accounts.decorators import role_required
from yixun.accounts.http import SignedInRequest
from yixun.accounts.roles import Role
from yixun.lib.errors import DomainError
from yixun.members.models import Member, Squad, squads_led_by
from yixun.places.models import Area
from yixun.shifts.forms import (
    BriefingForm,
    CancelForm,
    CoverageForm,
    PolicePatrolForm,
    ReserveDayForm,
    RulesForm,
    ShiftForm,
    TemplateForm,
    TermForm,
)
from yixun.shifts.models import (
    ClaimRules,
    PolicePatrol,
    SafetyBriefing,
    SchoolHoliday,
    Shift,
    ShiftTemplate,
    Term,
    WaitlistEntry,
)
from yixun.shifts.services import claims, coverage, feeds, invites, planning, schooldays, setup
from yixun.shifts.services.rules import q_place_within

officer_only = role_required(Role.OFFICER)


def _number(value: str | None) -> int:
    """An id from a form: anything but digits finds nothing (a 404), never a server error."""
    return int(value) if value and value.isdigit() and len(value) < 12 else 0


def _squad(request: SignedInRequest, squad_id: str | None) -> Squad:
    led = squads_led_by(request.user)
    squad = led.filter(pk=_number(squad_id)).first() if squad_id else led.first()
    if squad is None:
        raise Http404
    return squad


def _plan_of(squad: Squad) -> str:
    return reverse("shifts:squad_plan") + f"?squad={squad.pk}"


@login_required
def squad_plan(request: SignedInRequest) -> HttpResponse:
    """The squad's patrols for the coming weeks, how full each is, and open shifts to claim."""
    led = list(squads_led_by(request.user))
    if not led:
        raise Http404
    squad = _squad(request, request.GET.get("squad"))
    now = timezone.now()
    until = now + dt.timedelta(weeks=4)
    ours = (
        Shift.objects.scheduled()
        .filter(squad=squad, ends_at__gt=now, starts_at__lt=until)
        .with_places()
        .annotate(invited=invites.pending_count())
    )
    open_shifts = (
        Shift.objects.scheduled()
        .filter(squad__isnull=True, starts_at__gt=now, starts_at__lt=until)
        .with_places()
    )
    if squad.area is not None:
        open_shifts = open_shifts.filter(q_place_within(squad.area.path))
    return render(
        request,
        "shifts/squad_plan.html",
        {
            "squad": squad,
            "squads": led,
            "ours": ours,
            "gaps": [shift for shift in ours if shift.is_under_minimum],
            "open_shifts": open_shifts[:60],
            "form": ReserveDayForm(initial={"area": squad.area}),
            "feed": squad.feeds.filter(revoked_at__isnull=True).first(),
        },
    )


@login_required
@require_POST
def reserve(request: SignedInRequest) -> HttpResponse:
    """Claim shifts for the squad: one shift, or all the open ones of a day (义巡日认领)."""
    squad = _squad(request, request.POST.get("squad"))
    if shift_id := request.POST.get("shift"):
        shifts = list(Shift.objects.filter(pk=_number(shift_id)))
    else:
        form = ReserveDayForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a day."))
            return redirect(_plan_of(squad))
        found = (
            Shift.objects.scheduled()
            .filter(squad__isnull=True)
            .starting_on(form.cleaned_data["day"])
        )
        if area := form.cleaned_data["area"]:
            found = found.filter(q_place_within(area.path))
        shifts = list(found.exclude(kind=Shift.Kind.MODERATION))
    try:
        count = claims.reserve_for_squad(shifts=shifts, squad=squad, actor=request.user)
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request,
            _("%(n)d shifts claimed for %(squad)s. Now fill them.") % {"n": count, "squad": squad},
        )
    return redirect(_plan_of(squad))


@login_required
@require_POST
def unreserve(request: SignedInRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(Shift, pk=pk)
    try:
        claims.unreserve(shift=shift, actor=request.user)
    except DomainError as refusal:
        messages.error(request, refusal.message)
    return redirect("shifts:shift", pk=pk)


@login_required
@require_POST
def fill(request: SignedInRequest, pk: int) -> HttpResponse:
    """A leader puts a member of their squad on a shift."""
    shift = get_object_or_404(Shift, pk=pk)
    member = get_object_or_404(
        Member.objects.visible_to(request.user).select_related("user", "squad"),
        pk=_number(request.POST.get("member")),
    )
    try:
        result = claims.claim_shift(shift=shift, member=member, actor=request.user, source="leader")
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        if isinstance(result, WaitlistEntry):
            messages.info(
                request,
                _("The shift is full: %(name)s is on its waiting list.") % {"name": member.name},
            )
        else:
            messages.success(request, _("%(name)s is on the shift.") % {"name": member.name})
    return redirect("shifts:shift", pk=pk)


@login_required
@require_POST
def invite(request: SignedInRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(Shift, pk=pk)
    member = get_object_or_404(
        Member.objects.visible_to(request.user).select_related("user", "squad"),
        pk=_number(request.POST.get("member")),
    )
    try:
        invites.invite(shift=shift, member=member, actor=request.user)
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("%(name)s has been asked.") % {"name": member.name})
    return redirect("shifts:shift", pk=pk)


@login_required
@require_POST
def cancel(request: SignedInRequest, pk: int) -> HttpResponse:
    shift = get_object_or_404(Shift, pk=pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason: it is sent to the people on the shift."))
        return redirect("shifts:shift", pk=pk)
    try:
        planning.cancel_shift(shift=shift, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as refusal:
        messages.error(request, refusal.message)
    return redirect("shifts:shift", pk=pk)


@officer_only
def shift_edit(request: SignedInRequest, pk: int | None = None) -> HttpResponse:
    shift = get_object_or_404(Shift, pk=pk) if pk else None
    initial: dict[str, Any] = {}
    if shift is not None:
        start, end = timezone.localtime(shift.starts_at), timezone.localtime(shift.ends_at)
        initial = {
            "kind": shift.kind, "day": start.date(), "starts": start.time(), "ends": end.time(), "area": shift.area,
            "route": shift.route, "site": shift.site, "min_people": shift.min_people, "capacity": shift.capacity,
            "required_skills": ", ".join(f"{k}:{v}" for k, v in shift.skill_needs().items()), "notes": shift.notes,
        }  # fmt: skip
    form = ShiftForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if shift is None:
                saved = planning.create_shift(actor=request.user, **form.shift_values())
            else:
                saved = planning.update_shift(
                    shift=shift, actor=request.user, **form.shift_values()
                )
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            return redirect("shifts:shift", pk=saved.pk)
    return render(
        request,
        "shifts/shift_edit.html",
        {"form": form, "shift": shift, "cancel_form": CancelForm()},
        status=400 if form.errors else 200,
    )


@officer_only
def planning_home(request: SignedInRequest) -> HttpResponse:
    today = timezone.localdate()
    years = schooldays.known_holiday_years()
    return render(
        request,
        "shifts/planning.html",
        {
            "templates": ShiftTemplate.objects.all(),
            "terms": Term.objects.filter(ends_on__gte=today - dt.timedelta(days=180)),
            "holidays": SchoolHoliday.objects.filter(ends_on__gte=today - dt.timedelta(days=30)),
            "briefings": SafetyBriefing.objects.order_by("kind", "-version"),
            "term_form": TermForm(prefix="term"),
            "holiday_form": TermForm(prefix="holiday"),
            "unknown_years": [y for y in (today.year, today.year + 1) if y not in years],
        },
    )


@officer_only
def template_edit(request: SignedInRequest, pk: int | None = None) -> HttpResponse:
    template = get_object_or_404(ShiftTemplate, pk=pk) if pk else None
    initial: dict[str, Any] = {"starts_on": timezone.localdate(), "is_active": True}
    if template is not None:
        initial = {name: getattr(template, name) for name in planning.TEMPLATE_FIELDS}
        initial["slots"] = ", ".join(f"{a}-{b}" for a, b in template.slots)
        initial["required_skills"] = ", ".join(
            f"{k}:{v}" for k, v in (template.required_skills or {}).items()
        )
        initial["sites"] = list(template.sites.all())
    form = TemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        sites = list(values.pop("sites"))
        try:
            _template, result = planning.save_template(
                actor=request.user, template=template, sites=sites, **values
            )
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("Saved.") + " " + result.summary())
            return redirect("shifts:planning")
    return render(
        request,
        "shifts/template_edit.html",
        {"form": form, "template": template},
        status=400 if form.errors else 200,
    )


@officer_only
@require_POST
def term_add(request: SignedInRequest, what: str) -> HttpResponse:
    if what not in ("term", "holiday"):
        raise Http404
    form = TermForm(request.POST, prefix=what)
    if form.is_valid():
        try:
            if what == "term":
                setup.save_term(actor=request.user, **form.cleaned_data)
            else:
                setup.save_holiday(actor=request.user, **form.cleaned_data)
        except DomainError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Saved. Regenerate school-day templates to apply it."))
    else:
        messages.error(request, _("Give a name and both days."))
    return redirect("shifts:planning")


@officer_only
@require_POST
def term_delete(request: SignedInRequest, what: str, pk: int) -> HttpResponse:
    """Remove a term or holiday typed wrong. The shifts already made stay until regenerated."""
    if what == "term":
        setup.delete_term(actor=request.user, term=get_object_or_404(Term, pk=pk))
    elif what == "holiday":
        setup.delete_holiday(actor=request.user, holiday=get_object_or_404(SchoolHoliday, pk=pk))
    else:
        raise Http404
    messages.success(request, _("Removed. Regenerate school-day templates to apply it."))
    return redirect("shifts:planning")


@officer_only
@require_POST
def regenerate(request: SignedInRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(ShiftTemplate, pk=pk)
    try:
        result = planning.generate(template=template, actor=request.user)
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, result.summary())
    return redirect("shifts:planning")


@officer_only
def briefing_new(request: SignedInRequest) -> HttpResponse:
    form = BriefingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        setup.publish_briefing(actor=request.user, **form.cleaned_data)
        messages.success(
            request, _("Published. Members acknowledge it before their next such shift.")
        )
        return redirect("shifts:planning")
    return render(
        request, "shifts/briefing_new.html", {"form": form}, status=400 if form.errors else 200
    )


@officer_only
def rules(request: SignedInRequest) -> HttpResponse:
    current = ClaimRules.current()
    form = RulesForm(
        request.POST or None, initial={name: getattr(current, name) for name in setup.RULE_FIELDS}
    )
    if request.method == "POST" and form.is_valid():
        setup.update_rules(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("shifts:planning")
    return render(request, "shifts/rules.html", {"form": form}, status=400 if form.errors else 200)


@role_required(Role.OFFICER, Role.POLICE)
def coverage_view(request: SignedInRequest) -> HttpResponse:
    """Which key sites, on which days and hours, nobody patrols: neither we nor the police."""
    form = CoverageForm(request.GET or None)
    area = None
    week_of = timezone.localdate()
    if form.is_valid():
        area = form.cleaned_data["area"]
        week_of = form.cleaned_data["week"] or week_of
    area = area or Area.objects.filter(parent__isnull=True).first()
    first = week_of - dt.timedelta(days=week_of.weekday())
    result = coverage.week_coverage(area=area, first=first) if area else None
    return render(
        request,
        "shifts/coverage.html",
        {
            "form": form,
            "coverage": result,
            "first": first,
            "previous": first - dt.timedelta(days=7),
            "next": first + dt.timedelta(days=7),
            "area": area,
        },
    )


@role_required(Role.OFFICER, Role.POLICE)
def police_patrols(request: SignedInRequest, pk: int | None = None) -> HttpResponse:
    patrol = get_object_or_404(PolicePatrol, pk=pk) if pk else None
    initial: dict[str, Any] = {"valid_from": timezone.localdate()}
    if patrol is not None:
        initial = {name: getattr(patrol, name) for name in PolicePatrolForm.base_fields}
    form = PolicePatrolForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if request.POST.get("delete") and patrol is not None:
            setup.delete_police_patrol(actor=request.user, patrol=patrol)
            return redirect("shifts:police")
        if form.is_valid():
            try:
                setup.save_police_patrol(actor=request.user, patrol=patrol, **form.cleaned_data)
            except DomainError as refusal:
                form.add_error(None, refusal.message)
            else:
                messages.success(request, _("Saved."))
                return redirect("shifts:police")
    patrols = PolicePatrol.objects.select_related("area", "site", "route").filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=timezone.localdate())
    )
    return render(
        request,
        "shifts/police.html",
        {"form": form, "patrol": patrol, "patrols": patrols},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def squad_feed(request: SignedInRequest) -> HttpResponse:
    squad = _squad(request, request.POST.get("squad"))
    current = squad.feeds.filter(revoked_at__isnull=True).first()
    if current is not None and request.POST.get("renew"):
        feeds.renew_feed(feed=current, actor=request.user)
    else:
        feeds.feed_for(squad=squad, actor=request.user)
    return redirect(_plan_of(squad))
