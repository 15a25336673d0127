"""The share pack's pages: the texts to paste into WeChat and QQ groups and on Weibo, the poster,
and the checklist of who posted where. Writers only; Yixun itself posts nothing there."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yixun.accounts.http import SignedInRequest
from yixun.bulletins import services, sharing
from yixun.bulletins.models import Bulletin
from yixun.lib.errors import DomainError


def _shareable(request: SignedInRequest, pk: int) -> Bulletin:
    """A bulletin that went out to the public, for a writer: anyone else is refused before
    anything is looked up, and a draft or a members-only bulletin has no pack."""
    if not services.may_write(request.user):
        raise PermissionDenied
    return get_object_or_404(Bulletin.objects.public(), pk=pk)


@login_required
def share_page(request: SignedInRequest, pk: int) -> HttpResponse:
    bulletin = _shareable(request, pk)
    return render(
        request,
        "bulletins/share.html",
        {
            "bulletin": bulletin,
            "channels": sharing.checklist(bulletin),
            "earlier": sharing.earlier_posts(bulletin),
            "page_url": sharing.page_url(bulletin),
        },
    )


@login_required
def poster(request: SignedInRequest, pk: int) -> HttpResponse:
    bulletin = _shareable(request, pk)
    response = HttpResponse(sharing.poster_png(bulletin), content_type="image/png")
    name = f"bulletin-{bulletin.pk}-r{bulletin.revision}.png"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@login_required
@require_POST
def posted(request: SignedInRequest, pk: int) -> HttpResponse:
    """ "I posted it there": the checklist's tick, with the post's link if there is one."""
    bulletin = _shareable(request, pk)
    try:
        post = sharing.record_share_post(
            actor=request.user,
            bulletin=bulletin,
            channel=request.POST.get("channel", ""),
            link=request.POST.get("link", ""),
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Noted: posted to %(channel)s.") % {"channel": post.get_channel_display()}
        )
    return redirect("bulletins:share", pk=pk)
