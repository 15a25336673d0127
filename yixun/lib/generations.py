"""Tokens naming the current state of what many cached entries are made from.

An entry cached under a key that holds the token of what it was made from is never read once
that changes: the change draws a new token (`renew`), and the old entries age out unread.
Tokens are random rather than counters: should the cache drop one, the next reader draws a
new one, and nothing cached under the old is read again.
"""

import secrets
from typing import TypeVar

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import models, transaction

Row = TypeVar("Row", bound=models.Model)


def _key(name: str) -> str:
    return f"generation:{name}"


def current(name: str) -> str:
    token: str | None = cache.get(_key(name))
    if token is None:
        cache.add(_key(name), secrets.token_hex(8), None)
        token = cache.get(_key(name)) or ""
    return token


def renew(name: str) -> None:
    """Draw a new token now, and again once the change commits: a reader between the two
    could otherwise cache, under the new token, what the transaction is replacing."""
    cache.set(_key(name), secrets.token_hex(8), None)
    transaction.on_commit(lambda: cache.set(_key(name), secrets.token_hex(8), None))


def one_row(model: type[Row]) -> Row:
    """The single row (pk 1) of a model of settings, such as the duty or claiming rules: from
    this process's memory under the token of `model`'s label, which the model's `save` renews
    (`renew(model._meta.label)`). Pages and services read these rules on every request."""
    label = model._meta.label
    key = f"row:{label}:{current(label)}"
    row: Row | None = caches["local"].get(key)
    if row is None:
        row, created = model._default_manager.get_or_create(pk=1)
        if not created:  # creating it drew a new token already
            caches["local"].set(key, row, 60 * 60)
    return row


def forget_everything() -> None:
    """Empty every cache of this install: after its database was built anew or restored, when
    nothing cached of the old one may be read. In a Redis shared with other installs (or with
    parallel test processes) only this install's keys go, where Redis' own clear empties all."""
    for each in caches.all():
        if isinstance(each, RedisCache):
            client = each._cache.get_client(write=True)
            keys = list(client.scan_iter(match=f"{each.key_prefix}:*", count=1000))
            for start in range(0, len(keys), 1000):
                client.delete(*keys[start : start + 1000])
        else:
            each.clear()
