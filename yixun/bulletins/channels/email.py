"""Being written: queues nothing yet."""

from yixun.bulletins.models import Bulletin


def queue(bulletin: Bulletin, revision: int) -> int:
    return 0
