"""Being written (issue 14)."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def event_list(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def list_calendar(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def detail(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def calendar(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def photo(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def register(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def send_code(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def ticket(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def cancel(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def check_in(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404
