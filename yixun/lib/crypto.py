"""Encrypt personal fields at rest, and look them up without decrypting.

Keys come from YIXUN_FIELD_KEYS (comma-separated Fernet keys; the first
encrypts, all decrypt, so a new key can be put first). `blind_index` is an
HMAC of the value under a key derived from the *last* (oldest) key, so equal
values can be found and kept unique without storing them in clear, and the
index survives putting a new key first. The last key is therefore kept.
"""

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@cache
def _keys() -> tuple[MultiFernet, bytes]:
    raw = [key.strip() for key in settings.YIXUN_FIELD_KEYS if key.strip()]
    if not raw:
        raise ImproperlyConfigured(
            "YIXUN_FIELD_KEYS is empty: personal fields cannot be encrypted."
        )
    try:
        fernets = [Fernet(key.encode()) for key in raw]
    except ValueError:
        raise ImproperlyConfigured(
            "YIXUN_FIELD_KEYS must hold Fernet keys (32 url-safe base64-encoded bytes each); "
            'make one with: python3 -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"'
        ) from None
    index_key = hashlib.sha256(b"yixun-blind-index:" + base64.urlsafe_b64decode(raw[-1])).digest()
    return MultiFernet(fernets), index_key


def encrypt(value: str) -> str:
    return _keys()[0].encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _keys()[0].decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "A personal field could not be decrypted: YIXUN_FIELD_KEYS does not hold the key it was "
            "encrypted with."
        ) from None


def blind_index(value: str) -> str:
    return hmac.new(_keys()[1], value.encode(), hashlib.sha256).hexdigest()
