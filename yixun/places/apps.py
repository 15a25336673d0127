from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def on_place_changed(sender: Any, **kwargs: Any) -> None:
    from yixun.lib import generations

    generations.renew("places")  # lists of sites and routes cached under its token


def on_area_changed(sender: Any, **kwargs: Any) -> None:
    from yixun.lib import generations

    generations.renew("places")
    generations.renew("people")  # cached memberships carry their squad's area


class PlacesConfig(AppConfig):
    name = "yixun.places"
    label = "places"
    verbose_name = _("Places")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from yixun.places.models import Area, Route, Site

        for signal in (post_save, post_delete):
            signal.connect(on_area_changed, sender=Area, dispatch_uid=f"area-{signal}")
            for model in (Site, Route):
                signal.connect(on_place_changed, sender=model, dispatch_uid=f"{model}-{signal}")
