from django_tasks import task

from yixun.accounts.messaging import Message, get_sender


@task()
def deliver_message(to: str, subject: str, body: str) -> None:
    """Hand one message to the configured sender, outside the request that caused it."""
    get_sender().send(Message(to=to, subject=subject, body=body))
