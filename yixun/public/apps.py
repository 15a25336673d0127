from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    name = "yixun.public"
    label = "public"
    verbose_name = _("Public site")

    def ready(self) -> None:
        from yixun.audit import services as audit
        from yixun.public import figures

        audit.observers.append(figures.records_changed)
