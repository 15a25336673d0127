from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from yixun.members.models import Member, current_notice, has_accepted

# Paths a member may reach before accepting: the notice itself, signing out, switching
# language, the public rules, and machine endpoints.
OPEN_PREFIXES = (
    "/notice/",
    "/accounts/logout/",
    "/accounts/language/",
    "/rules/",
    "/api/",
    "/healthz",
    "/static/",
)
SESSION_KEY = "yixun_notice_accepted"


class NoticeAcceptanceMiddleware:
    """A new membership notice is put to each active member at their next visit, before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.method == "GET"
            and not request.path.startswith(OPEN_PREFIXES)
        ):
            notice = current_notice()
            if notice is not None and request.session.get(SESSION_KEY) != notice.pk:
                is_member = Member.objects.filter(user=user, status=Member.Status.ACTIVE).exists()
                # Non-members need not accept; remembered for the session (a new member signs in anew).
                if not is_member or has_accepted(user, notice):
                    request.session[SESSION_KEY] = notice.pk
                else:
                    return redirect(
                        f"{reverse('members:notice')}?{urlencode({'next': request.get_full_path()})}"
                    )
        return self.get_response(request)
