from django_tasks import task


@task()
def announce_tip(tip_id: int) -> None:
    """A new tip, in the worker: a message to each moderator on duty (or every moderator), the
    group robots, and its two clocks. The request that took the tip queued only this, in the
    tip's own transaction; the worker runs it in one transaction with marking it done, so each
    message and clock is queued once, even if the worker is killed midway."""
    from yixun.tips.models import Tip
    from yixun.tips.services import alerts, clocks

    tip = Tip.objects.filter(pk=tip_id).first()
    if tip is None:
        return
    alerts.announce(tip.pk)
    clocks.start_clocks(tip)


@task()
def start_tip_clocks(tip_id: int) -> None:
    """A new tip whose moderators are told by whoever took it in (an urgent alert's sighting):
    its two clocks alone."""
    from yixun.tips.models import Tip
    from yixun.tips.services import clocks

    tip = Tip.objects.filter(pk=tip_id).first()
    if tip is not None:
        clocks.start_clocks(tip)


@task()
def check_clock(tip_id: int) -> int:
    """When a tip's clock runs out: escalate what is overdue (this tip, and any other)."""
    from yixun.tips.services.clocks import escalate_overdue

    return escalate_overdue()
