"""The share pack: copy-ready texts, a poster and the checklist of where people posted it."""

from django.http import Http404, HttpRequest, HttpResponse


def share_page(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def poster(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


def posted(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404
