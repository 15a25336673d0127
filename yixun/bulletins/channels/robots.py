"""Bulletins posted to the group robots of the squads' and areas' chat groups (WeCom, DingTalk,
Feishu), through the worker's `services.robots` as the tips' alerts are.

Each robot's post is a task of its own, keyed `bulletin-<id>-r<revision>-robot-<robot id>`, so a
robot that is down holds up no other, its retries never post twice what arrived, and a
correction or a withdrawal (a new revision) posts again. The task carries the robot's id, never
its address or secret: those are read when it posts, so a robot fixed by an officer between two
tries is posted to as it is now."""

import datetime as dt
import logging
import re

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from yixun.audit import services as audit
from yixun.bulletins import channels
from yixun.bulletins.cap import plain_text
from yixun.bulletins.models import Bulletin, BulletinChange, Robot
from yixun.lib.links import absolute
from yixun.worker.models import Delivery
from yixun.worker.services import deliveries, robots

log = logging.getLogger("yixun.bulletins")
EXCERPT = 300  # characters of the text a robot's post shows; the link leads to the rest
KEY = re.compile(r"^bulletin-(?P<bulletin>\d+)-r(?P<revision>\d+)-robot-(?P<robot>\d+)$")


def key_for(bulletin: Bulletin, revision: int, robot_id: int) -> str:
    return f"bulletin-{bulletin.pk}-r{revision}-robot-{robot_id}"


def robots_for(bulletin: Bulletin) -> QuerySet[Robot]:
    """The active robots a bulletin is posted to: every one for the public or all members;
    otherwise those of its squads, and those of its areas, of the areas under them and of the
    squads there (whose members have it in their inboxes: their group should hear it too)."""
    active = Robot.objects.filter(is_active=True)
    if (bulletin.to_public or bulletin.to_members) and not bulletin.is_targeted:
        return active
    chosen = Q(squad__in=bulletin.squads.all())
    for path in bulletin.areas.values_list("path", flat=True):
        chosen |= Q(area__path__startswith=path) | Q(squad__area__path__startswith=path)
    return active.filter(chosen)


def _excerpt(bulletin: Bulletin) -> str:
    text = plain_text(bulletin)
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


def compose(bulletin: Bulletin, revision: int) -> str:
    """The post for one revision, in the site's language (a group has many readers): the
    bulletin itself, or its correction or withdrawal with what changed. A withdrawal shows no
    text any more: a closed urgent alert keeps the missing person's description out of it."""
    change = bulletin.changes.filter(revision=revision).first() if revision else None
    link = absolute(reverse("bulletins:detail", args=[bulletin.pk]))
    with translation.override(settings.LANGUAGE_CODE):
        heading = _("[%(kind)s] %(title)s") % {
            "kind": bulletin.get_kind_display(),
            "title": bulletin.title,
        }
        if change is None:
            return f"{heading}\n{_excerpt(bulletin)}\n{link}"
        if change.kind == BulletinChange.Kind.CANCEL:
            withdrawn = _("Withdrawn:")  # outside the f-string, where makemessages finds it
            return f"{withdrawn} {heading}\n{change.note}\n{link}"
        corrected = _("Correction:")
        return f"{corrected} {heading}\n{change.note}\n\n{_excerpt(bulletin)}\n{link}"


def queue(bulletin: Bulletin, revision: int) -> int:
    """Queue one post per robot the bulletin is for; returns how many."""
    robot_ids = list(robots_for(bulletin).values_list("pk", flat=True))
    if not robot_ids:
        return 0
    text = compose(bulletin, revision)
    for robot_id in robot_ids:
        post.enqueue(
            robot_id, text, 0, key_for(bulletin, revision, robot_id), channels.about(bulletin)
        )
    return len(robot_ids)


def _recipient(robot: Robot) -> str:
    """The robot as the delivery log names it: its name and scheme and host, never its token."""
    return f"{robot.name} ({robots.masked(robot.url)})"


def _record_failure(key: str, robot: str, tries: int, why: str) -> None:
    log.error("group robot %s failed after %s tries: %s", robot, tries, why)
    match = KEY.match(key)
    bulletin = Bulletin.objects.filter(pk=int(match["bulletin"])).first() if match else None
    if bulletin is not None:  # deleted since: its trail went with it
        audit.record(
            actor=None,
            action="bulletins.bulletin.robot_failed",
            target=bulletin,
            data={"robot": robot, "tries": tries, "error": why[:200]},
        )


@task()
@deliveries.outward
def post(robot_id: int, text: str, attempt: int, key: str, about: str) -> bool:
    """Post a bulletin to one robot; on failure try again later, and in the end say so in the
    bulletin's trail. A robot removed or switched off since is not posted to: that is final."""
    robot = Robot.objects.filter(pk=robot_id, is_active=True).first()
    if robot is None:
        delivery = deliveries.begin(
            key=key, channel=Delivery.Channel.ROBOT, recipient=f"#{robot_id}", retry=attempt,
            about=about,
        )  # fmt: skip
        if delivery is not None:
            with transaction.atomic():
                why = "robot removed or switched off"
                if deliveries.record_failure(delivery, answer=why, final=True):
                    _record_failure(key, delivery.recipient, attempt + 1, why)
        return False

    def again(run_after: dt.datetime) -> None:
        post.using(run_after=run_after).enqueue(robot_id, text, attempt + 1, key, about)

    def give_up(why: str, tries: int) -> None:
        _record_failure(key, _recipient(robot), tries, why)

    return robots.deliver(
        robots.Hook(url=robot.url, provider=robot.provider, secret=robot.secret),
        text,
        key=key,
        attempt=attempt,
        recipient=_recipient(robot),
        about=about,
        again=again,
        give_up=give_up,
    )


def resend(delivery: Delivery) -> bool:
    """Queue a robot post that failed for good once more, under its own key and a fresh retry
    number: the officers' "resend what failed". Its text is made again from the bulletin as it
    is now. Returns whether it was queued: one that was sent, or queued again already, is not."""
    match = KEY.match(delivery.key)
    if match is None or delivery.channel != Delivery.Channel.ROBOT:
        return False
    bulletin = Bulletin.objects.filter(pk=int(match["bulletin"])).first()
    if bulletin is None:
        return False
    text = compose(bulletin, int(match["revision"]))
    with transaction.atomic():
        if not channels.reopen(delivery):  # two officers pressing at once queue it once
            return False
        post.enqueue(int(match["robot"]), text, delivery.retry, delivery.key, delivery.about)
    return True
