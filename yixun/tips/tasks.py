from django_tasks import task


@task()
def check_clock(tip_id: int) -> int:
    """When a tip's clock runs out: escalate what is overdue (this tip, and any other)."""
    from yixun.tips.services.clocks import escalate_overdue

    return escalate_overdue()
