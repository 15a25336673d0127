from collections.abc import Mapping
from pathlib import Path

from django.core.management.base import CommandError


def read_passphrase(path: Path | None, environ: Mapping[str, str]) -> str:
    """The backup passphrase from a file or the environment: never from the command line, which
    every user of the machine can read in `ps`."""
    if path is None:
        return environ.get("YIXUN_BACKUP_PASSPHRASE", "")
    try:
        passphrase = path.read_text(encoding="utf-8").strip("\r\n")
    except OSError as problem:
        raise CommandError(f"The passphrase file cannot be read: {problem}") from None
    if not passphrase:
        raise CommandError(f"The passphrase file {path} is empty.")
    return passphrase
