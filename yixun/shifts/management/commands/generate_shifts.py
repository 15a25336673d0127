import logging
from typing import Any

from django.core.management.base import BaseCommand

from yixun.lib.errors import DomainError
from yixun.shifts.models import ShiftTemplate
from yixun.shifts.services import planning

log = logging.getLogger("yixun.shifts")


class Command(BaseCommand):
    help = "Make the shifts every active template asks for, as many weeks ahead as it says. Run it daily."

    def handle(self, *args: Any, **options: Any) -> None:
        for template in ShiftTemplate.objects.filter(is_active=True):
            try:
                result = planning.generate(template=template)
            except DomainError as refusal:  # one template's trouble must not stop the others
                log.error("template %s (%s): %s", template.pk, template.name, refusal.message)
                self.stderr.write(f"{template.name}: {refusal.message}")
                continue
            if result.created or result.updated or result.cancelled or result.kept:
                self.stdout.write(f"{template.name}: {result.summary()}")
