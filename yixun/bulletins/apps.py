from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulletinsConfig(AppConfig):
    name = "yixun.bulletins"
    label = "bulletins"
    verbose_name = _("Bulletins")

    def ready(self) -> None:
        from yixun.bulletins.live import INBOX
        from yixun.live.topics import register

        register(INBOX)

        from yixun.bulletins.sighting_live import SIGHTINGS

        register(SIGHTINGS)
