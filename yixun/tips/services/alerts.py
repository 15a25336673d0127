"""Telling people about tips: the moderators on duty (or every moderator when nobody is), the
officers when a clock runs out, and the group robots (WeCom, DingTalk, Feishu) if configured.
A robot that fails is retried; after the last try the failure is put in the audit trail.
Every post is in the delivery log under one key for all its tries, sent as `Idempotency-Key`
(and `X-Delivery-Key`), so that a receiver can drop a post it has already had."""

import datetime as dt
import http.client
import json
import logging
import urllib.request
import uuid
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from yixun.accounts import services as accounts
from yixun.accounts.models import User
from yixun.audit import services as audit
from yixun.lib.links import absolute
from yixun.tips.models import Tip
from yixun.tips.services.duty import moderators, moderators_on_duty
from yixun.worker.models import Delivery
from yixun.worker.services import deliveries

log = logging.getLogger("yixun.tips")
RETRIES = (dt.timedelta(seconds=30), dt.timedelta(minutes=2), dt.timedelta(minutes=10))


def _link(tip: Tip) -> str:
    return absolute(reverse("tips:detail", args=[tip.pk]))


def _tell(people: Iterable[User], compose: Any) -> None:
    for user in {person.pk: person for person in people if not person.is_erased}.values():
        with translation.override(user.language):
            subject, body = compose()
            accounts.send_message(phone=user.phone, subject=subject, body=body)


def announce(tip_id: int) -> None:
    """A new tip: the moderators on duty hear of it at once, and the group robots."""
    tip = Tip.objects.filter(pk=tip_id).first()
    if tip is None:
        return
    people = moderators_on_duty() or list(moderators())

    def compose() -> tuple[str, str]:
        urgent = _("URGENT") + " " if tip.is_urgent else ""
        return (
            urgent + _("New tip: %(category)s") % {"category": tip.get_category_display()},
            f"{tip.text[:80]}\n{_link(tip)}",
        )

    with transaction.atomic():  # a dozen queued messages, written and committed at once
        _tell(people, compose)
        with translation.override(settings.LANGUAGE_CODE):
            subject, body = compose()
        for url in settings.YIXUN_TIP_ROBOTS:
            deliver_to_robot.enqueue(url, f"{subject}\n{body}", 0, f"robot-{uuid.uuid4().hex}")


def escalate(tip: Tip, officers: Iterable[User], next_moderators: Iterable[User]) -> None:
    def compose() -> tuple[str, str]:
        return (
            _("A tip missed its deadline: %(category)s") % {"category": tip.get_category_display()},
            f"{tip.text[:80]}\n{_link(tip)}",
        )

    _tell([*officers, *next_moderators], compose)


def robot_payload(url: str, text: str) -> dict[str, Any]:
    """The group robot's own JSON: Feishu's differs from WeCom's and DingTalk's."""
    if "feishu" in url or "larksuite" in url:
        return {"msg_type": "text", "content": {"text": text}}
    return {"msgtype": "text", "text": {"content": text}}


def _robot(url: str) -> str:
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


def _without_secret(text: str, url: str) -> str:
    """An error's text without the robot's address: urllib repeats the address, or its path,
    when it refuses one (an unknown scheme, a space in the path)."""
    parts = urlsplit(url)
    for secret in (url, parts.path + ("?" + parts.query if parts.query else ""), parts.path):
        if secret.strip("/"):
            text = text.replace(secret, "…")
    return text


def post_to_robot(url: str, text: str, key: str) -> str:
    """One POST; returns the robot's answer, raises OSError, ValueError or HTTPException when
    it refuses (or when the address or the answer is no HTTP at all)."""
    request = urllib.request.Request(  # noqa: S310 - an address the officers configured
        url,
        data=json.dumps(robot_payload(url, text)).encode(),
        headers={"Content-Type": "application/json", "Idempotency-Key": key, "X-Delivery-Key": key},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        raw = response.read() or b"{}"
    answer = json.loads(raw)
    # The robots answer 200 with an error code of their own when they refuse.
    if answer.get("errcode", 0) not in (0, None) or answer.get("code", 0) not in (0, None):
        raise OSError(f"refused: {answer}")
    return raw.decode(errors="replace")


@task()
@deliveries.outward
def deliver_to_robot(url: str, text: str, attempt: int, key: str = "") -> bool:
    """Post to a group robot; on failure try again later, and in the end say so in the trail.

    One delivery, one key, for every try and every run: a run cut off mid-request (its worker
    killed) is run again and posts under the same key."""
    key = key or "robot-" + deliveries.key_of(url, text)  # queued before posts had keys
    delivery = deliveries.begin(
        key=key, channel=Delivery.Channel.ROBOT, recipient=_robot(url), retry=attempt
    )
    if delivery is None:  # an earlier run sent it, or recorded this try's failure
        return Delivery.objects.filter(key=key, status=Delivery.Status.SENT).exists()
    try:
        answer = post_to_robot(url, text, key)
    except (OSError, ValueError, http.client.HTTPException) as error:
        final = attempt >= len(RETRIES)
        why = _without_secret(str(error), url)
        with transaction.atomic():
            if not deliveries.record_failure(delivery, answer=why, final=final):
                return False
            if not final:
                deliver_to_robot.using(run_after=timezone.now() + RETRIES[attempt]).enqueue(
                    url, text, attempt + 1, key
                )
            else:
                log.error("group robot %s failed after %s tries: %s", _robot(url), attempt + 1, why)
                audit.record(
                    actor=None,
                    action="tips.robot.failed",
                    data={"robot": _robot(url), "tries": attempt + 1, "error": why[:200]},
                )
        return False
    deliveries.record_sent(delivery, answer=answer)
    return True
