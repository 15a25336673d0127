from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiveConfig(AppConfig):
    """Pushing changes to the pages open on them, instead of pages asking every few seconds."""

    name = "yixun.live"
    label = "live"
    verbose_name = _("Live updates")

    def ready(self) -> None:
        from yixun.audit import services as audit
        from yixun.live.publish import on_audit

        audit.observers.append(on_audit)
