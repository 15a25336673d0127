"""Being written (issue 14)."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def door(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def walk_in(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404
