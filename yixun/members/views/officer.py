"""The officers' desk: applications, rules, insurance, partners, imports, erasure requests."""

import datetime as dt
from collections.abc import Callable

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from yixun.accounts.decorators import role_required
from yixun.accounts.http import SignedInRequest
from yixun.accounts.roles import Role
from yixun.lib.errors import DomainError
from yixun.members.forms import (
    AskForm,
    CoverForm,
    DecisionForm,
    DocumentForm,
    ErasureDecisionForm,
    ImportForm,
    PartnerForm,
    PolicyForm,
    RejectForm,
    VersionForm,
)
from yixun.members.models import (
    Application,
    ErasureRequest,
    InsurancePolicy,
    Member,
    NoticeAcceptance,
    PartnerOrganisation,
    RulebookDocument,
    Squad,
)
from yixun.members.services import applications, excel, insurance, privacy, roster, rulebook
from yixun.members.views.files import private_file
from yixun.members.views.tables import Column, Sorting, safe_query

officer_only = role_required(Role.OFFICER)


APPLICATION_COLUMNS = [
    Column("name", _lazy("Name")),
    Column("submitted", _lazy("Submitted")),
    Column("status", _lazy("Status")),
    Column("occupation", _lazy("Occupation"), sortable=False),
    Column("area", _lazy("Area"), sortable=False),
]
APPLICATION_ORDER = {"name": "name", "submitted": "submitted_at", "status": "status"}


