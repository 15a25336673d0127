"""The leader's side of a shift: who came, the log's summary and approval, corrections; and
everyone's hours, with the corrections leaders decide."""

import datetime as dt
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.db.models.functions import TruncMonth
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
from yixun.members.models import squads_led_by
from yixun.patrols.forms import (
    DecisionForm,
    HoursRequestForm,
    IncidentCorrectionForm,
    InspectionCorrectionForm,
    ManualCheckInForm,
    RulesForm,
    SummaryForm,
)
from yixun.patrols.models import Duty, DutyRules, HoursCorrection, Incident, Inspection, PatrolLog
from yixun.patrols.services import duty as duties
from yixun.patrols.services import logs
from yixun.patrols.services import rules as duties_rules
from yixun.patrols.views.common import done, invalid, refused
from yixun.shifts.models import Claim, Shift


def _led_shift(request: SignedInRequest, pk: int) -> Shift:
    shift = get_object_or_404(Shift.objects.with_places(), pk=pk)
    if not duties.may_lead(request.user, shift):
        raise Http404
    return shift


def _readable_log_shift(request: SignedInRequest, pk: int) -> Shift:
    """A shift whose log this person may read (the log's door), or 404."""
    shift = get_object_or_404(Shift.objects.with_places(), pk=pk)
    if duties.may_lead(request.user, shift) or logs.may_record(request.user, shift):
        return shift
    if PatrolLog.objects.visible_to(request.user).filter(shift=shift).exists():
        return shift
    raise Http404


@login_required
def shift_log(request: SignedInRequest, pk: int) -> HttpResponse:
    shift = _readable_log_shift(request, pk)
    leads = duties.may_lead(request.user, shift)
    log = PatrolLog.objects.filter(shift=shift).first()
    claims = (
        Claim.objects.filter(shift=shift, status=Claim.Status.ACTIVE)
        .select_related("member__user", "duty")
        .order_by("member__user__name_pinyin")
    )
    return render(
        request,
        "patrols/shift_log.html",
        {
            "shift": shift,
            "log": log,
            "leads": leads,
            "claims": claims,
            "inspections": Inspection.objects.filter(log=log).select_related(
                "site", "recorded_by__user"
            )
            if log
            else [],
            "incidents": Incident.objects.filter(log=log).select_related("recorded_by__user")
            if log
            else [],
            "photos": log.photos.all() if log else [],
            "corrections": log.corrections.select_related("corrected_by") if log else [],
            "summary_form": SummaryForm(initial={"summary": log.summary if log else ""}),
            "manual_form": ManualCheckInForm(),
            "has_begun": shift.starts_at <= timezone.now(),
            "is_over": shift.ends_at <= timezone.now(),
        },
    )


