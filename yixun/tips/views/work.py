"""The moderators' queue and a tip's page, where moderators triage and the police answer."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, Value, When
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yixun.accounts.http import SignedInRequest
from yixun.accounts.roles import Role, has_role
from yixun.lib import days
from yixun.lib.errors import DomainError
from yixun.places.services import to_map
from yixun.tips.forms import CloseForm, ForwardForm, MergeForm, MessageForm, OutcomeForm, ReasonForm
from yixun.tips.models import Tip, TipPhoto, TipQuerySet
from yixun.tips.services import triage
from yixun.tips.services.areas import forwarding_area
from yixun.tips.services.duplicates import likely_duplicates
from yixun.tips.services.duty import moderators, moderators_on_duty
from yixun.tips.services.errors import TipRefused


def _search(request: SignedInRequest, tips: TipQuerySet) -> TipQuerySet:
    """The search form's fields, read leniently (a bad value is no filter), then the one search
    the API shares."""
    get = request.GET
    return tips.matching(
        q=get.get("q", ""),
        category=get.get("category", "") if get.get("category") in Tip.Category.values else "",
        status=get.get("status", "") if get.get("status") in Tip.Status.values else "",
        place=get.get("place", ""),
        first=days.parse(get.get("first"), days.FIRST) if get.get("first") else None,
        last=days.parse(get.get("last"), days.LAST) if get.get("last") else None,
    )


# The queue's sortable columns (?sort=name, or -name for the other way), and what each sorts by.
# A value not here is ignored: the folder's own order stands.
SORTS: dict[str, tuple[Any, ...]] = {
    "received": ("created_at",),
    "category": ("category", "-created_at"),
    "urgency": (
        Case(When(is_urgent=True, then=Value(0)), default=Value(1), output_field=IntegerField()),
        "ack_due_at",
    ),
    # The clock that runs now: acknowledging while new, forwarding or closing after.
    "due": (
        Case(When(status=Tip.Status.NEW, then="ack_due_at"), default="resolve_due_at"),
        "created_at",
    ),
    "status": ("status", "-created_at"),
    "holder": (F("assigned_to__name_pinyin"), "-created_at"),
}


def _sort(request: SignedInRequest) -> str:
    """The ?sort= asked for, if it names a column; else none."""
    wanted = request.GET.get("sort", "")
    return wanted if wanted.removeprefix("-") in SORTS else ""


def _ordering(sort: str) -> list[Any]:
    # Tips nobody holds (no name) come last either way, on every database.
    keys = SORTS[sort.removeprefix("-")]
    if not sort.startswith("-"):
        return [key.asc(nulls_last=True) if hasattr(key, "asc") else key for key in keys] + ["pk"]
    return [
        key.desc(nulls_last=True)
        if hasattr(key, "desc")
        else (key[1:] if key.startswith("-") else f"-{key}")
        for key in keys
    ] + ["-pk"]


def _queue_rows(request: SignedInRequest, folder: str) -> Any:
    tips = Tip.objects.visible_to(request.user).select_related("assigned_to", "station")
    if folder == "spam":
        tips = tips.filter(status=Tip.Status.SPAM).order_by("-created_at")
    elif folder == "all":
        tips = _search(request, tips).order_by("-created_at")
    else:
        tips = tips.in_queue().order_by(*_ordering("urgency"))
    if sort := _sort(request):
        tips = tips.order_by(*_ordering(sort))
    return tips


@login_required
def queue(request: SignedInRequest) -> HttpResponse:
    """The moderators' queue, refreshed in place when a tip changes (pushed; htmx)."""
    if not (triage.is_moderator(request.user) or has_role(request.user, Role.OFFICER)):
        raise PermissionDenied
    folder = request.GET.get("folder", "queue")
    if folder not in ("queue", "spam", "all"):
        folder = "queue"
    page = Paginator(_queue_rows(request, folder), 50).get_page(request.GET.get("page"))
    sort = _sort(request)
    keep = request.GET.copy()
    keep.pop("page", None)
    keep.pop("sort", None)
    context = {
        "page": page,
        "folder": folder,
        "sort": sort,
        "columns": _columns(sort, keep.urlencode()),
        "on_duty": moderators_on_duty(),
        "query": request.GET.urlencode(),
        "categories": Tip.Category.choices,
        "statuses": Tip.Status.choices,
    }
    if request.headers.get("HX-Request"):
        return render(request, "tips/_queue_rows.html", context)
    return render(request, "tips/queue.html", context)


