"""Named locks for work that must not run twice at once (an import, a generation)."""

import hashlib

from django.db import connection


def serialize(name: str) -> None:
    """Inside a transaction: wait until no other transaction holds the lock called `name`.

    On PostgreSQL this is a transaction-scoped advisory lock. SQLite needs none: Yixun opens
    its write transactions with BEGIN IMMEDIATE, so writers already queue one behind another.
    """
    if connection.vendor != "postgresql":
        return
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
