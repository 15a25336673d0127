"""The channels a bulletin goes out on besides the site, the feeds and the inbox. Each module's
`queue(bulletin, revision) -> int` queues its deliveries (one outward task each, keyed, in the
delivery log under `about="bulletins.bulletin:<id>"`) and returns how many. The fan-out calls
them in the worker, in its own transaction; a channel that is down holds up no other, since
each delivery is a task of its own.

Each module's `resend(delivery) -> bool` queues one delivery that failed for good once more,
under its own key: the officers' "send again what failed" (`resend_failed`)."""

from collections.abc import Callable
from typing import Any

from django.db.models import Count, QuerySet

from yixun.audit import services as audit
from yixun.bulletins.channels import email, push, robots, sms
from yixun.bulletins.models import Bulletin
from yixun.worker.models import Delivery


def about(bulletin: Bulletin) -> str:
    return f"bulletins.bulletin:{bulletin.pk}"


def log_of(bulletin: Bulletin) -> "QuerySet[Delivery]":
    """A bulletin's delivery log, the latest first: the page and the API read it here."""
    return Delivery.objects.filter(about=about(bulletin)).order_by("-created_at", "-pk")


def counts(rows: "QuerySet[Delivery]") -> dict[str, dict[str, int]]:
    """How many deliveries of each channel are queued, sent and failed."""
    found: dict[str, dict[str, int]] = {}
    for row in rows.values("channel", "status").annotate(n=Count("pk")).order_by("channel"):
        found.setdefault(row["channel"], {})[row["status"]] = row["n"]
    return found


def queue_all(bulletin: Bulletin, revision: int) -> dict[str, int]:
    return {
        "robots": robots.queue(bulletin, revision),
        "mails": email.queue(bulletin, revision),
        "sms": sms.queue(bulletin, revision),
        "push": push.queue(bulletin, revision),
    }


def reopen(delivery: Delivery, *, retry: int | None = None) -> bool:
    """Compare-and-set a delivery that failed for good back to queued (and, for a task that
    counts no retries, its retry number back to `retry`); returns whether this call did it.
    Two officers pressing at once reopen it once; one sent, or queued again, is left alone.
    Call it in the transaction that queues the task again."""
    reopened = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.FAILED).update(
        status=Delivery.Status.QUEUED, **({} if retry is None else {"retry": retry})
    )
    if reopened:
        delivery.refresh_from_db()
    return bool(reopened)


# What each channel's deliveries are counted as in the trail (the fan-out's names), and how
# each is sent again.
RESENDERS: dict[str, tuple[str, Callable[[Delivery], bool]]] = {
    Delivery.Channel.ROBOT: ("robots", robots.resend),
    Delivery.Channel.EMAIL: ("mails", email.resend),
    Delivery.Channel.MESSAGE: ("sms", sms.resend),
    Delivery.Channel.PUSH: ("push", push.resend),
}


def resend_failed(*, actor: Any, bulletin: Bulletin) -> dict[str, int]:
    """Queue again every delivery of this bulletin that failed for good, on every channel;
    returns how many went out again on each. One that is no longer wanted (a newer revision
    went out, the member turned the channel off, the browser is gone) is left as it failed."""
    resent = dict.fromkeys([name for name, _resend in RESENDERS.values()], 0)
    failed = Delivery.objects.filter(about=about(bulletin), status=Delivery.Status.FAILED)
    for delivery in failed.order_by("pk"):
        name, resend = RESENDERS[delivery.channel]
        resent[name] += resend(delivery)
    total = sum(resent.values())
    if total:
        audit.record(
            actor=actor,
            action="bulletins.bulletin.deliveries_resent",
            target=bulletin,
            data={"resent": total, **resent},
        )
    return resent
