"""The address people reach Yixun at, for links that leave the app: messages, QR posters,
calendar addresses, robots' cards.

`YIXUN_SITE_URL` says it when it is set. When it is not, a link made while serving a request
takes the address that request came to, which is the one the person reached (the host is one of
`ALLOWED_HOSTS`: Django refuses any other). Work done outside a request (a reminder sent by the
worker) falls back to `https://` + the first of `ALLOWED_HOSTS` in production, or the laptop's
`http://127.0.0.1:8000`; `make run` sets `YIXUN_SITE_URL` from its HOST and PORT so that those
links are right too."""

from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

_request_origin: ContextVar[str | None] = ContextVar("yixun_request_origin", default=None)


def site_url() -> str:
    """Scheme and host (and port), without a trailing slash."""
    configured: str = settings.YIXUN_SITE_URL
    if configured:
        return configured.rstrip("/")
    origin = _request_origin.get()
    if origin:
        return origin
    if settings.PRODUCTION:
        return f"https://{settings.ALLOWED_HOSTS[0].lstrip('.')}"
    return "http://127.0.0.1:8000"


def absolute(path: str) -> str:
    """A path of Yixun's (from `reverse`) as the address a person can follow from anywhere."""
    return site_url() + path


class RequestOriginMiddleware:
    """Remember the address each request came to, for the links made while serving it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            origin: str | None = f"{request.scheme}://{request.get_host()}"
        except DisallowedHost:  # Django answers 400 further on; no link is made from it
            origin = None
        token = _request_origin.set(origin)
        try:
            return self.get_response(request)
        finally:
            _request_origin.reset(token)


def by_pk(url_name: str) -> Callable[[int], str]:
    """A page's address for any primary key, reversed once: for lists of many rows, where
    reversing per row is most of the cost of the list."""
    sentinel = 987654321
    pattern = reverse(url_name, args=[sentinel]).replace(str(sentinel), "{}")
    return pattern.format
