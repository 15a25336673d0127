from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from yixun.members.models import Member, current_notice_id, has_accepted

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


def remember_accepted(request: HttpRequest, notice_id: int) -> None:
    """Note in the session that its person need not be asked about this notice again."""
    request.session[SESSION_KEY] = notice_id


class NoticeAcceptanceMiddleware:
    """A new membership notice is put to each active member at their next visit, before anything else.

    Once a session has answered for the current notice, a page load costs no query here: the
    current notice's id comes from the cache, and the answer from the session.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.method == "GET"
            and not request.path.startswith(OPEN_PREFIXES)
            and request.session.get(SESSION_KEY) != current_notice_id()
        ):
            # Decide from the database, not the cache, before sending anyone anywhere.
            notice_id = current_notice_id(fresh=True)
            if notice_id is not None and request.session.get(SESSION_KEY) != notice_id:
                is_member = Member.objects.filter(user=user, status=Member.Status.ACTIVE).exists()
                # Non-members need not accept; remembered for the session (a new member signs in anew).
                if not is_member or has_accepted(user, notice_id):
                    remember_accepted(request, notice_id)
                else:
                    return redirect(
                        f"{reverse('members:notice')}?{urlencode({'next': request.get_full_path()})}"
                    )
        return self.get_response(request)
