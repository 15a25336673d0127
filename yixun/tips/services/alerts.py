"""Telling people about tips: the moderators on duty (or every moderator when nobody is), the
officers when a clock runs out, and the group robots (WeCom, DingTalk, Feishu) if configured.
A robot that fails is retried; after the last try the failure is put in the audit trail. The
posting itself (the providers' JSON, the delivery log, the retries) is the worker's
`services.robots`, which the bulletins' robots use too."""

import datetime as dt
import logging
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from yixun.accounts import services as accounts
from yixun.accounts.models import User
from yixun.audit import services as audit
from yixun.lib.links import absolute
from yixun.tips.models import Tip
from yixun.tips.services.duty import moderators, moderators_on_duty
from yixun.worker.services import deliveries, robots

log = logging.getLogger("yixun.tips")
RETRIES = robots.RETRIES


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


@task()
@deliveries.outward
def deliver_to_robot(url: str, text: str, attempt: int, key: str = "") -> bool:
    """Post to a group robot; on failure try again later, and in the end say so in the trail.

    One delivery, one key, for every try and every run: a run cut off mid-request (its worker
    killed) is run again and posts under the same key."""
    key = key or "robot-" + deliveries.key_of(url, text)  # queued before posts had keys

    def again(run_after: dt.datetime) -> None:
        deliver_to_robot.using(run_after=run_after).enqueue(url, text, attempt + 1, key)

    def give_up(why: str, tries: int) -> None:
        log.error("group robot %s failed after %s tries: %s", robots.masked(url), tries, why)
        audit.record(
            actor=None,
            action="tips.robot.failed",
            data={"robot": robots.masked(url), "tries": tries, "error": why[:200]},
        )

    hook = robots.Hook(url=url, provider=robots.provider_of(url))
    return robots.deliver(
        hook,
        text,
        key=key,
        attempt=attempt,
        recipient=robots.masked(url),
        again=again,
        give_up=give_up,
    )
