from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShiftsConfig(AppConfig):
    name = "yixun.shifts"
    label = "shifts"
    verbose_name = _("Patrol calendar")

    def ready(self) -> None:
        from yixun.live.topics import register
        from yixun.members.signals import membership_ended
        from yixun.shifts.live import SHIFTS

        register(SHIFTS)
        from yixun.shifts.services.claims import withdraw

        def on_membership_ended(sender: Any, *, member: Any, actor: Any, **kwargs: Any) -> None:
            withdraw(member=member, actor=actor)

        membership_ended.connect(on_membership_ended, dispatch_uid="shifts.withdraw", weak=False)
