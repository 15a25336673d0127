from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UpkeepConfig(AppConfig):
    """Keeping an install's data: backups and their restore, and what retention deletes."""

    name = "yixun.upkeep"
    label = "upkeep"
    verbose_name = _("Upkeep")
