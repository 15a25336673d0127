"""What the public read of the bulletins (the list's cards and the feeds), kept in the shared
cache under one token that every change of a published bulletin renews: a publication, a
correction, a withdrawal (when the change is made, and again when its fan-out runs, which is
when a bulletin written for later goes out). What passes with time alone (an expiry) shows
within `SECONDS`.

The feeds are cached whole: they carry no person's data and no CSRF token. The list page
caches its cards alone (`{% cache %}` in list.html), since the page around them carries the
visitor's CSRF token and menu."""

import functools
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language

from yixun.lib import generations

GENERATION = "bulletins.public"
SECONDS = 60


def renew() -> None:
    generations.renew(GENERATION)


def token() -> str:
    return generations.current(GENERATION)


def whole(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A public GET answered from the cache when it was made under the current token, for the
    same address (links in a feed are absolute), language and query."""

    @functools.wraps(view)
    def cached(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        key = "bulletins.public:" + ":".join(
            [token(), get_language() or "", request.get_host(), request.get_full_path()]
        )
        hit: HttpResponse | None = cache.get(key)
        if hit is not None:
            return hit
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            cache.set(key, response, SECONDS)  # with its headers (Last-Modified), as it went
        return response

    return cached
