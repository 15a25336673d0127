from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TipsConfig(AppConfig):
    name = "yixun.tips"
    label = "tips"
    verbose_name = _("Tips")

    def ready(self) -> None:
        from yixun.live.topics import register
        from yixun.tips.live import TIPS

        register(TIPS)
