"""Write the audit trail. Call record() inside the same transaction as the change it
describes, so that a change and its trace are committed, or rolled back, together."""

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import models

from yixun.audit.context import current_address
from yixun.audit.models import AuditEntry

ACTION = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){2,}$")

# Keys whose values never enter the trail, at any depth: secrets, and personal data
# that the trail's readers have no business seeing (PIPL's minimum necessary).
SENSITIVE_FRAGMENTS = (
    "password",
    "token",
    "secret",
    "phone",
    "mobile",
    "id_number",
    "resident_id",
    "contact",
    "email",
)
REDACTED = "[redacted]"

log = logging.getLogger("yixun.audit")

# Told of every entry as it is written, inside the change's transaction: the live app pushes the
# change to the pages open on it. Registered at start-up by the apps that listen, which stand
# below the trail (DESIGN.md), so that it imports none of them.
Observer = Callable[[str, models.Model | None], None]
observers: list[Observer] = []


def _check(action: str, target: models.Model | None) -> None:
    """An entry points at the object its code names: `shifts.claim.created` at the claim, not
    at its shift, so that the trail of one object is found by its type and id. A code whose
    middle names no model (`patrols.on_duty.viewed`) takes no target."""
    if not ACTION.match(action):
        raise ValueError(f"audit action {action!r} is not a dotted code like app.model.verb_past")
    if target is None:
        return
    app, model = action.split(".")[:2]
    meta = target._meta
    if (app, model.replace("_", "")) != (meta.app_label, meta.model_name):
        problem = f"audit action {action!r} does not name its target, a {meta.label_lower}"
        if settings.YIXUN_AUDIT_STRICT:
            raise ValueError(problem)
        log.warning(problem)  # the trail keeps the entry: a misnamed trace beats none


def scrub(value: Any) -> Any:
    """Return value with every sensitive key's value replaced, recursively."""
    if isinstance(value, dict):
        # A yes/no or an empty value says nothing about anyone, and tells the trail a lot:
        # whether full ID numbers were exported, say.
        return {
            str(key): REDACTED if is_sensitive(str(key)) and not _plain(item) else scrub(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    return value


def _plain(item: Any) -> bool:
    return item is None or isinstance(item, bool)


def is_sensitive(key: str) -> bool:
    lowered = key.lower()
    return any(fragment in lowered for fragment in SENSITIVE_FRAGMENTS)


def record_many(
    *, actor: Any, action: str, entries: Sequence[tuple[models.Model, Mapping[str, Any]]]
) -> int:
    """Append one entry per target in a single write: the same action done to many at once."""
    for target, _data in entries:
        _check(action, target)
    address = current_address.get()
    actor = actor if getattr(actor, "is_authenticated", False) else None
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor=actor,
                action=action,
                data=scrub(data),
                address=address,
                target_type=target._meta.label_lower,
                target_id=str(target.pk),
                target_label=str(target)[:200],
            )
            for target, data in entries
        ],
        batch_size=500,
    )
    for target, _data in entries:
        for observer in observers:
            observer(action, target)
    return len(entries)


def record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the trail.

    `action` is a dotted code, app.model.verb_past (accounts.user.role_granted).
    `actor` is the user who acted, or None for the system or the anonymous public.
    """
    _check(action, target)
    entry = AuditEntry(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        data=scrub(data or {}),
        address=current_address.get(),
    )
    if target is not None:
        entry.target_type = target._meta.label_lower
        entry.target_id = str(target.pk)
        entry.target_label = str(target)[:200]
    entry.save()
    for observer in observers:
        observer(action, target)
    return entry
