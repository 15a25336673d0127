"""Being written (issue 14)."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def new(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def edit(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def cancel_event(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def attendance(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def attendance_export(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def report(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def photos(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def duty_shift(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404
