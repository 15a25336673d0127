from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yixun.accounts.roles import Role, has_role
from yixun.audit import services as audit
from yixun.lib.changes import apply_changes
from yixun.lib.text import normalise
from yixun.tips.models import ScreeningTerm, TipRules
from yixun.tips.services.errors import Conflict, NotAllowed, TipRefused

FIELDS = (
    "ack_urgent_minutes",
    "ack_minutes",
    "resolve_hours",
    "contact_retention_days",
    "tips_per_hour",
    "captcha_after",
    "spam_threshold",
)


def _officer(actor: Any) -> None:
    if not has_role(actor, Role.OFFICER):
        raise NotAllowed(_("Only an officer of the association may do this."))


def update_rules(*, actor: Any, **values: Any) -> TipRules:
    _officer(actor)
    with transaction.atomic():
        rules = TipRules.current()
        changed = apply_changes(rules, values, FIELDS)
        if changed:
            rules.save()
            audit.record(actor=actor, action="tips.tip_rules.changed", target=rules, data=changed)
    return rules


def add_term(*, actor: Any, kind: str, term: str, weight: int) -> ScreeningTerm:
    """A word for the screening lists, matched in simplified and traditional spellings alike."""
    _officer(actor)
    normalised = normalise(term)
    if not normalised or kind not in ScreeningTerm.Kind.values:
        raise TipRefused(_("Write a word or phrase."), code="invalid")
    try:
        with transaction.atomic():
            added = ScreeningTerm.objects.create(
                kind=kind, term=term.strip()[:60], normalised=normalised[:60], weight=weight
            )
            audit.record(actor=actor, action="tips.screening_term.added", target=added)
    except IntegrityError:
        raise Conflict(_("This word is on the list already."), code="exists") from None
    return added


def remove_term(*, actor: Any, term: ScreeningTerm) -> None:
    _officer(actor)
    with transaction.atomic():
        audit.record(actor=actor, action="tips.screening_term.removed", target=term)
        term.delete()