@login_required
@require_POST
def manual_check_in(request: SignedInRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(Claim.objects.active().select_related("shift", "member"), pk=pk)
    shift = _led_shift(request, claim.shift_id)
    back = reverse("patrols:shift_log", args=[shift.pk])
    form = ManualCheckInForm(request.POST)
    if not form.is_valid():
        return invalid(request, form, back)
    try:
        duties.check_in(
            claim=claim,
            actor=request.user,
            method=Duty.CheckIn.LEADER,
            reason=form.cleaned_data["reason"],
        )
    except DomainError as error:
        return refused(request, error, back)
    return done(request, _("%(name)s is checked in.") % {"name": claim.member.name}, back)


@login_required
@require_POST
def summary(request: SignedInRequest, pk: int) -> HttpResponse:
    shift = _led_shift(request, pk)
    back = reverse("patrols:shift_log", args=[pk])
    form = SummaryForm(request.POST)
    if not form.is_valid():
        return invalid(request, form, back)
    try:
        log = logs.write_summary(
            log=logs.log_of(shift), actor=request.user, summary=form.cleaned_data["summary"]
        )
        if request.POST.get("approve"):
            logs.approve_log(log=log, actor=request.user)
            return done(request, _("The log is approved."), back)
    except DomainError as error:
        return refused(request, error, back)
    return done(request, _("Summary saved."), back)


@login_required
@require_POST
def correct(request: SignedInRequest, what: str, pk: int) -> HttpResponse:
    model: Any = {"inspection": Inspection, "incident": Incident}.get(what)
    if model is None:
        raise Http404
    record = get_object_or_404(
        model.objects.visible_to(request.user).select_related("log__shift"), pk=pk
    )
    back = reverse("patrols:shift_log", args=[record.log.shift_id])
    form = (InspectionCorrectionForm if model is Inspection else IncidentCorrectionForm)(
        request.POST
    )
    if not form.is_valid():
        return invalid(request, form, back)
    changes = {name: value for name, value in form.cleaned_data.items() if name != "reason"}
    changes = {
        name: (value or 0) if name in ("people_helped", "leaflets", "people_reached") else value
        for name, value in changes.items()
    }
    try:
        logs.correct_entry(
            record=record,
            actor=request.user,
            changes=changes,
            reason=form.cleaned_data["reason"] or "",
        )
    except DomainError as error:
        return refused(request, error, back)
    return done(request, _("Corrected."), back)


def _month_totals(member_duties: Any) -> list[dict[str, Any]]:
    rows = (
        member_duties.annotate(month=TruncMonth("checked_in_at"))
        .values("month")
        .annotate(minutes=Sum("minutes"))
        .order_by("-month")
    )
    return [{"month": row["month"], "hours": (row["minutes"] or 0) / 60} for row in rows]


@login_required
def hours(request: SignedInRequest) -> HttpResponse:
    """A member's service hours by month and year; for leaders, the corrections to decide."""
    counted = Duty.objects.counted().filter(member__user=request.user)
    months = _month_totals(counted)
    years: dict[int, float] = defaultdict(float)
    for row in months:
        years[
            timezone.localtime(row["month"]).year
            if timezone.is_aware(row["month"])
            else row["month"].year
        ] += row["hours"]
    since = timezone.now() - dt.timedelta(days=90)
    mine = (
        Duty.objects.filter(member__user=request.user, shift__starts_at__gte=since)
        .exclude(status=Duty.Status.ON_DUTY)
        .select_related("shift__site", "shift__route", "shift__area")
        .prefetch_related("corrections")
        .order_by("-shift__starts_at")
    )
    led = squads_led_by(request.user)
    pending = (
        HoursCorrection.objects.filter(status=HoursCorrection.Status.PENDING)
        .filter(duty__squad__in=led)
        .exclude(duty__member__user=request.user)
        .select_related(
            "duty__member__user", "duty__shift__site", "duty__shift__route", "duty__shift__area"
        )
    )
    return render(
        request,
        "patrols/hours.html",
        {
            "months": months,
            "years": sorted(years.items(), reverse=True),
            "duties": mine,
            "pending": pending,
            "request_form": HoursRequestForm(),
            "decision_form": DecisionForm(),
        },
    )


@login_required
@require_POST
def ask_correction(request: SignedInRequest, pk: int) -> HttpResponse:
    duty = get_object_or_404(
        Duty.objects.select_related("shift", "member"), pk=pk, member__user=request.user
    )
    back = reverse("patrols:hours")
    form = HoursRequestForm(request.POST)
    if not form.is_valid():
        return invalid(request, form, back)
    try:
        duties.ask_correction(
            duty=duty,
            actor=request.user,
            minutes=form.cleaned_data["minutes"],
            reason=form.cleaned_data["reason"],
            key=form.cleaned_data["key"],
        )
    except DomainError as error:
        return refused(request, error, back)
    return done(request, _("Your leader has been asked."), back)


@login_required
@require_POST
def decide(request: SignedInRequest, pk: int) -> HttpResponse:
    correction = get_object_or_404(
        HoursCorrection.objects.filter(
            duty__in=Duty.objects.visible_to(request.user)
        ).select_related("duty__shift", "duty__member"),
        pk=pk,
    )
    back = reverse("patrols:hours")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return invalid(request, form, back)
    try:
        duties.decide_correction(
            correction=correction,
            actor=request.user,
            approve=form.cleaned_data["approve"],
            answer=form.cleaned_data["answer"],
        )
    except DomainError as error:
        return refused(request, error, back)
    return done(request, _("Answered."), back)


@role_required(Role.OFFICER)
def rules(request: SignedInRequest) -> HttpResponse:
    """The officers' duty rules: the check-in radius, the windows, grace and rounding."""
    form = RulesForm(request.POST or None, instance=DutyRules.current())
    if request.method == "POST" and form.is_valid():
        try:
            duties_rules.update_rules(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("patrols:rules")
    return render(request, "patrols/rules.html", {"form": form}, status=400 if form.errors else 200)
