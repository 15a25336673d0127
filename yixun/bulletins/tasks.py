from django_tasks import task


@task()
def fan_out(bulletin_id: int, revision: int) -> int:
    """Put a bulletin, or its correction or withdrawal, in its people's inboxes; then the pages
    they have open hear of it. Runs in the worker, in one transaction with marking the task
    done, so a worker killed midway leaves nothing half-written."""
    from yixun.bulletins.delivery import deliver

    return deliver(bulletin_id, revision)
