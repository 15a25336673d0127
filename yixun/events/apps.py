from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "yixun.events"
    label = "events"
    verbose_name = _("Events")

    def ready(self) -> None:
        from yixun.events.services.trainings import next_granting
        from yixun.shifts import trainings

        trainings.register(next_granting)
