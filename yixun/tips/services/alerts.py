"""Telling people about tips: the moderators on duty (or every moderator when nobody is), the
officers when a clock runs out, and the group robots (WeCom, DingTalk, Feishu) if configured.
A robot that fails is retried; after the last try the failure is put in the audit trail."""

import datetime as dt
import json
import logging
import urllib.request
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from yixun.accounts import services as accounts
from yixun.accounts.models import User
from yixun.audit import services as audit
from yixun.tips.models import Tip
from yixun.tips.services.duty import moderators, moderators_on_duty

log = logging.getLogger("yixun.tips")
RETRIES = (dt.timedelta(seconds=30), dt.timedelta(minutes=2), dt.timedelta(minutes=10))


def _link(tip: Tip) -> str:
    return settings.YIXUN_SITE_URL.rstrip("/") + reverse("tips:detail", args=[tip.pk])


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
            deliver_to_robot.enqueue(url, f"{subject}\n{body}", 0)


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


@task()
def deliver_to_robot(url: str, text: str, attempt: int) -> bool:
    """Post to a group robot; on failure try again later, and in the end say so in the trail."""
    request = urllib.request.Request(  # noqa: S310 - an address the officers configured
        url,
        data=json.dumps(robot_payload(url, text)).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            answer = json.loads(response.read() or b"{}")
        # The robots answer 200 with an error code of their own when they refuse.
        if answer.get("errcode", 0) not in (0, None) or answer.get("code", 0) not in (0, None):
            raise OSError(f"refused: {answer}")
        return True
    except (OSError, ValueError) as error:
        if attempt < len(RETRIES):
            deliver_to_robot.using(run_after=timezone.now() + RETRIES[attempt]).enqueue(
                url, text, attempt + 1
            )
        else:
            robot = url.split("?")[0]  # the query holds the robot's secret key
            log.error("group robot %s failed after %s tries: %s", robot, attempt + 1, error)
            audit.record(
                actor=None,
                action="tips.robot.failed",
                data={"robot": robot, "tries": attempt + 1, "error": str(error)[:200]},
            )
        return False
