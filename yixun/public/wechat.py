"""The share card: what a page shows when it is passed on.

Weibo, QQ and most other apps read a page's Open Graph tags (base.html writes them, with the
template tags below). WeChat ignores them: a link shared from its built-in browser shows a card
only when the page itself hands WeChat a title, a description and an image through WeChat's
JS-SDK, configured with a signature from an official account's jsapi_ticket. That needs a
verified official account and an ICP-registered domain in its JS safe domains
(docs/configuration.md, "WeChat share card"), so it is off unless `YIXUN_WECHAT_APP_ID` is set.

The ticket is fetched from WeChat's API with an access token and cached (both live 7,200 s). A
failure never costs the page anything: the page is sent without waiting for WeChat (its script
asks `wechat_views.card` for the signature afterwards), and when WeChat cannot be reached the
card is skipped, with a line in the log."""

import hashlib
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from html import unescape
from typing import Any
from urllib.parse import urlencode, urlsplit

from django import template
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.template.base import Parser, Token
from django.template.context import Context
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe

from yixun.lib import markdown
from yixun.lib.http import is_wechat
from yixun.lib.links import site_url

log = logging.getLogger("yixun.wechat")

TOKEN_KEY = "wechat:access-token"  # noqa: S105 - a cache key
TICKET_KEY = "wechat:jsapi-ticket"
FAILED_KEY = "wechat:failed"
# WeChat's token and ticket live 7,200 s; each is kept this much less, so that one is never used
# in its last minutes (WeChat's clock and ours differ, and a page may take a while to be shared).
EARLY_SECONDS = 600
# After a failure, pages go without the card this long instead of each asking WeChat again.
PAUSE_SECONDS = 60
# WeChat answers in well under a second; the page is not waiting, but the person's share is.
TIMEOUT_SECONDS = 5
# WeChat's codes for an access token that is invalid or has expired: fetch a new one next time.
STALE_TOKEN_CODES = {40001, 40014, 42001}


class WeChatUnavailable(Exception):
    """WeChat's API could not be reached, or refused: the card is skipped."""


def is_enabled() -> bool:
    return bool(settings.YIXUN_WECHAT_APP_ID)


def signature(*, ticket: str, noncestr: str, timestamp: int, url: str) -> str:
    """WeChat's JS-SDK signature: SHA-1 of the four fields in ASCII order of their names, as
    `name=value` joined by `&`, the values as they are (the URL not encoded, without its #)."""
    text = f"jsapi_ticket={ticket}&noncestr={noncestr}&timestamp={timestamp}&url={url}"
    return hashlib.sha1(text.encode()).hexdigest()  # noqa: S324 - WeChat's choice, not a secret's


def _get(path: str, params: dict[str, str]) -> dict[str, Any]:
    """One call to WeChat's API. Never logs the address: it carries the secret or the token."""
    url = f"{settings.YIXUN_WECHAT_API}{path}?{urlencode(params)}"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            answer = json.loads(response.read())
    except (OSError, ValueError) as error:  # URLError, timeouts and refusals are OSErrors
        raise WeChatUnavailable(f"{path}: {type(error).__name__}: {error}") from None
    if not isinstance(answer, dict):
        raise WeChatUnavailable(f"{path}: not a JSON object")
    if answer.get("errcode"):
        if answer["errcode"] in STALE_TOKEN_CODES:
            cache.delete(TOKEN_KEY)
        raise WeChatUnavailable(f"{path}: errcode {answer['errcode']}: {answer.get('errmsg', '')}")
    return answer


def _lifetime(answer: dict[str, Any]) -> int:
    """How long to keep what WeChat gave: its `expires_in`, less a margin, and at least a minute."""
    try:
        expires_in = int(answer.get("expires_in", 7200))
    except (TypeError, ValueError):
        expires_in = 7200
    return max(60, min(expires_in, 7200) - EARLY_SECONDS)


def _text(answer: dict[str, Any], field: str, path: str) -> str:
    value = answer.get(field)
    if not isinstance(value, str) or not value:
        raise WeChatUnavailable(f"{path}: no {field} in the answer")
    return value


