"""A bulletin's delivery log: every message, mail, push and robot post, with its answer; the
officers resend what failed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from yixun.accounts.http import SignedInRequest
from yixun.accounts.roles import Role, has_role
from yixun.bulletins import services
from yixun.bulletins.channels import counts, log_of, resend_failed
from yixun.bulletins.models import Bulletin
from yixun.worker.models import Delivery


def _bulletin(request: SignedInRequest, pk: int) -> Bulletin:
    if not services.may_write(request.user):
        raise PermissionDenied
    return get_object_or_404(Bulletin.objects.visible_to(request.user), pk=pk)


@login_required
def deliveries(request: SignedInRequest, pk: int) -> HttpResponse:
    bulletin = _bulletin(request, pk)
    rows = log_of(bulletin)
    status = request.GET.get("status", "")
    shown = rows.filter(status=status) if status in Delivery.Status.values else rows
    labels = dict(Delivery.Channel.choices)
    return render(
        request,
        "bulletins/deliveries.html",
        {
            "bulletin": bulletin,
            "summary": [(labels.get(c, c), n) for c, n in counts(rows).items()],
            "page": Paginator(shown, 50).get_page(request.GET.get("page")),
            "status": status,
            "statuses": Delivery.Status.choices,
            "query": f"status={status}" if status in Delivery.Status.values else "",
            "may_resend": has_role(request.user, Role.OFFICER),
            "failed": rows.filter(status=Delivery.Status.FAILED).count(),
        },
    )


@login_required
@require_POST
def resend(request: SignedInRequest, pk: int) -> HttpResponse:
    """The officers' "resend what failed": every channel's deliveries that failed for good go
    out again under their own keys (nothing already sent is sent twice)."""
    bulletin = _bulletin(request, pk)
    if not has_role(request.user, Role.OFFICER):
        raise PermissionDenied
    resent = sum(resend_failed(actor=request.user, bulletin=bulletin).values())
    if resent:
        messages.success(
            request,
            ngettext(
                "%(n)s delivery is going out again.",
                "%(n)s deliveries are going out again.",
                resent,
            )
            % {"n": resent},
        )
    else:
        messages.info(request, _("Nothing had failed that could be sent again."))
    return redirect("bulletins:deliveries", pk=pk)
