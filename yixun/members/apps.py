from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def on_member_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    from yixun.members.models import forget_membership

    forget_membership(instance.user_id)


def on_squad_changed(sender: Any, **kwargs: Any) -> None:
    from yixun.lib import generations

    # Every cached membership carries its squad, every leader's the squads they lead.
    generations.renew("people")


class MembersConfig(AppConfig):
    name = "yixun.members"
    label = "members"
    verbose_name = _("Members and squads")

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from yixun.members.models import Member, Squad

        for signal in (post_save, post_delete):
            signal.connect(on_member_changed, sender=Member, dispatch_uid=f"member-{signal}")
            signal.connect(on_squad_changed, sender=Squad, dispatch_uid=f"squad-{signal}")
        m2m_changed.connect(
            on_squad_changed, sender=Squad.deputies.through, dispatch_uid="squad-deputies"
        )
