"""A browser turns bulletins' notifications on and off (push.js posts its PushSubscription
here as JSON, with the page's CSRF token in `X-CSRFToken`): a member's, for their own
bulletins, or the public's, for the areas chosen on the subscribe page; the stop link of the
public's notifications; and the service worker that shows them."""

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from yixun.bulletins.channels import push, push_public
from yixun.lib.http import client_address


def public_key(request: HttpRequest) -> dict[str, str]:
    """For the "Get browser notifications" button (a context processor): the key browsers
    subscribe with, for a signed-in member on a site that has one; without it, no button."""
    user = getattr(request, "user", None)
    if not push.is_configured() or user is None or not user.is_authenticated:
        return {}
    return {"push_public_key": settings.YIXUN_VAPID_PUBLIC_KEY}


def _answer(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status)


def _signed_out() -> JsonResponse:
    return _answer("signed_out", _("Sign in to get browser notifications."), 403)


def _posted(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"null")
    except ValueError:  # not JSON, or not UTF-8
        return None


@require_POST
def subscribe(request: HttpRequest) -> JsonResponse:
    if not request.user.is_authenticated:
        return _signed_out()
    if not push.is_configured():
        return _answer("off", _("Browser notifications are not set up on this site."), 404)
    try:
        keys = push.read_subscription(_posted(request))
    except push.PushRefused as error:
        return _answer(error.code, error.message, error.status)
    push.subscribe_member(user=request.user, keys=keys)
    return _answer("on", _("Browser notifications are on in this browser."), 200)


@require_POST
def unsubscribe(request: HttpRequest) -> JsonResponse:
    """Takes the same JSON as subscribing (only its endpoint is read): a browser that lost its
    subscription already may still say which it was."""
    if not request.user.is_authenticated:
        return _signed_out()
    posted = _posted(request)
    endpoint = posted.get("endpoint") if isinstance(posted, dict) else None
    if not isinstance(endpoint, str) or not endpoint:
        return _answer("endpoint", _("This browser's push address is not one Yixun can use."), 400)
    push.unsubscribe_member(user=request.user, endpoint=endpoint)
    return _answer("off", _("Browser notifications are off in this browser."), 200)


# The public's browsers (the "follow in this browser" button of the subscribe page): no
# account; the JSON also carries the areas and kinds chosen on the page.


@require_POST
def follow(request: HttpRequest) -> JsonResponse:
    if not push.is_configured():
        return _answer("off", _("Browser notifications are not set up on this site."), 404)
    posted = _posted(request)
    chosen = posted if isinstance(posted, dict) else {}
    areas, kinds = chosen.get("areas", []), chosen.get("kinds", [])
    if not isinstance(areas, list) or not isinstance(kinds, list):
        return _answer("invalid", _("Choose towns and streets to follow."), 400)
    try:
        keys = push.read_subscription(posted)
        push_public.follow(keys=keys, area_ids=areas, kinds=kinds, address=client_address(request))
    except push.PushRefused as error:
        return _answer(error.code, error.message, error.status)
    return _answer("on", _("This browser will show the bulletins you chose."), 200)


@require_POST
def unfollow(request: HttpRequest) -> JsonResponse:
    posted = _posted(request)
    endpoint = posted.get("endpoint") if isinstance(posted, dict) else None
    if not isinstance(endpoint, str) or not endpoint:
        return _answer("endpoint", _("This browser's push address is not one Yixun can use."), 400)
    push_public.unfollow(endpoint=endpoint)
    return _answer("off", _("This browser will show no more bulletins."), 200)


@require_http_methods(["GET", "POST"])
def stop(request: HttpRequest, token: str) -> HttpResponse:
    """A notification's stop link: a GET only shows the button (a link checker that opens
    every link stops nothing); its POST stops that browser's notifications."""
    if push_public.stopping(token) is None:
        return render(request, "bulletins/subscribe_invalid.html", status=404)
    if request.method == "POST":
        push_public.stop(token=token)
        return render(request, "bulletins/push_stopped.html")
    return render(request, "bulletins/push_stop.html")


def worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served at the site's root so that its scope is the whole site (a
    script's scope is at most its own folder, unless `Service-Worker-Allowed` widens it)."""
    path = finders.find("yixun/push-sw.js")
    if path is None:
        raise Http404
    response = HttpResponse(Path(path).read_bytes(), content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"  # a new version reaches browsers at their next visit
    return response