def access_token() -> str:
    token: str | None = cache.get(TOKEN_KEY)
    if token:
        return token
    path = "/cgi-bin/token"
    answer = _get(
        path,
        {
            "grant_type": "client_credential",
            "appid": settings.YIXUN_WECHAT_APP_ID,
            "secret": settings.YIXUN_WECHAT_APP_SECRET,
        },
    )
    token = _text(answer, "access_token", path)
    cache.set(TOKEN_KEY, token, _lifetime(answer))
    return token


def jsapi_ticket() -> str:
    ticket: str | None = cache.get(TICKET_KEY)
    if ticket:
        return ticket
    path = "/cgi-bin/ticket/getticket"
    answer = _get(path, {"access_token": access_token(), "type": "jsapi"})
    ticket = _text(answer, "ticket", path)
    cache.set(TICKET_KEY, ticket, _lifetime(answer))
    return ticket


@dataclass(frozen=True)
class Card:
    """What `wx.config` needs for one page address."""

    app_id: str
    timestamp: int
    nonce: str
    signature: str

    def as_json(self) -> dict[str, object]:
        return {
            "appId": self.app_id,
            "timestamp": self.timestamp,
            "nonceStr": self.nonce,
            "signature": self.signature,
        }


def card_for(url: str) -> Card | None:
    """The signed configuration for the page at `url`; None when the card is off or WeChat
    cannot be reached (the failure is logged, and WeChat left alone for `PAUSE_SECONDS`)."""
    if not is_enabled() or cache.get(FAILED_KEY):
        return None
    try:
        ticket = jsapi_ticket()
    except WeChatUnavailable as error:
        log.warning("WeChat share card skipped: %s", error)
        cache.set(FAILED_KEY, True, PAUSE_SECONDS)
        return None
    timestamp = int(time.time())
    nonce = secrets.token_urlsafe(12)
    return Card(
        app_id=settings.YIXUN_WECHAT_APP_ID,
        timestamp=timestamp,
        nonce=nonce,
        signature=signature(ticket=ticket, noncestr=nonce, timestamp=timestamp, url=url),
    )


def is_ours(url: str, request: HttpRequest) -> bool:
    """A page of this site: at the public address, or at the one the request came to."""
    try:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or parts.fragment or not parts.path.startswith("/"):
        return False
    return origin in {site_url(), f"{request.scheme}://{request.get_host()}"}


# base.html's tags: `{% load share_card %}` (the `libraries` option of TEMPLATES in settings).

register = template.Library()


@dataclass(frozen=True)
class Sharing:
    site_url: str
    association: str
    wechat: bool


@register.simple_tag(takes_context=True)
def sharing(context: Context) -> Sharing:
    """`{% sharing as share %}`: the site's public address (for og:url and og:image), the
    association's name, and whether this page loads WeChat's card (a public page opened in
    WeChat, with the card set up)."""
    request: HttpRequest | None = context.get("request")
    user = context.get("user")
    public = not getattr(user, "is_authenticated", False)
    return Sharing(
        site_url=site_url(),
        association=settings.YIXUN_ASSOCIATION_NAME,
        wechat=bool(request and public and is_enabled() and is_wechat(request)),
    )


@register.filter
def summary(source: str, length: int = 120) -> str:
    """The start of a Markdown text as plain text of at most `length` characters, for a page's
    description. Only the start is rendered: a description never needs the rest."""
    html = markdown.render(source[: length * 8])
    text = " ".join(unescape(strip_tags(html)).split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


class CaptureNode(template.Node):
    def __init__(self, nodelist: template.NodeList, name: str) -> None:
        self.nodelist = nodelist
        self.name = name

    def render(self, context: Context) -> str:
        # What the block renders is already escaped (variables are, literal text is ours).
        context[self.name] = mark_safe(" ".join(self.nodelist.render(context).split()))  # noqa: S308
        return ""


@register.tag
def capture(parser: Parser, token: Token) -> CaptureNode:
    """`{% capture as name %}...{% endcapture %}`: render once, use twice. A block may appear
    only once in a template, and the title shows in <title> and og:title; the blocks inside
    stay blocks that child templates fill. Whitespace runs become one space."""
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("Use {% capture as name %}...{% endcapture %}.")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])
