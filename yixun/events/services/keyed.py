"""Idempotency keys for the API's writes whose service does not take one itself (yet): a phone
at the door that lost its signal sends the walk-in again with the same key, and gets the
person it added instead of a second one."""

import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from yixun.events.models import Event, Registration
from yixun.events.services.door import add_walk_in
from yixun.lib.errors import Conflict


def _key_reused() -> Conflict:
    return Conflict(_("This idempotency key was used for something else."), code="key_reused")


def add_walk_in_once(
    *, event: Event, name: str, phone: str = "", actor: Any, key: uuid.UUID
) -> tuple[Registration, bool]:
    """`door.add_walk_in` under an idempotency key: (the walk-in, whether this call added it)."""
    sent = Registration.objects.filter(key=key).first()
    if sent is not None:
        if sent.event_id == event.pk and sent.is_walk_in:
            return sent, False
        raise _key_reused()
    try:
        with transaction.atomic():
            registration = add_walk_in(event=event, name=name, phone=phone, actor=actor)
            Registration.objects.filter(pk=registration.pk).update(key=key)
    except IntegrityError:
        # The same key a moment earlier in another request, or on something else entirely.
        sent = Registration.objects.filter(key=key).first()
        if sent is None:
            raise
        if sent.event_id == event.pk and sent.is_walk_in:
            return sent, False
        raise _key_reused() from None
    registration.key = key
    return registration, True
