"""A member's own pages: their membership, their data, the notice to accept."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yixun.accounts.http import SignedInRequest
from yixun.lib.errors import DomainError
from yixun.lib.http import safe_next
from yixun.members.forms import DataDownloadForm, DetailsForm, ErasureForm
from yixun.members.middleware import remember_accepted
from yixun.members.models import ErasureRequest, Member, current_notice, has_accepted
from yixun.members.services import privacy, roster
from yixun.members.services.rulebook import accept_notice


def _own_membership(request: SignedInRequest) -> Member:
    member = (
        Member.objects.filter(user=request.user)
        .select_related("squad", "home_area", "partner")
        .first()
    )
    if member is None:
        raise Http404
    return member


@login_required
def membership(request: SignedInRequest) -> HttpResponse:
    member = _own_membership(request)
    form = DetailsForm(
        request.POST or None,
        initial={
            "availability": member.availability,
            "home_area": member.home_area,
            "emergency_name": member.emergency_name,
            "emergency_phone": member.emergency_phone,
            **DetailsForm.initial_for(member),
        },
    )
    if request.method == "POST" and form.is_valid():
        roster.update_details(member=member, actor=request.user, **form.changes())
        messages.success(request, _("Your details have been saved."))
        return redirect("members:membership")
    pending = member.erasure_requests.filter(status=ErasureRequest.Status.PENDING).first()
    return render(
        request,
        "members/membership.html",
        {
            "member": member,
            "form": form,
            "download_form": DataDownloadForm(),
            "erasure_form": ErasureForm(),
            "pending_erasure": pending,
            "coverage": member.coverages.select_related("policy")
            .order_by("-policy__ends_on")
            .first(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def my_data(request: SignedInRequest) -> HttpResponse:
    """Everything held about the signed-in person, after they confirm their password."""
    form = DataDownloadForm(request.POST)
    if not form.is_valid() or not request.user.check_password(form.cleaned_data["password"]):
        messages.error(request, _("That password is not right."))
        return redirect("members:membership")
    data = privacy.personal_data(request.user)
    privacy.record_download(user=request.user)
    if request.POST.get("as") == "page":
        return render(request, "members/my_data.html", {"data": data})
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2, default=str),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="yixun-my-data.json"'
    return response


@login_required
@require_POST
def request_erasure(request: SignedInRequest) -> HttpResponse:
    member = _own_membership(request)
    form = ErasureForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tick the box to confirm that you want to be erased."))
        return redirect("members:membership")
    try:
        privacy.request_erasure(member=member, reason=form.cleaned_data["reason"])
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request, _("Your request has gone to the officers. You will be told when it is done.")
        )
    return redirect("members:membership")


@login_required
def notice(request: SignedInRequest) -> HttpResponse:
    version = current_notice()
    target = safe_next(request, "/")
    if version is None:
        return redirect(target)
    accepted = has_accepted(request.user, version)
    if request.method == "POST":
        if accepted or request.POST.get("accept") == "yes":
            accept_notice(user=request.user, version=version)
            remember_accepted(request, version.pk)
            return redirect(target)
        messages.error(request, _("Tick the box to accept the notice."))
    return render(
        request,
        "members/notice.html",
        {"version": version, "next": target, "accepted": accepted},
    )
