from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "yixun.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from yixun.accounts import backends
        from yixun.accounts.models import RoleGrant, User

        for signal in (post_save, post_delete):
            signal.connect(backends.on_user_changed, sender=User, dispatch_uid=f"user-{signal}")
            signal.connect(
                backends.on_role_changed, sender=RoleGrant, dispatch_uid=f"grant-{signal}"
            )
