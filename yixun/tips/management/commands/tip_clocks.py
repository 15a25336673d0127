from typing import Any

from django.core.management.base import BaseCommand

from yixun.tips.services.clocks import erase_expired_contacts, escalate_overdue


class Command(BaseCommand):
    help = (
        "Escalate tips past their clocks and erase reporters' contact details past retention. "
        "Run it every minute; the worker also runs it when each tip's clock runs out."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        escalated, erased = escalate_overdue(), erase_expired_contacts()
        if escalated or erased:
            self.stdout.write(f"escalated {escalated} tips, erased contacts of {erased}")
