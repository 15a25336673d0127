"""The bulletins' pages: the public list and each bulletin, the writers' desk with its review,
and each member's inbox."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yixun.accounts.http import SignedInRequest
from yixun.bulletins import preferences, public_cache, services
from yixun.bulletins.forms import BulletinForm, CorrectionForm, NoteForm, PreferenceForm
from yixun.bulletins.inbox import list_key, now_for
from yixun.bulletins.models import Bulletin, InboxItem, Kind, Status
from yixun.lib.errors import DomainError
from yixun.places.services import map_centre

PAGE = 20


def public_list(request: HttpRequest) -> HttpResponse:
    """Police alerts, safety advice and the association's notices, as the public reads them."""
    kind = request.GET.get("kind", "")
    bulletins = Bulletin.objects.public().order_by("-published_at", "-pk")
    if kind in Kind.values:
        bulletins = bulletins.filter(kind=kind)
    number = request.GET.get("page")
    return render(
        request,
        "bulletins/list.html",
        {
            # Read only when the cards are not in the cache (public_cache, list.html).
            "page": SimpleLazyObject(lambda: Paginator(bulletins, PAGE).get_page(number)),
            "cards_key": [public_cache.token(), kind, number or "1"],
            "kind": kind,
            "kinds": Kind.choices,
            "query": f"kind={kind}" if kind in Kind.values else "",
        },
    )


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = get_object_or_404(Bulletin.objects.visible_to(request.user), pk=pk)
    user = request.user
    if user.is_authenticated:
        services.mark_read(user=user, bulletin=bulletin)
    return render(
        request,
        "bulletins/detail.html",
        {
            "bulletin": bulletin,
            "photos": bulletin.photos.all() if bulletin.shows_details else [],
            "changes": bulletin.changes.select_related("by"),
            "may_write": services.may_write(user),
            "may_approve": services.may_approve(user, bulletin),
            "may_send_at_once": services.may_send_at_once(user, bulletin),
            "note_form": NoteForm(),
            "correction_form": CorrectionForm(
                initial={"title": bulletin.title, "body": bulletin.body}
            ),
        },
    )


def photo(request: HttpRequest, pk: int, photo_id: int) -> FileResponse:
    """One of a bulletin's photos, through the same door as its page; gone once an urgent alert
    closes."""
    bulletin = get_object_or_404(Bulletin.objects.visible_to(request.user), pk=pk)
    if not bulletin.shows_details:
        raise Http404
    picture = get_object_or_404(bulletin.photos.all(), pk=photo_id)
    return FileResponse(picture.image.open("rb"), content_type="image/jpeg")


def _writer(request: SignedInRequest) -> None:
    if not services.may_write(request.user):
        raise PermissionDenied


@login_required
def desk(request: SignedInRequest) -> HttpResponse:
    """The writers' desk: what waits for my review, drafts, and what went out."""
    _writer(request)
    user = request.user
    bulletins = Bulletin.objects.visible_to(user).select_related("written_by")
    waiting = [
        b for b in bulletins.filter(status=Status.SUBMITTED) if services.may_approve(user, b)
    ]
    unreviewed = [b for b in bulletins.filter(sent_unreviewed=True) if b.written_by_id != user.pk]
    return render(
        request,
        "bulletins/desk.html",
        {
            "waiting": waiting,
            "unreviewed": unreviewed,
            "drafts": bulletins.filter(status__in=[Status.DRAFT, Status.SUBMITTED]),
            "out": bulletins.filter(status__in=[Status.PUBLISHED, Status.WITHDRAWN])[:30],
        },
    )


def _save(request: SignedInRequest, form: BulletinForm, bulletin: Bulletin | None) -> Bulletin:
    data = form.cleaned_data
    return services.save_bulletin(
        actor=request.user,
        bulletin=bulletin,
        kind=data["kind"],
        title=data["title"],
        body=data["body"],
        to_public=data["to_public"],
        to_members=data["to_members"],
        squads=data["squads"],
        areas=data["areas"],
        roles=data["roles"],
        publish_at=data["publish_at"],
        expires_at=data["expires_at"],
        cap=form.cap(),
        last_seen_at=data["last_seen_at"],
        last_seen_place=data["last_seen_place"],
        photos=data["photos"],
        remove_photos=[photo.pk for photo in data.get("remove_photos", [])],
    )


