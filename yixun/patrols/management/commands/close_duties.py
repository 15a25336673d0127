from typing import Any

from django.core.management.base import BaseCommand

from yixun.patrols.services.duty import close_overdue


class Command(BaseCommand):
    help = (
        "Close the duties left open past their shift's end and grace period (flagged), and record "
        "no-shows for places claimed but never checked in. Run it every few minutes; running it "
        "twice does no harm."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        closed, absent = close_overdue()
        if closed or absent:
            self.stdout.write(f"closed {closed} duties, recorded {absent} no-shows")
