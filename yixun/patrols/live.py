"""Duty as a live topic: check-ins, check-outs and no-shows pushed to the on-duty list and map,
and to the homes that count them, for those the duty's own door lets see that duty."""

from typing import Any

from yixun.live.topics import Topic


def may_see(user: Any, ref: str) -> bool:
    from yixun.patrols.models import Duty

    return ref.isdigit() and Duty.objects.visible_to(user).filter(pk=int(ref)).exists()


DUTY = Topic(
    name="duty",
    codes=("patrols.duty.",),
    ref=lambda duty: duty.pk,
    may_follow=lambda user: True,
    may_see=may_see,
)
