from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatrolsConfig(AppConfig):
    name = "yixun.patrols"
    label = "patrols"
    verbose_name = _("Duty")

    def ready(self) -> None:
        from yixun.live.topics import register
        from yixun.patrols.live import DUTY

        register(DUTY)
