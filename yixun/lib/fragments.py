"""Fragments of pages that many people share, cached under a key made of what they show.

A fragment's key is a digest of every input that changes its HTML (and of the language and
time zone it is rendered in), so a change anywhere makes a new key and no fragment is ever
stale: nothing has to be told to forget one, and each process keeps them in its own memory
(`local`). Whole pages per person are never cached here;
only what many people see the same.
"""

import hashlib
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

T = TypeVar("T")

LIFETIME = 60 * 60  # an hour: what is asked for again and again stays, the rest ages out
# Where a shared fragment's forms carry the CSRF token, rendered as this placeholder and filled
# in per request (`with_token`): pages refuse NUL characters, so no real text holds it.
TOKEN = "\x00csrf\x00"  # noqa: S105


def local() -> BaseCache:
    """The cache of this process's own memory, for what names its content in its key."""
    return caches["local"]


def key(namespace: str, parts: Sequence[Hashable]) -> str:
    """The cache key of a fragment made from these parts, in the language and zone at hand."""
    signed = (translation.get_language(), timezone.get_current_timezone_name(), *parts)
    digest = hashlib.blake2b(repr(signed).encode(), digest_size=16).hexdigest()
    return f"fragment:{namespace}:{digest}"


def cached(namespace: str, parts: Sequence[Hashable], render: Callable[[], str]) -> SafeString:
    """The fragment from the cache, or rendered now and kept."""
    html = kept(key(namespace, parts), LIFETIME, lambda: str(render()))
    return mark_safe(html)  # noqa: S308 (rendered by our own templates, which escape)


def kept(name: str, seconds: int, make: Callable[[], T]) -> T:
    """What `make` gives, kept in this process's memory under `name` for `seconds`: for values
    whose key names what they were made from, or that may be that many seconds old."""
    found: T | None = local().get(name)
    if found is None:
        found = make()
        local().set(name, found, seconds)
    return found


def with_token(html: str, request: HttpRequest) -> SafeString:
    """A shared fragment with this request's CSRF token in its forms."""
    return mark_safe(html.replace(TOKEN, get_token(request)))  # noqa: S308
