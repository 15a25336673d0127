from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yixun.accounts.roles import Role, has_role
from yixun.audit import services as audit
from yixun.lib.changes import apply_changes
from yixun.patrols.models import DutyRules
from yixun.patrols.services.errors import NotAllowed

FIELDS = (
    "radius_m",
    "open_minutes_before",
    "late_after_minutes",
    "grace_minutes",
    "round_to_minutes",
    "rounding",
)


def update_rules(*, actor: Any, **values: Any) -> DutyRules:
    """The officers set how duty is checked and counted."""
    if not has_role(actor, Role.OFFICER):
        raise NotAllowed(_("Only an officer of the association may do this."))
    with transaction.atomic():
        rules = DutyRules.current()
        changed = apply_changes(rules, values, FIELDS)
        if changed:
            rules.save()
            audit.record(
                actor=actor, action="patrols.duty_rules.changed", target=rules, data=changed
            )
    return rules
