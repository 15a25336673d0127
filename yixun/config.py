"""Read Yixun's configuration from the environment, failing loudly on bad values.

Settings come from environment variables only (DESIGN.md). Every reader here
either returns a sane laptop default or raises ImproperlyConfigured with a
sentence an operator can act on.
"""

import base64
import os
import secrets
from collections.abc import Callable
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def text(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def flag(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}."
    )


def integer(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}.")
    return value


def listing(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def database(url: str, *, default_sqlite: Path) -> dict[str, object]:
    """Turn DATABASE_URL into Django's settings; SQLite gets WAL and write locks up front."""
    if not url:
        url = f"sqlite:///{default_sqlite}"
    try:
        config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=0))
    except ValueError as error:
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a database address Yixun knows: {error}"
        ) from None
    engine = str(config.get("ENGINE", ""))
    if engine == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            # WAL lets the web server and the task worker read while one writes;
            # IMMEDIATE takes the write lock at BEGIN, so two writers queue for
            # the busy timeout instead of failing with "database is locked".
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    elif engine == "django.db.backends.postgresql":
        config["CONN_MAX_AGE"] = integer("YIXUN_DB_CONN_MAX_AGE", 60)
        config["CONN_HEALTH_CHECKS"] = True
    else:
        raise ImproperlyConfigured(
            f"DATABASE_URL must point to SQLite or PostgreSQL; got engine {engine!r}."
        )
    return config


def local_secret(path: Path, make: Callable[[], str] = lambda: secrets.token_urlsafe(50)) -> str:
    """Keep a laptop's secret across restarts, so sessions (and encrypted fields) survive."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


def fernet_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def fernet_keys(name: str) -> list[str]:
    """Comma-separated Fernet keys, each checked now: a malformed key must stop start-up, not
    the first member's application that needs encrypting."""
    from cryptography.fernet import Fernet

    keys = listing(name)
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} holds a key that is not a Fernet key (key {position}): each must be 32 "
                'url-safe base64-encoded bytes. Make one with: python3 -c "from '
                'cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
            ) from None
    return keys
