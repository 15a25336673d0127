"""Tips as a live topic: every change the trail records of a tip is pushed to the pages open on
the queue or on that tip, to those who may see it through the queue's own door."""

from typing import Any

from yixun.live.topics import Topic


def may_see(user: Any, ref: str) -> bool:
    from yixun.tips.models import Tip

    return ref.isdigit() and Tip.objects.visible_to(user).filter(pk=int(ref)).exists()


TIPS = Topic(
    name="tips",
    codes=("tips.tip.",),
    ref=lambda tip: tip.pk,
    may_follow=lambda user: True,  # a member follows the tips they sent; the door decides each
    may_see=may_see,
)