def _columns(sort: str, query: str) -> list[dict[str, str]]:
    """The desk table's headers: each a link that sorts by it, the other way when it already
    does, and how it is sorted now (for aria-sort)."""
    labels = {
        "received": _("Received at"),
        "category": _("Category"),
        "urgency": _("Urgency"),
        "due": _("Due"),
        "status": _("Status"),
        "holder": _("Handled by"),
    }
    columns = []
    for name, label in labels.items():
        current = "ascending" if sort == name else "descending" if sort == f"-{name}" else "none"
        then = f"-{name}" if sort == name else name
        columns.append(
            {
                "name": name,
                "label": label,
                "aria_sort": current,
                "href": f"?{query}&sort={then}" if query else f"?sort={then}",
            }
        )
    return columns


@login_required
def police(request: SignedInRequest) -> HttpResponse:
    """The tips forwarded to the liaison's stations."""
    if not has_role(request.user, Role.POLICE):
        raise PermissionDenied
    tips = (
        Tip.objects.worked_on_by(request.user)
        .select_related("station")
        .order_by(  # what is still to do first, soonest due first; then the newest
            Case(When(closed_at__isnull=True, then=Value(0)), default=Value(1)),
            "resolve_due_at",
            "-forwarded_at",
            "-pk",
        )
    )
    page = Paginator(_search(request, tips), 50).get_page(request.GET.get("page"))
    return render(request, "tips/police.html", {"page": page, "query": request.GET.urlencode()})


def _tip(request: SignedInRequest, pk: int) -> Tip:
    return get_object_or_404(
        Tip.objects.visible_to(request.user).select_related(
            "assigned_to", "station", "area", "merged_into"
        ),
        pk=pk,
    )


def _pin(tip: Tip) -> list[float] | None:
    """Where the tip's map puts its pin, as the tiles expect it (stored WGS-84, shown in the
    map's datum)."""
    if tip.latitude is None or tip.longitude is None:
        return None
    return list(to_map((float(tip.latitude), float(tip.longitude))))


@login_required
def detail(request: SignedInRequest, pk: int) -> HttpResponse:
    tip = _tip(request, pk)
    user = request.user
    is_mod = triage.is_moderator(user)
    liaison = triage.is_station_liaison(user, tip)
    internal = is_mod or liaison or has_role(user, Role.OFFICER)
    if not internal:  # a member following their own tip sees what every reporter sees
        return redirect("tips:track", code=tip.code)
    return render(
        request,
        "tips/detail.html",
        {
            "tip": tip,
            "is_mod": is_mod,
            "liaison": liaison,
            "mine": tip.assigned_to_id == user.pk,
            "can_hand_on": (can_hand_on := triage.may_hand_on(user, tip)),
            "can_see_contact": triage.may_see_contact(user, tip),
            "messages_shown": tip.messages.select_related("author"),
            "photos": tip.photos.all(),
            "merged": tip.merged.all(),
            "duplicates": likely_duplicates(tip) if is_mod and tip.is_open else [],
            "forward_form": ForwardForm(
                initial={"area": forwarding_area(tip) if is_mod and tip.is_open else tip.area_id}
            ),
            "pin": _pin(tip),
            "tiles": settings.YIXUN_MAP_TILES,
            "attribution": settings.YIXUN_MAP_ATTRIBUTION,
            "close_form": CloseForm(),
            "outcome_form": OutcomeForm(),
            "message_form": MessageForm(),
            "reason_form": ReasonForm(),
            "merge_form": MergeForm(),
            "moderators": moderators().order_by("name_pinyin") if can_hand_on else [],
        },
    )


ACTIONS = {
    "take",
    "acknowledge",
    "urgent",
    "not_urgent",
    "question",
    "note",
    "progress",
    "forward",
    "close",
    "spam",
    "restore",
    "merge",
    "accept",
    "outcome",
    "contact",
    "assign",
}


