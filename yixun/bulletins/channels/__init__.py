"""The channels a bulletin goes out on besides the site, the feeds and the inbox. Each module's
`queue(bulletin, revision) -> int` queues its deliveries (one outward task each, keyed, in the
delivery log under `about="bulletins.bulletin:<id>"`) and returns how many. The fan-out calls
them in the worker, in its own transaction; a channel that is down holds up no other, since
each delivery is a task of its own."""

from yixun.bulletins.channels import email, push, robots, sms
from yixun.bulletins.models import Bulletin


def about(bulletin: Bulletin) -> str:
    return f"bulletins.bulletin:{bulletin.pk}"


def queue_all(bulletin: Bulletin, revision: int) -> dict[str, int]:
    return {
        "robots": robots.queue(bulletin, revision),
        "mails": email.queue(bulletin, revision),
        "sms": sms.queue(bulletin, revision),
        "push": push.queue(bulletin, revision),
    }
