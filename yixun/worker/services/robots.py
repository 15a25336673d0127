"""Group robots (WeCom, DingTalk, Feishu): each provider's JSON, the signing of those that sign,
one post, and one try of a delivery in the delivery log with its retry. The tips' alerts and the
bulletins' robots both post through here.

Every post is in the delivery log under one key for all its tries, sent as `Idempotency-Key`
(and `X-Delivery-Key`), so that a receiver can drop a post it has already had. A robot refuses
with a 200 and an error code of its own (WeCom's and DingTalk's `errcode`, Feishu's `code`):
that is a failure like any other, tried again after `RETRIES`."""

import base64
import datetime as dt
import hashlib
import hmac
import http.client
import json
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus, urlsplit

from django.db import transaction
from django.utils import timezone

from yixun.worker.models import Delivery
from yixun.worker.services import deliveries

# The pauses before the second, third and fourth tries; after the fourth the failure is final.
RETRIES = (dt.timedelta(seconds=30), dt.timedelta(minutes=2), dt.timedelta(minutes=10))
# A robot that has not answered by then is taken as down: its task must not hold a worker long.
TIMEOUT_SECONDS: float = 10

# The providers, as `bulletins.Robot.Provider` names them.
WECOM, DINGTALK, FEISHU = "wecom", "dingtalk", "feishu"
FAILURES = (OSError, ValueError, http.client.HTTPException)


@dataclass(frozen=True)
class Hook:
    """A robot's webhook: its address (a credential: the token is in it) and, for DingTalk and
    Feishu robots with signing on, the secret they sign with."""

    url: str
    provider: str
    secret: str = ""


def provider_of(url: str) -> str:
    """The provider of a bare address (the tips' robots are configured as addresses only)."""
    if "feishu" in url or "larksuite" in url:
        return FEISHU
    if "dingtalk" in url:
        return DINGTALK
    return WECOM


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature, before URL-encoding: HMAC-SHA256 keyed with the secret over
    "<timestamp in ms>\\n<secret>", in base64."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's signature: HMAC-SHA256 keyed with "<timestamp in s>\\n<secret>" over nothing,
    in base64 (the key is the string to sign: Feishu's own examples do it this way round)."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def payload(hook: Hook, text: str, *, now: float) -> dict[str, Any]:
    """The robot's own JSON: Feishu's differs from WeCom's and DingTalk's, and carries its
    signature in the body."""
    if hook.provider == FEISHU:
        body: dict[str, Any] = {"msg_type": "text", "content": {"text": text}}
        if hook.secret:
            timestamp = int(now)
            body |= {"timestamp": str(timestamp), "sign": feishu_sign(hook.secret, timestamp)}
        return body
    return {"msgtype": "text", "text": {"content": text}}


def address(hook: Hook, *, now: float) -> str:
    """Where to post: DingTalk's signature goes in the query, made afresh for each try (it
    refuses one more than an hour old)."""
    if hook.provider != DINGTALK or not hook.secret:
        return hook.url
    timestamp = int(now * 1000)
    sign = quote_plus(dingtalk_sign(hook.secret, timestamp))
    joiner = "&" if urlsplit(hook.url).query else "?"
    return f"{hook.url}{joiner}timestamp={timestamp}&sign={sign}"


def masked(url: str) -> str:
    """The robot as the logs and the audit trail name it: its scheme and host only. Its secret
    is in the query (WeCom's key, DingTalk's access_token) or in the path (Feishu's
    /open-apis/bot/v2/hook/<token>), and a password could be in the user part."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host:  # not an address at all (no scheme): the post fails, and says so
        return "-"
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # no number: the post fails, and says so
        port = ""
    return f"{parts.scheme}://{host}{port}"


def without_secret(text: str, url: str) -> str:
    """An error's text without the robot's address: urllib repeats the address, or its path,
    when it refuses one (an unknown scheme, a space in the path)."""
    parts = urlsplit(url)
    for secret in (url, parts.path + ("?" + parts.query if parts.query else ""), parts.path):
        if secret.strip("/"):
            text = text.replace(secret, "…")
    return text


def post(hook: Hook, text: str, key: str) -> str:
    """One POST; returns the robot's answer, raises OSError, ValueError or HTTPException when
    it refuses (or when the address or the answer is no HTTP at all)."""
    now = time.time()
    request = urllib.request.Request(  # noqa: S310 - an address the officers configured
        address(hook, now=now),
        data=json.dumps(payload(hook, text, now=now)).encode(),
        headers={"Content-Type": "application/json", "Idempotency-Key": key, "X-Delivery-Key": key},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        raw = response.read() or b"{}"
    answer = json.loads(raw)
    if not isinstance(answer, dict):
        raise ValueError(f"not a robot's answer: {raw[:200]!r}")
    # The robots answer 200 with an error code of their own when they refuse.
    if answer.get("errcode", 0) not in (0, None) or answer.get("code", 0) not in (0, None):
        raise OSError(f"refused: {answer}")
    return raw.decode(errors="replace")


def deliver(
    hook: Hook,
    text: str,
    *,
    key: str,
    attempt: int,
    recipient: str,
    about: str = "",
    again: Callable[[dt.datetime], object],
    give_up: Callable[[str, int], object],
) -> bool:
    """One try of one delivery, from inside an `@outward` task: True once it is sent.

    On a failure, `again(run_after)` queues the next try, or after the last one
    `give_up(why, tries)` says so (the log, the audit trail); either is called by one run only,
    in the transaction that records the failure. A run cut off mid-request (its worker killed)
    is run again and posts under the same key; a run after the post was recorded sends nothing."""
    delivery = deliveries.begin(
        key=key, channel=Delivery.Channel.ROBOT, recipient=recipient, retry=attempt, about=about
    )
    if delivery is None:  # an earlier run sent it, or recorded this try's failure
        return Delivery.objects.filter(key=key, status=Delivery.Status.SENT).exists()
    try:
        answer = post(hook, text, key)
    except FAILURES as error:
        final = attempt >= len(RETRIES)
        why = without_secret(str(error), hook.url)
        with transaction.atomic():
            if deliveries.record_failure(delivery, answer=why, final=final):
                if final:
                    give_up(why, attempt + 1)
                else:
                    again(timezone.now() + RETRIES[attempt])
        return False
    deliveries.record_sent(delivery, answer=answer)
    return True
