import logging
import sys

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache

from yixun.home.sections import sections_for
from yixun.public import home as public_home
from yixun.public.models import association_name

log = logging.getLogger("yixun")


def home(request: HttpRequest) -> HttpResponse:
    """The public's welcome (who we are, our work, bulletins, events, and the ways in); for a
    signed-in person, their day: what each of their roles has waiting, with one tap to where it
    is handled."""
    if not request.user.is_authenticated:
        return render(request, "home.html", {"sections": {}, **public_home.context()})
    sections = sections_for(request.user)
    return render(
        request,
        "home.html",
        {
            "sections": sections,
            "association": association_name(),
            "live_topics": " ".join(live_topics(sections)),
        },
    )


def live_topics(sections: dict[str, object]) -> list[str]:
    """What a person's first screen follows as it changes: their tips and duties (the doors send
    each person only their own, or those of the people they lead or serve), and for a leader the
    squad's shifts. Not every shift of the county for every volunteer: their open-places count
    is shared and a few seconds old anyway, and a claim rush would make every home ask again."""
    topics = []
    if sections.keys() & {"volunteer", "moderator", "police", "officer"}:
        topics.append("tips")
    if sections.keys() & {"volunteer", "leader", "police", "officer"}:
        topics.append("duty")
    if "leader" in sections:
        topics.append("shifts")
    return topics


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 when it does not: for load balancers and monitors."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        log.error("health check: database unavailable: %s", error)
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def _plain(template: str, status: int) -> HttpResponse:
    # Rendered without the request's context processors: they may need the
    # database or the session, which may be the very thing that failed.
    return HttpResponse(render_to_string(template), status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _plain("400.html", 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django calls this inside its `except` block, so the exception is still at hand."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        return _plain("503.html", 503)
    return _plain("500.html", 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
