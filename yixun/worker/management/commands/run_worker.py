import os
import socket
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string

from yixun.worker.runner import Runner


def positive(raw: str) -> float:
    value = float(raw)
    if not value > 0:
        raise ArgumentTypeError("must be a number of seconds above zero")
    return value


class Command(BaseCommand):
    help = (
        "Run queued tasks (messages, reminders, clocks) until stopped. Survives database "
        "outages, takes back tasks from workers that died (YIXUN_TASK_LEASE_SECONDS), and "
        "stops cleanly on SIGTERM. Run as many as the queue needs."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--queue-name", default="default", help="queues to take tasks from, comma-separated"
        )
        parser.add_argument(
            "--interval", type=positive, default=1.0, help="seconds between looks at an empty queue"
        )
        parser.add_argument(
            "--batch", action="store_true", help="run what is queued now, then stop"
        )
        parser.add_argument(
            "--backoff-max",
            type=positive,
            default=30.0,
            help="longest wait, in seconds, between tries while the database is unreachable",
        )
        parser.add_argument(
            "--worker-id", default="", help="a name unique among the workers (default: made up)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        worker_id = options["worker_id"] or (
            f"{socket.gethostname()[:30]}-{os.getpid()}-{get_random_string(8)}"
        )
        Runner(
            worker_id=worker_id[:64],
            queue_names=[name for name in options["queue_name"].split(",") if name],
            interval=options["interval"],
            batch=options["batch"],
            backoff_cap=options["backoff_max"],
        ).run()
