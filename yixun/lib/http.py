"""Facts about an HTTP request that several apps need."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def client_address(request: HttpRequest) -> str:
    """The address the request came from, trusting only the configured number of proxies.

    Each trusted reverse proxy appends the address it saw to X-Forwarded-For, so
    the real client is that many entries from the right; anything further left
    was written by the client and cannot be believed.
    """
    proxies = settings.YIXUN_TRUSTED_PROXIES
    remote = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"  # noqa: S104 - a placeholder, not a bind
    if proxies <= 0:
        return remote
    hops = [
        hop.strip()
        for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if hop.strip()
    ]
    if len(hops) < proxies:
        return remote
    return hops[-proxies]


def safe_next(request: HttpRequest, default: str) -> str:
    """The page to go back to, from the request's `next`, if it stays on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def is_wechat(request: HttpRequest) -> bool:
    """WeChat's built-in browser (also its Windows and Mac clients') says so in its user agent:
    it has no Web Push and opens no downloads, such as a calendar file."""
    return "MicroMessenger" in request.headers.get("User-Agent", "")
