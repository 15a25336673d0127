"""The push endpoint, as a plain ASGI application in front of Django's.

Thousands of pages stay connected for hours, so a stream takes no part of Django's request
cycle: no thread of its own and no database connection held (Django's ASGI handler gives each
request both, for as long as it lasts). It checks the host as Django does, finds the person
from the session cookie on the shared pool of threads, and sends the events of
`yixun.live.streams` until the browser goes away."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from django.conf import settings
from django.contrib import auth
from django.http import HttpRequest
from django.http.request import split_domain_port, validate_host
from django.utils.module_loading import import_string

from yixun.live.streams import elsewhere, number, stream
from yixun.live.topics import TOPICS

PATH = "/live/events"
log = logging.getLogger("yixun.live")
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def person(session_key: str) -> Any:
    """Who the session belongs to, as Django's authentication finds them for a page (the
    session's user, their backend, and the hash that a password change invalidates)."""
    request = HttpRequest()
    request.session = import_string(settings.SESSION_ENGINE).SessionStore(session_key)
    return auth.get_user(request)


async def answer(send: Send, status: int) -> None:
    await send(
        {"type": "http.response.start", "status": status, "headers": [(b"content-length", b"0")]}
    )
    await send({"type": "http.response.body", "body": b""})


async def events(scope: Scope, receive: Receive, send: Send) -> None:
    headers = {
        name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]
    }
    domain, _port = split_domain_port(headers.get("host", ""))
    allowed = settings.ALLOWED_HOSTS or (
        ["localhost", "127.0.0.1", "[::1]"] if settings.DEBUG else []
    )
    if not domain or not validate_host(domain, allowed):
        await answer(send, 400)
        return
    cookies = SimpleCookie()
    with contextlib.suppress(Exception):
        cookies.load(headers.get("cookie", ""))
    key = (
        cookies[settings.SESSION_COOKIE_NAME].value
        if settings.SESSION_COOKIE_NAME in cookies
        else ""
    )
    user = await elsewhere(person)(key) if key else None
    if user is None or not user.is_authenticated:
        await answer(send, 403)
        return
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    asked = {
        name for value in query.get("topics", []) for name in value.split(",") if name in TOPICS
    }
    topics = frozenset(name for name in asked if TOPICS[name].may_follow(user))
    if not topics:
        await answer(send, 403)
        return
    since = number(headers.get("last-event-id"))
    if since is None:
        since = number((query.get("since") or [""])[0])
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"text/event-stream; charset=utf-8"),
                (b"cache-control", b"no-store"),
                (b"x-accel-buffering", b"no"),  # nginx passes each event on at once
            ],
        }
    )

    async def again() -> Any:
        fresh = await elsewhere(person)(key)
        return fresh if fresh.is_authenticated and fresh.pk == user.pk else None

    async def sending() -> None:
        async for text in stream(user, topics, since, again):
            await send({"type": "http.response.body", "body": text.encode(), "more_body": True})
        # Signed out meanwhile: the stream ends, and the browser's next try is refused.
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def gone() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    tasks = [asyncio.ensure_future(sending()), asyncio.ensure_future(gone())]
    try:
        done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                log.error("A live stream failed", exc_info=task.exception())
                with contextlib.suppress(Exception):  # the browser tries again in a while
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
    finally:
        for task in tasks:
            task.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.gather(*tasks, return_exceptions=True)


def with_push(django: Any) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """Django's ASGI application, with the push endpoint answered before it."""

    async def application(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == PATH:
            await events(scope, receive, send)
        else:
            await django(scope, receive, send)

    return application
