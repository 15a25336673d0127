"""The public's e-mail subscriptions. Being written (helper): placeholder views until then."""

from django.http import Http404, HttpRequest, HttpResponse


def subscribe(request: HttpRequest) -> HttpResponse:
    raise Http404


def confirm(request: HttpRequest, token: str) -> HttpResponse:
    raise Http404


def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    raise Http404