@officer_only
def application_queue(request: SignedInRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    sorting = Sorting(request.GET, APPLICATION_COLUMNS, default="submitted")
    found = Application.objects.visible_to(request.user).select_related("home_area")
    found = found.open() if status == "open" else found.filter(status=status)
    found = found.order_by(*sorting.order(APPLICATION_ORDER[sorting.key]), "submitted_at", "pk")
    page = Paginator(found, 100).get_page(request.GET.get("page"))
    approve_form = DecisionForm(auto_id="id_bulk_%s")
    approve_form.fields["squad"].offer(Squad.objects.in_natural_order())  # type: ignore[attr-defined]
    return render(
        request,
        "members/application_queue.html",
        {
            "page": page,
            "status": status,
            "statuses": Application.Status.choices,
            "headers": sorting.headers(),
            "query": sorting.query(),
            "approve_form": approve_form,
        },
    )


@officer_only
@require_POST
def application_bulk(request: SignedInRequest) -> HttpResponse:
    """Approve or decline the ticked applications at once: each through the same service as a
    single decision, with its audit entry and message to the applicant, and its own line here."""
    back = f"{reverse('members:applications')}?{safe_query(request.POST.get('back', ''))}"
    chosen = [int(pk) for pk in request.POST.getlist("application") if pk.isdigit()][:200]
    action = request.POST.get("action")
    form = DecisionForm(request.POST)
    if not chosen or action not in {"approve", "reject"} or not form.is_valid():
        messages.error(request, _("Choose applications and what to do with them."))
        return redirect(back)
    reason = request.POST.get("reason", "")
    found = Application.objects.visible_to(request.user).filter(pk__in=chosen).order_by("pk")
    for application in found:
        try:
            if action == "approve":
                applications.approve_application(
                    application=application,
                    actor=request.user,
                    squad=form.cleaned_data["squad"],
                    kind=form.cleaned_data["kind"],
                )
                messages.success(request, _("%(name)s: approved.") % {"name": application.name})
            else:
                applications.reject_application(
                    application=application, actor=request.user, reason=reason
                )
                messages.success(request, _("%(name)s: declined.") % {"name": application.name})
        except DomainError as refusal:
            messages.error(request, f"{application.name}：{refusal.message}")
    return redirect(back)


@officer_only
def application_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(
        Application.objects.visible_to(request.user).select_related(
            "home_area", "notice_version__document", "decided_by"
        ),
        pk=pk,
    )
    return render(
        request,
        "members/application_detail.html",
        {
            "application": application,
            "approve_form": DecisionForm(),
            "reject_form": RejectForm(),
            "ask_form": AskForm(),
        },
    )


@officer_only
def application_photo(request: SignedInRequest, pk: int) -> FileResponse:
    application = get_object_or_404(Application.objects.visible_to(request.user), pk=pk)
    if not application.photo:
        raise Http404
    return private_file(application.photo)


def _decide(
    request: SignedInRequest, pk: int, decide: Callable[[Application], object]
) -> HttpResponse:
    application = get_object_or_404(Application.objects.visible_to(request.user), pk=pk)
    try:
        decide(application)
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return redirect("members:application", pk=pk)
    messages.success(request, _("Decision recorded; the applicant has been told."))
    return redirect("members:applications")


@officer_only
@require_POST
def application_approve(request: SignedInRequest, pk: int) -> HttpResponse:
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a squad and a kind from the lists."))
        return redirect("members:application", pk=pk)
    return _decide(
        request,
        pk,
        lambda application: applications.approve_application(
            application=application,
            actor=request.user,
            squad=form.cleaned_data["squad"],
            kind=form.cleaned_data["kind"],
        ),
    )


@officer_only
@require_POST
def application_reject(request: SignedInRequest, pk: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _decide(
        request,
        pk,
        lambda application: applications.reject_application(
            application=application, actor=request.user, reason=reason
        ),
    )


@officer_only
@require_POST
def application_ask(request: SignedInRequest, pk: int) -> HttpResponse:
    question = request.POST.get("question", "")
    return _decide(
        request,
        pk,
        lambda application: applications.ask_applicant(
            application=application, actor=request.user, question=question
        ),
    )


@officer_only
def rulebook_manage(request: SignedInRequest) -> HttpResponse:
    form = DocumentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = rulebook.create_document(
                kind=form.cleaned_data["kind"], title=form.cleaned_data["title"], actor=request.user
            )
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            return redirect("members:rule_publish", pk=document.pk)
    documents = RulebookDocument.objects.annotate(count=Count("versions"))
    return render(request, "members/rulebook_manage.html", {"form": form, "documents": documents})


@officer_only
def rule_publish(request: SignedInRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(RulebookDocument, pk=pk)
    current = document.current_version()
    form = VersionForm(request.POST or None, initial={"body": current.body if current else ""})
    if request.method == "POST" and form.is_valid():
        try:
            version = rulebook.publish_version(
                document=document,
                body=form.cleaned_data["body"],
                change_note=form.cleaned_data["change_note"],
                actor=request.user,
            )
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("Version %(n)d is published.") % {"n": version.number})
            return redirect("members:rule", pk=document.pk)
    return render(
        request,
        "members/rule_publish.html",
        {"document": document, "current": current, "form": form},
    )


@officer_only
def notice_acceptance(request: SignedInRequest, pk: int) -> HttpResponse:
    """Who has, and who has not yet, accepted the current version of a notice."""
    document = get_object_or_404(RulebookDocument, pk=pk)
    version = document.current_version()
    members = Member.objects.active().filter(erased_at__isnull=True).select_related("user", "squad")
    if version is not None:
        members = members.annotate(
            accepted=Exists(NoticeAcceptance.objects.filter(user=OuterRef("user"), version=version))
        )
    show = request.GET.get("show", "not")
    if version is not None:
        members = members.filter(**{"accepted": show == "yes"})  # an annotation
    page = Paginator(members.in_pinyin_order(), 100).get_page(request.GET.get("page"))
    counts = {"total": Member.objects.active().filter(erased_at__isnull=True).count()}
    counts["accepted"] = (
        NoticeAcceptance.objects.filter(
            version=version, user__membership__status=Member.Status.ACTIVE
        ).count()
        if version
        else 0
    )
    return render(
        request,
        "members/notice_acceptance.html",
        {
            "document": document,
            "version": version,
            "page": page,
            "show": show,
            "counts": counts,
            "query": f"show={show}",
        },
    )


@officer_only
def insurance_overview(request: SignedInRequest) -> HttpResponse:
    today = timezone.localdate()
    policies = InsurancePolicy.objects.visible_to(request.user).annotate(covered=Count("coverages"))
    lapsing = list(insurance.lapsing_policies(30, today).annotate(covered=Count("coverages")))
    left = insurance.left_without_cover(lapsing)
    return render(
        request,
        "members/insurance.html",
        {
            "policies": policies,
            "today": today,
            "uncovered": insurance.uncovered_core_members(today)[:200],
            "uncovered_count": insurance.uncovered_core_members(today).count(),
            "lapsing": [(policy, left[policy.pk]) for policy in lapsing],
            "form": PolicyForm(),
        },
    )


def _policy_fields(form: PolicyForm) -> dict[str, object]:
    return {
        key: form.cleaned_data[key]
        for key in ("insurer", "number", "starts_on", "ends_on", "sum_insured", "notes")
    }


@officer_only
def policy_new(request: SignedInRequest) -> HttpResponse:
    form = PolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            policy = insurance.save_policy(actor=request.user, **_policy_fields(form))  # type: ignore[arg-type]
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            return redirect("members:policy", pk=policy.pk)
    return render(
        request, "members/policy_form.html", {"form": form}, status=400 if form.errors else 200
    )


@officer_only
def policy_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    policy = get_object_or_404(InsurancePolicy.objects.visible_to(request.user), pk=pk)
    form = PolicyForm(
        request.POST or None,
        initial={
            k: getattr(policy, k)
            for k in ("insurer", "number", "starts_on", "ends_on", "sum_insured", "notes")
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            insurance.save_policy(actor=request.user, policy=policy, **_policy_fields(form))  # type: ignore[arg-type]
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("members:policy", pk=pk)
    covered = (
        Member.objects.filter(coverages__policy=policy)
        .select_related("user", "squad")
        .in_pinyin_order()
    )
    page = Paginator(covered, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "members/policy_detail.html",
        {
            "policy": policy,
            "form": form,
            "page": page,
            "cover_form": CoverForm(),
            "today": timezone.localdate(),
        },
    )


@officer_only
@require_POST
def policy_cover(request: SignedInRequest, pk: int) -> HttpResponse:
    policy = get_object_or_404(InsurancePolicy.objects.visible_to(request.user), pk=pk)
    form = CoverForm(request.POST)
    if form.is_valid():
        chosen = Member.objects.active().filter(erased_at__isnull=True)
        if form.cleaned_data["squad"]:
            chosen = chosen.filter(squad=form.cleaned_data["squad"])
        if form.cleaned_data["kind"]:
            chosen = chosen.filter(kind=form.cleaned_data["kind"])
        added = insurance.cover_members(policy=policy, members=chosen, actor=request.user)
        messages.success(request, _("%(n)d members added to the policy.") % {"n": added})
    return redirect("members:policy", pk=pk)


@officer_only
@require_POST
def policy_uncover(request: SignedInRequest, pk: int, member_pk: int) -> HttpResponse:
    policy = get_object_or_404(InsurancePolicy.objects.visible_to(request.user), pk=pk)
    member = get_object_or_404(Member.objects.visible_to(request.user), pk=member_pk)
    insurance.uncover_member(policy=policy, member=member, actor=request.user)
    return redirect("members:policy", pk=pk)


@officer_only
def partners(request: SignedInRequest) -> HttpResponse:
    form = PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        roster.save_partner(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("members:partners")
    found = PartnerOrganisation.objects.annotate(
        size=Count("members", filter=Q(members__status=Member.Status.ACTIVE))
    )
    return render(
        request,
        "members/partners.html",
        {"partners": found, "form": form},
        status=400 if form.errors else 200,
    )


@officer_only
def partner_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    partner = get_object_or_404(PartnerOrganisation, pk=pk)
    form = PartnerForm(request.POST or None, instance=partner)
    if request.method == "POST" and form.is_valid():
        roster.save_partner(actor=request.user, partner=partner, **form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("members:partners")
    members = (
        partner.members.filter(status=Member.Status.ACTIVE)
        .select_related("user", "squad")
        .in_pinyin_order()
    )
    return render(
        request,
        "members/partner_edit.html",
        {"partner": partner, "form": form, "members": members},
        status=400 if form.errors else 200,
    )


@officer_only
def roster_import(request: SignedInRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[excel.CellError] = []
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = excel.import_roster(
                data=upload.read(), actor=request.user, filename=upload.name
            )
        except excel.ImportRejected as rejection:
            errors = rejection.errors
            form.add_error(None, rejection.message)
    status = 400 if form.errors else 200
    return render(
        request,
        "members/import.html",
        {"form": form, "errors": errors, "result": result},
        status=status,
    )


@officer_only
def import_template(request: SignedInRequest) -> HttpResponse:
    response = HttpResponse(
        excel.template(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="yixun-roster-template.xlsx"'
    return response


@officer_only
def erasure_requests(request: SignedInRequest) -> HttpResponse:
    pending = ErasureRequest.objects.filter(status=ErasureRequest.Status.PENDING).select_related(
        "member__user", "member__squad"
    )
    recent = ErasureRequest.objects.exclude(status=ErasureRequest.Status.PENDING).filter(
        decided_at__gte=timezone.now() - dt.timedelta(days=90)
    )
    return render(
        request,
        "members/erasure_requests.html",
        {"pending": pending, "recent": recent, "form": ErasureDecisionForm()},
    )


@officer_only
@require_POST
def erasure_decide(request: SignedInRequest, pk: int) -> HttpResponse:
    erasure = get_object_or_404(ErasureRequest, pk=pk)
    try:
        privacy.decide_erasure(
            request=erasure,
            actor=request.user,
            erase=request.POST.get("decision") == "erase",
            answer=request.POST.get("answer", ""),
        )
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("members:erasure_requests")