@login_required
@require_POST
def act(request: SignedInRequest, pk: int, action: str) -> HttpResponse:
    """One form per action on the tip's page; each calls one service."""
    if action not in ACTIONS:
        raise Http404
    tip = _tip(request, pk)
    user = request.user
    post = request.POST
    try:
        if action == "take":
            triage.take(tip=tip, actor=user)
        elif action == "acknowledge":
            triage.acknowledge(tip=tip, actor=user)
        elif action in ("urgent", "not_urgent"):
            triage.set_urgency(tip=tip, actor=user, urgent=action == "urgent")
        elif action in ("question", "note", "progress"):
            triage.write(tip=tip, actor=user, kind=action, text=post.get("text", ""))
        elif action == "forward":
            form = ForwardForm(post)
            if not form.is_valid():
                raise TipRefused(_("Choose the area and write a summary."), code="invalid")
            triage.forward(
                tip=tip,
                actor=user,
                area=form.cleaned_data["area"],
                summary=form.cleaned_data["summary"],
            )
        elif action == "close":
            triage.close(
                tip=tip,
                actor=user,
                reason=post.get("reason", ""),
                public_answer=post.get("public_answer", ""),
            )
        elif action == "spam":
            triage.mark_spam(tips=[tip], actor=user)
        elif action == "restore":
            triage.restore(tip=tip, actor=user)
        elif action == "merge":
            merge_form = MergeForm(post)
            into = (
                Tip.objects.visible_to(user).filter(pk=merge_form.cleaned_data["into"]).first()
                if merge_form.is_valid()
                else None
            )
            if into is None:
                raise TipRefused(_("There is no such tip."), code="invalid")
            triage.merge(tip=tip, into=into, actor=user)
        elif action == "assign":
            to = (
                moderators()
                .filter(pk=post.get("to", "0") if post.get("to", "").isdigit() else 0)
                .first()
            )
            if to is None:
                raise TipRefused(_("Choose a moderator."), code="invalid")
            triage.assign(tip=tip, actor=user, to=to, reason=post.get("reason", ""))
        elif action == "accept":
            triage.accept(tip=tip, actor=user)
        elif action == "outcome":
            triage.record_outcome(
                tip=tip,
                actor=user,
                outcome=post.get("outcome", ""),
                public_answer=post.get("public_answer", ""),
                note=post.get("note", ""),
            )
        elif action == "contact":
            name, phone = triage.reveal_contact(tip=tip, actor=user, reason=post.get("reason", ""))
            return render(request, "tips/contact.html", {"tip": tip, "name": name, "phone": phone})
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Done."))
    return redirect("tips:detail", pk=pk)


@login_required
@require_POST
def bulk(request: SignedInRequest) -> HttpResponse:
    """The queue's bulk actions, each tip through the one service for it, with its own audit
    entry; what happened to each chosen tip is said."""
    action = request.POST.get("action", "")
    ids = sorted(
        {int(value) for value in request.POST.getlist("tip") if value.isdigit() and len(value) < 12}
    )[:100]
    tips = list(Tip.objects.visible_to(request.user).filter(pk__in=ids).order_by("pk"))
    back = redirect(f"{reverse('tips:queue')}?{request.POST.get('back', '')}"[:2000])
    if action not in ("take", "spam"):
        messages.error(request, _("Choose what to do with the chosen tips."))
        return back
    if not tips:
        messages.error(request, _("Choose one or more tips first."))
        return back
    if action == "take":
        taken = []
        for tip in tips:
            try:
                triage.take(tip=tip, actor=request.user)
            except DomainError as error:
                messages.error(request, f"#{tip.pk}: {error.message}")
            else:
                taken.append(f"#{tip.pk}")
        if taken:
            messages.success(request, _("Taken: %(tips)s") % {"tips": " ".join(taken)})
        return back
    already = {tip.pk for tip in tips if tip.status == Tip.Status.SPAM}
    try:
        triage.mark_spam(tips=tips, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return back
    moved = (
        set(
            Tip.objects.filter(pk__in=[tip.pk for tip in tips], status=Tip.Status.SPAM).values_list(
                "pk", flat=True
            )
        )
        - already
    )
    if moved:
        messages.success(
            request,
            _("Moved to the spam folder: %(tips)s")
            % {"tips": " ".join(f"#{pk}" for pk in sorted(moved))},
        )
    for tip in tips:
        if tip.pk not in moved:
            messages.error(
                request,
                _(
                    "#%(pk)s stays where it is: another moderator holds it, or it has left "
                    "the queue."
                )
                % {"pk": tip.pk},
            )
    return back


@login_required
def photo(request: SignedInRequest, pk: int) -> FileResponse:
    found = get_object_or_404(
        TipPhoto.objects.filter(tip__in=Tip.objects.visible_to(request.user).values("pk")), pk=pk
    )
    response = FileResponse(found.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response
