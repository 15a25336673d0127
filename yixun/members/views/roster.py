"""Rosters: members and squads, as each role may see and manage them."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, Count, Q, Value, When
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from yixun.accounts.decorators import role_required
from yixun.accounts.http import SignedInRequest
from yixun.accounts.roles import Role, has_role
from yixun.lib.errors import DomainError
from yixun.members.forms import (
    BulkTransferForm,
    DeputiesForm,
    ExportForm,
    KindForm,
    LeaderForm,
    MemberFilterForm,
    OfficerDetailsForm,
    ReasonForm,
    SquadForm,
    StatusForm,
    TransferForm,
)
from yixun.members.models import ContactScope, Member, Squad
from yixun.members.models.members import MemberQuerySet
from yixun.members.services import excel, roster
from yixun.members.views.files import private_file
from yixun.members.views.member_rows import FIELDS as ROW_FIELDS
from yixun.members.views.member_rows import member_rows
from yixun.members.views.tables import Column, Sorting, safe_query

PER_PAGE = 100
MEMBER_COLUMNS = [
    Column("name", _lazy("Name")),
    Column("squad", _lazy("Squad")),
    Column("phone", _lazy("Mobile number"), sortable=False),
    Column("kind", _lazy("Kind")),
    Column("status", _lazy("Status")),
    Column("joined", _lazy("Joined")),
    Column("notes", _lazy("Insurance and skills"), sortable=False),
]


def _visible_members(request: SignedInRequest) -> MemberQuerySet:
    return Member.objects.roster_for(request.user)


def _filtered(request: SignedInRequest, form: MemberFilterForm) -> MemberQuerySet:
    found = _visible_members(request)
    if not form.is_valid():
        return found.none() if form.is_bound else found.in_pinyin_order()
    data = form.cleaned_data
    return found.matching(
        query=data["q"],
        search_phones=ContactScope(request.user).everyone,
        squad=data["squad"],
        kind=data["kind"],
        status=data["status"],
        skill=data["skill"],
        occupation=data["occupation"],
        insured={"yes": True, "no": False}.get(data["insured"]),
    ).in_pinyin_order()


def _sorted(found: MemberQuerySet, sorting: Sorting) -> MemberQuerySet:
    if sorting.key == "squad":
        squads = Squad.objects.in_natural_order()
        rank = Case(
            *(When(squad_id=squad.pk, then=Value(n)) for n, squad in enumerate(squads)),
            default=Value(len(squads)),
        )
        return found.order_by(*sorting.order(rank), "user__name_pinyin", "pk")
    column = {"kind": "kind", "status": "status", "joined": "joined_on"}.get(sorting.key)
    if column is None:  # by name
        return found.order_by(*sorting.order("user__name_pinyin", "pk"))
    return found.order_by(*sorting.order(column), "user__name_pinyin", "pk")


@login_required
def member_list(request: SignedInRequest) -> HttpResponse:
    filtering = any(name in request.GET for name in MemberFilterForm.base_fields)
    form = MemberFilterForm(request.GET if filtering else None)  # a sort or a page is no filter
    sorting = Sorting(request.GET, MEMBER_COLUMNS, default="name")
    found = _sorted(_filtered(request, form), sorting).prefetch_related(None).values(*ROW_FIELDS)
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
    scope = ContactScope(request.user)
    squads = Squad.objects.only("name", "area__path").in_natural_order()
    form.fields["squad"].offer(squads)  # type: ignore[attr-defined]
    bulk_form = None
    if scope.everyone:
        bulk_form = BulkTransferForm(auto_id="id_bulk_%s")
        bulk_form.fields["squad"].offer(squads)  # type: ignore[attr-defined]
    return render(
        request,
        "members/member_list.html",
        {
            "form": form,
            "page": page,
            "rows": member_rows(list(page), scope, choosing=scope.everyone),
            "headers": sorting.headers(),
            "query": sorting.query(),
            "filters": sorting.rest,
            "sort": sorting.value,
            "is_officer": scope.everyone,
            "export_form": ExportForm(),
            "bulk_form": bulk_form,
        },
    )


@role_required(Role.OFFICER)
@require_POST
def member_bulk_transfer(request: SignedInRequest) -> HttpResponse:
    """Move the chosen members to one squad: each through the same service as one move, with
    its own history and audit entry, and its own line in the answer."""
    back = f"{reverse('members:members')}?{safe_query(request.POST.get('back', ''))}"
    form = BulkTransferForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose members and a squad from the list."))
        return redirect(back)
    chosen = (
        _visible_members(request)
        .filter(pk__in=form.cleaned_data["members"])
        .select_related("user", "squad")
        .in_pinyin_order()
    )
    to_squad = form.cleaned_data["squad"]
    for member in chosen:
        try:
            roster.transfer_member(
                member=member,
                to_squad=to_squad,
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except DomainError as refusal:
            messages.error(request, f"{member.name}：{refusal.message}")
        else:
            messages.success(
                request,
                _("%(name)s: now in %(squad)s.")
                % {"name": member.name, "squad": to_squad or _("no squad")},
            )
    return redirect(back)


@login_required
def member_export(request: SignedInRequest) -> HttpResponse:
    """The filtered roster as Excel. Full ID numbers only by POST, for an officer, with a reason."""
    form = MemberFilterForm(request.GET or None)
    found = _filtered(request, form)
    reveal = request.method == "POST"
    reason = ""
    if reveal:
        export_form = ExportForm(request.POST)
        reason = export_form.data.get("reason", "")
    try:
        data = excel.export_roster(
            members=found, viewer=request.user, reveal_ids=reveal, reason=reason
        )
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return redirect(f"{reverse('members:members')}?{request.GET.urlencode()}")
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="yixun-roster-{stamp}.xlsx"'
    return response


def _member(request: SignedInRequest, pk: int) -> Member:
    return get_object_or_404(
        Member.objects.visible_to(request.user).select_related(
            "user", "squad", "home_area", "partner"
        ),
        pk=pk,
    )


@login_required
def member_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    member = _member(request, pk)
    officer = has_role(request.user, Role.OFFICER)
    context: dict[str, Any] = {
        "member": member,
        "contact": ContactScope(request.user).covers(member),
        "is_officer": officer,
        "may_transfer": roster.may_manage_squad(request.user, member.squad),
        "skills": list(member.skills.all()),
        "covered": member.is_covered_on(timezone.localdate()),
    }
    if officer:
        context.update(
            reveal_form=ReasonForm(),
            status_form=StatusForm(initial={"status": member.status}),
            kind_form=KindForm(initial={"kind": member.kind}),
            transfers=member.transfers.select_related("from_squad", "to_squad", "by")[:20],
            status_changes=member.status_changes.select_related("by")[:20],
        )
    if context["may_transfer"]:
        context["transfer_form"] = TransferForm(initial={"squad": member.squad})
    return render(request, "members/member_detail.html", context)


@role_required(Role.OFFICER)
def member_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    member = _member(request, pk)
    form = OfficerDetailsForm(
        request.POST or None,
        initial={
            "availability": member.availability,
            "home_area": member.home_area,
            "emergency_name": member.emergency_name,
            "emergency_phone": member.emergency_phone,
            "occupation": member.occupation,
            "partner": member.partner,
            **OfficerDetailsForm.initial_for(member),
        },
    )
    if request.method == "POST" and form.is_valid():
        roster.update_details(member=member, actor=request.user, **form.changes())
        messages.success(request, _("Saved."))
        return redirect("members:member", pk=member.pk)
    return render(
        request,
        "members/member_edit.html",
        {"member": member, "form": form},
        status=400 if form.errors else 200,
    )


@role_required(Role.OFFICER)
@require_POST
def member_reveal_id(request: SignedInRequest, pk: int) -> HttpResponse:
    member = _member(request, pk)
    form = ReasonForm(request.POST)
    try:
        number = roster.reveal_id_number(
            member=member, actor=request.user, reason=form.data.get("reason", "")
        )
    except DomainError as refusal:
        messages.error(request, refusal.message)
        return redirect("members:member", pk=member.pk)
    return render(request, "members/id_revealed.html", {"member": member, "number": number})


def _apply(request: SignedInRequest, member: Member, change: Any) -> HttpResponse:
    try:
        change()
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Saved."))
    return redirect("members:member", pk=member.pk)


@role_required(Role.OFFICER)
@require_POST
def member_status(request: SignedInRequest, pk: int) -> HttpResponse:
    member = _member(request, pk)
    form = StatusForm(request.POST)
    return _apply(
        request,
        member,
        lambda: roster.change_status(
            member=member,
            status=form.data.get("status", ""),
            reason=form.data.get("reason", ""),
            actor=request.user,
        ),
    )


@role_required(Role.OFFICER)
@require_POST
def member_kind(request: SignedInRequest, pk: int) -> HttpResponse:
    member = _member(request, pk)
    return _apply(
        request,
        member,
        lambda: roster.change_kind(
            member=member, kind=request.POST.get("kind", ""), actor=request.user
        ),
    )


@login_required
@require_POST
def member_transfer(request: SignedInRequest, pk: int) -> HttpResponse:
    member = _member(request, pk)
    form = TransferForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a squad from the list."))
        return redirect("members:member", pk=member.pk)
    return _apply(
        request,
        member,
        lambda: roster.transfer_member(
            member=member,
            to_squad=form.cleaned_data["squad"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
        ),
    )


@login_required
def squad_list(request: SignedInRequest) -> HttpResponse:
    squads = (
        Squad.objects.select_related("leader")
        .annotate(size=Count("members", filter=Q(members__status=Member.Status.ACTIVE)))
        .in_natural_order()
    )
    return render(
        request,
        "members/squad_list.html",
        {"squads": squads, "is_officer": has_role(request.user, Role.OFFICER), "form": SquadForm()},
    )


@login_required
def squad_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    squad = get_object_or_404(Squad.objects.select_related("leader", "area"), pk=pk)
    members = (
        _visible_members(request).filter(squad=squad, status=Member.Status.ACTIVE).in_pinyin_order()
    )
    scope = ContactScope(request.user)
    manages = roster.may_manage_squad(request.user, squad)
    context: dict[str, Any] = {
        "squad": squad,
        "rows": [(member, scope.covers(member)) for member in members],
        "deputies": list(squad.deputies.all()),
        "manages": manages,
        "is_officer": scope.everyone,
    }
    if manages:
        context["deputies_form"] = DeputiesForm(
            squad=squad, initial={"deputies": context["deputies"]}
        )
    if scope.everyone:
        context["squad_form"] = SquadForm(initial={"name": squad.name, "area": squad.area})
        context["leader_form"] = LeaderForm(squad=squad, initial={"leader": squad.leader})
    return render(request, "members/squad_detail.html", context)


@role_required(Role.OFFICER)
@require_POST
def squad_create(request: SignedInRequest) -> HttpResponse:
    form = SquadForm(request.POST)
    if form.is_valid():
        try:
            squad = roster.create_squad(
                name=form.cleaned_data["name"],
                area=form.cleaned_data["area"],
                leader=None,
                actor=request.user,
            )
        except DomainError as refusal:
            messages.error(request, refusal.message)
        else:
            return redirect("members:squad", pk=squad.pk)
    else:
        messages.error(request, _("Give the squad a name."))
    return redirect("members:squads")


@role_required(Role.OFFICER)
@require_POST
def squad_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    squad = get_object_or_404(Squad, pk=pk)
    form = SquadForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the squad a name."))
        return redirect("members:squad", pk=pk)
    try:
        roster.update_squad(
            squad=squad,
            name=form.cleaned_data["name"],
            area=form.cleaned_data["area"],
            actor=request.user,
        )
    except DomainError as refusal:
        messages.error(request, refusal.message)
    return redirect("members:squad", pk=pk)


@role_required(Role.OFFICER)
@require_POST
def squad_leader(request: SignedInRequest, pk: int) -> HttpResponse:
    squad = get_object_or_404(Squad, pk=pk)
    form = LeaderForm(request.POST, squad=squad)
    if not form.is_valid():
        messages.error(request, _("Choose an active member as leader."))
        return redirect("members:squad", pk=pk)
    try:
        roster.set_leader(squad=squad, leader=form.cleaned_data["leader"], actor=request.user)
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request, _("%(name)s now leads the squad.") % {"name": form.cleaned_data["leader"].name}
        )
    return redirect("members:squad", pk=pk)


@login_required
@require_POST
def squad_deputies(request: SignedInRequest, pk: int) -> HttpResponse:
    squad = get_object_or_404(Squad, pk=pk)
    if not roster.may_manage_squad(request.user, squad):
        raise Http404
    form = DeputiesForm(request.POST, squad=squad)
    if not form.is_valid():
        messages.error(request, _("Deputies must be members of the squad."))
        return redirect("members:squad", pk=pk)
    try:
        roster.set_deputies(squad=squad, deputies=form.cleaned_data["deputies"], actor=request.user)
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Deputies saved."))
    return redirect("members:squad", pk=pk)


@login_required
def member_photo(request: SignedInRequest, pk: int) -> FileResponse:
    """A member's photo, through the same door as the member: never a public file address."""
    member = _member(request, pk)
    if not member.photo or not ContactScope(request.user).covers(
        member
    ):  # squad-mates see names only
        raise Http404
    return private_file(member.photo)
