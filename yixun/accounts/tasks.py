from django_tasks import task
from django_tasks.base import TaskContext

from yixun.accounts.messaging import Message, get_sender
from yixun.lib import phone as phones
from yixun.worker.models import Delivery
from yixun.worker.services import deliveries


@task(takes_context=True)
@deliveries.outward
def deliver_message(
    context: TaskContext,
    to: str,
    subject: str,
    body: str,
    key: str = "",
    about: str = "",
    template: str = "",
    params: dict[str, str] | None = None,
) -> None:
    """Hand one message to the configured sender, outside the request that caused it.

    The delivery key is the caller's, or the queued task's id: the same on every run of it, so
    that a run cut off mid-send and run again sends under the same key, and a run after the
    message went out sends nothing."""
    key = key or f"message-{context.task_result.id}"
    delivery = deliveries.begin(
        key=key, channel=Delivery.Channel.MESSAGE, recipient=phones.mask(to), about=about
    )
    if delivery is None:
        return
    try:
        get_sender().send(
            Message(
                to=to,
                subject=subject,
                body=body,
                key=key,
                template=template,
                params=params or {},
            )
        )
    except Exception as error:
        # The log keeps the gateway's answer, but not the number should the answer repeat it,
        # nor the message (a sign-in code, a reset link).
        masked = phones.mask(to)
        answer = repr(error)
        for written in (to, phones.national(to), phones.display(to)):
            answer = answer.replace(written, masked)
        if body:
            answer = answer.replace(body, "[message]")
        deliveries.record_failure(delivery, answer=answer, final=True)
        # Not the gateway's error itself: its text and its traceback would carry the number
        # into the worker's log and the task's row.
        raise deliveries.DeliveryFailed(answer) from None
    deliveries.record_sent(delivery)