def _compose(request: SignedInRequest, bulletin: Bulletin | None) -> HttpResponse:
    _writer(request)
    if request.method == "POST":
        form = BulletinForm(request.POST, request.FILES, bulletin=bulletin)
        if form.is_valid():
            try:
                saved = _save(request, form, bulletin)
            except DomainError as error:
                form.add_error(None, error.message)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request, _("Saved as a draft. Send it for review when it is ready.")
                )
                return redirect("bulletins:detail", pk=saved.pk)
    else:
        form = BulletinForm.for_bulletin(bulletin) if bulletin else BulletinForm()
    return render(
        request,
        "bulletins/write.html",
        {
            "form": form,
            "bulletin": bulletin,
            # The area's map, drawn as the tip form's is; the form keeps WGS-84 (CAP's), and
            # area-map.js converts to and from the tiles' datum.
            "centre": map_centre(),
            "tiles": settings.YIXUN_MAP_TILES,
            "attribution": settings.YIXUN_MAP_ATTRIBUTION,
            "datum": settings.YIXUN_MAP_DATUM,
        },
    )


@login_required
def write(request: SignedInRequest) -> HttpResponse:
    return _compose(request, None)


@login_required
def edit(request: SignedInRequest, pk: int) -> HttpResponse:
    bulletin = get_object_or_404(Bulletin.objects.visible_to(request.user), pk=pk)
    if bulletin.status not in (Status.DRAFT, Status.SUBMITTED):
        messages.error(request, _("This bulletin has gone out: correct it or withdraw it instead."))
        return redirect("bulletins:detail", pk=pk)
    return _compose(request, bulletin)


DONE = {
    "submit": _("Sent for review."),
    "approve": _("Approved: it goes out now, or at the time it was written for."),
    "return": _("Sent back to its writer."),
    "send-now": _("The urgent alert is going out. Somebody will review it after."),
    "review": _("Reviewed."),
    "correct": _("The correction is going out on every channel."),
    "withdraw": _("Withdrawn: the withdrawal is going out on every channel."),
}


@login_required
@require_POST
def act(request: SignedInRequest, pk: int, action: str) -> HttpResponse:
    """One form per action on the bulletin's page; each calls one service."""
    if action not in DONE:
        raise Http404
    bulletin = get_object_or_404(Bulletin.objects.visible_to(request.user), pk=pk)
    user, post = request.user, request.POST
    try:
        if action == "submit":
            services.submit_bulletin(actor=user, bulletin=bulletin)
        elif action == "approve":
            services.approve_bulletin(actor=user, bulletin=bulletin)
        elif action == "send-now":
            services.send_at_once(actor=user, bulletin=bulletin)
        elif action == "review":
            services.review_sent(actor=user, bulletin=bulletin)
        elif action == "correct":
            correction = CorrectionForm(post)
            if not correction.is_valid():
                raise services.BulletinRefused(
                    _("Write the title, the text and what changed."), code="invalid"
                )
            services.correct_bulletin(actor=user, bulletin=bulletin, **correction.cleaned_data)
        else:
            note = NoteForm(post)
            if not note.is_valid():
                raise services.BulletinRefused(_("Say why, in a few words."), code="invalid")
            change = services.return_bulletin if action == "return" else services.withdraw_bulletin
            change(actor=user, bulletin=bulletin, note=note.cleaned_data["note"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, DONE[action])
    return redirect("bulletins:detail", pk=pk)


@login_required
def inbox(request: SignedInRequest) -> HttpResponse:
    items = InboxItem.objects.filter(user=request.user).select_related("bulletin")
    number = request.GET.get("page")
    return render(
        request,
        "bulletins/inbox.html",
        {
            # Read only when the list is not in the cache (inbox.list_key, inbox.html).
            "page": SimpleLazyObject(lambda: Paginator(items, PAGE).get_page(number)),
            "list_key": [*list_key(request.user), number or "1"],
        },
    )


@login_required
def inbox_now(request: SignedInRequest) -> HttpResponse:
    """The unread count and the urgent banners, fetched again when the inbox changes."""
    return render(request, "bulletins/_inbox_now.html", {"inbox_now": now_for(request.user)})


@login_required
def settings_page(request: SignedInRequest) -> HttpResponse:
    """How bulletins reach this member besides the inbox, which kinds, and their quiet hours."""
    chosen = preferences.of(request.user)
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            preferences.save_preference(user=request.user, **form.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect("bulletins:settings")
    else:
        form = PreferenceForm(
            initial={
                "channels": chosen.channels,
                "kinds": chosen.kinds,
                "email": chosen.email,
                "quiet_from": chosen.quiet_from,
                "quiet_until": chosen.quiet_until,
            }
        )
    return render(request, "bulletins/settings.html", {"form": form})
