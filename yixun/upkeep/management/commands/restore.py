import os
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from yixun.audit import services as audit
from yixun.lib import generations
from yixun.upkeep.backups import BackupError, Target, restore_backup
from yixun.upkeep.management.passphrase import read_passphrase


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into this install's database (which must be "
        "empty, unless --replace) and its uploaded files. Needs the keys the backup's personal "
        "fields were encrypted with in YIXUN_FIELD_KEYS, and checks them before changing anything."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("backup", type=Path, help="the backup file")
        parser.add_argument(
            "--passphrase-file",
            type=Path,
            default=None,
            help="the passphrase of an encrypted backup (or set YIXUN_BACKUP_PASSPHRASE)",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="overwrite a database that has data (stop Yixun and its worker first)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        passphrase = read_passphrase(options["passphrase_file"], os.environ)
        connections.close_all()  # SQLite: nothing of ours holds the file while it is replaced
        try:
            restored = restore_backup(
                path=options["backup"],
                target=Target.of("default"),
                media_root=Path(settings.MEDIA_ROOT),
                passphrase=passphrase,
                replace=options["replace"],
            )
        except BackupError as problem:
            raise CommandError(str(problem)) from None
        # What the processes shared about people and places describes the old data.
        generations.forget_everything()
        self.stdout.write(
            f"Restored {restored.rows} rows in {restored.tables} tables and {restored.files} "
            f"files in {restored.seconds:.1f} s."
        )
        if restored.migrate_needed:
            self.stdout.write(
                f"The backup is from an older Yixun: run `manage.py migrate` now "
                f"({len(restored.migrate_needed)} migrations to apply)."
            )
        else:
            audit.record(
                actor=None, action="upkeep.backup.restored", data={"file": options["backup"].name}
            )
