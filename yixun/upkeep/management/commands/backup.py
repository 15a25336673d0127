import os
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from yixun.audit import services as audit
from yixun.upkeep.backups import BackupError, make_backup
from yixun.upkeep.management.passphrase import read_passphrase


class Command(BaseCommand):
    help = (
        "Write a backup of the database and the uploaded files into one file (PostgreSQL: "
        "pg_dump; SQLite: its online backup, safe while Yixun runs). The encryption keys "
        "(YIXUN_FIELD_KEYS) are never in it: keep them apart, a restore needs them."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--to",
            type=Path,
            default=None,
            help="folder to write into (default: backups/ in YIXUN_DATA_DIR)",
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=0,
            help="keep only the newest N backups in that folder (default: keep all)",
        )
        parser.add_argument(
            "--passphrase-file",
            type=Path,
            default=None,
            help="encrypt with the passphrase in this file (or set YIXUN_BACKUP_PASSPHRASE)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["keep"] < 0:
            raise CommandError("--keep must be 0 (keep all) or more.")
        directory = options["to"] or Path(settings.DATA_DIR) / "backups"
        passphrase = read_passphrase(options["passphrase_file"], os.environ)
        try:
            path = make_backup(directory=directory, passphrase=passphrase, keep=options["keep"])
        except BackupError as problem:
            raise CommandError(str(problem)) from None
        audit.record(
            actor=None,
            action="upkeep.backup.made",
            data={"file": path.name, "encrypted": bool(passphrase)},
        )
        self.stdout.write(str(path))
