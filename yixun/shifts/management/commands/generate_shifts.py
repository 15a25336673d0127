from typing import Any

from django.core.management.base import BaseCommand

from yixun.shifts.models import ShiftTemplate
from yixun.shifts.services import planning


class Command(BaseCommand):
    help = "Make the shifts every active template asks for, as many weeks ahead as it says. Run it daily."

    def handle(self, *args: Any, **options: Any) -> None:
        for template in ShiftTemplate.objects.filter(is_active=True):
            result = planning.generate(template=template)
            if result.created or result.updated or result.cancelled:
                self.stdout.write(
                    f"{template.name}: {result.created} made, {result.updated} changed, {result.cancelled} cancelled"
                )
