"""Backups of an install, and their restore.

A backup is one tar file: `manifest.json` (format, Yixun's version, when, the database's engine,
its migrations, the rows of every table and the uploaded files it holds), the database (pg_dump's
custom format, or a copy made with SQLite's online backup API, which is safe while the app
runs), and the uploaded files under `media/`. With a passphrase the whole file is encrypted with
OpenPGP (`gpg --symmetric`, AES-256), so that it can be read with gpg alone.

The keys that encrypt resident ID numbers and tip contacts (YIXUN_FIELD_KEYS) are never in a
backup: a stolen backup must not carry what opens it. The manifest holds their fingerprints and
a value encrypted with them, so that a restore checks first that the install it restores into
holds them, and says exactly which one is missing before it changes anything.
"""

import base64
import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from yixun.lib import crypto

FORMAT = "yixun-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEDIA = "media"
CANARY = "yixun-backup-canary"
NAME = re.compile(r"^yixun-(\d{8}-\d{6})\.tar(\.gpg)?$")
# The migrations table says which schema the rows fit; the others are Yixun's and Django's data.
MIGRATIONS_TABLE = "django_migrations"


class BackupError(Exception):
    """A backup or restore that cannot go on, with what to do about it. Nothing was changed."""


@dataclass(frozen=True)
class Target:
    """A database to back up or restore into: PostgreSQL's connection details, or a SQLite file."""

    engine: str  # "postgresql" or "sqlite"
    name: str  # the database's name, or the SQLite file's path
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = field(default="", repr=False)

    @classmethod
    def of(cls, alias: str = "default") -> "Target":
        config = settings.DATABASES[alias]
        engine = str(config["ENGINE"]).rsplit(".", 1)[-1]
        if engine == "sqlite3":
            return cls("sqlite", str(config["NAME"]))
        return cls(
            "postgresql",
            str(config["NAME"]),
            host=str(config.get("HOST") or ""),
            port=str(config.get("PORT") or ""),
            user=str(config.get("USER") or ""),
            password=str(config.get("PASSWORD") or ""),
        )

    def connect(self, **options: Any) -> psycopg.Connection[Any]:
        return psycopg.connect(
            dbname=self.name,
            host=self.host or None,
            port=self.port or None,
            user=self.user or None,
            password=self.password or None,
            **options,
        )

    def client_arguments(self) -> tuple[list[str], dict[str, str]]:
        """pg_dump's and pg_restore's connection options, and the environment with the password."""
        arguments = [f"--dbname={self.name}"]
        arguments += [f"--host={self.host}"] if self.host else []
        arguments += [f"--port={self.port}"] if self.port else []
        arguments += [f"--username={self.user}"] if self.user else []
        env = {**os.environ, "PGPASSWORD": self.password} if self.password else dict(os.environ)
        return arguments, env


@dataclass
class Restored:
    tables: int
    rows: int
    files: int
    seconds: float
    migrate_needed: list[str]


def fingerprint(key: str) -> str:
    """A key's fingerprint: enough to tell keys apart, nothing to rebuild one from."""
    return hashlib.sha256(b"yixun-key:" + base64.urlsafe_b64decode(key.strip())).hexdigest()[:16]


def _field_keys() -> list[str]:
    return [key.strip() for key in settings.YIXUN_FIELD_KEYS if key.strip()]


def _version() -> str:
    with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


# Making a backup


def make_backup(
    *,
    directory: Path,
    passphrase: str = "",
    keep: int = 0,
    alias: str = "default",
    now: dt.datetime | None = None,
) -> Path:
    """Write one backup file into `directory` and return its path; with `keep`, delete all but
    the newest `keep` backups there."""
    now = now or timezone.now()
    directory.mkdir(parents=True, exist_ok=True)
    target = Target.of(alias)
    name = f"yixun-{now.astimezone(dt.UTC):%Y%m%d-%H%M%S}.tar" + (".gpg" if passphrase else "")
    final = directory / name
    with tempfile.TemporaryDirectory(dir=directory, prefix=".yixun-backup-") as scratch:
        work = Path(scratch)
        if target.engine == "postgresql":
            database, counts, migrations = _dump_postgresql(target, work)
        else:
            database, counts, migrations = _copy_sqlite(alias, work)
        media_root = Path(settings.MEDIA_ROOT)
        files = sorted(path for path in media_root.rglob("*") if path.is_file())
        keys = _field_keys()
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "yixun_version": _version(),
            "created_at": now.isoformat(),
            "engine": target.engine,
            "database": database.name,
            "migrations": migrations,
            "tables": counts,
            "media": {"files": len(files), "bytes": sum(path.stat().st_size for path in files)},
            # The keys themselves stay out: a restore checks against these that it has them.
            "field_keys": {
                "fingerprints": [fingerprint(key) for key in keys],
                "canary": crypto.encrypt(CANARY),
            },
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        packed = work / "backup.tar"
        # pg_dump compresses its own output; a SQLite file is compressed here.
        with tarfile.open(packed, "w:gz" if target.engine == "sqlite" else "w") as tar:
            tar.add(work / MANIFEST, arcname=MANIFEST)
            tar.add(database, arcname=database.name)
            for path in files:
                tar.add(path, arcname=f"{MEDIA}/{path.relative_to(media_root).as_posix()}")
        partial = directory / f".{name}.partial"
        if passphrase:
            _gpg(
                ["--symmetric", "--cipher-algo", "AES256", "--output", str(partial)],
                packed,
                passphrase,
            )
        else:
            shutil.move(packed, partial)
        partial.chmod(0o600)
        partial.replace(final)  # a backup is there whole, or not at all
    if keep:
        for old in backups_in(directory)[keep:]:
            old.unlink()
    return final


def backups_in(directory: Path) -> list[Path]:
    """The backups in a folder, newest first."""
    found = (
        [path for path in directory.iterdir() if NAME.match(path.name)]
        if directory.is_dir()
        else []
    )
    return sorted(found, key=lambda path: NAME.match(path.name).group(1), reverse=True)  # type: ignore[union-attr]


def _dump_postgresql(target: Target, work: Path) -> tuple[Path, dict[str, int], list[str]]:
    """pg_dump of one snapshot, and the rows counted in that same snapshot, so that the manifest
    says what the dump holds even while people keep writing."""
    out = work / "database.dump"
    with target.connect(autocommit=False) as snapshot:
        snapshot.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        exported = _one(snapshot.execute("SELECT pg_export_snapshot()"))
        counts, migrations = _contents(snapshot.execute, PG_TABLES)
        arguments, env = target.client_arguments()
        dumped = _run(
            "pg_dump",
            [
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={exported}",
                f"--file={out}",
                *arguments,
            ],
            env=env,
        )
        if dumped.returncode:
            raise BackupError(f"pg_dump failed: {dumped.stderr.strip()}")
    return out, counts, migrations


def _copy_sqlite(alias: str, work: Path) -> tuple[Path, dict[str, int], list[str]]:
    """SQLite's online backup of the live database (consistent, safe beside writers), counted
    from the copy itself."""
    out = work / "database.sqlite3"
    connection = connections[alias]
    connection.ensure_connection()
    copy = sqlite3.connect(out)
    try:
        connection.connection.backup(copy)
        counts, migrations = _contents(copy.execute, SQLITE_TABLES)
    finally:
        copy.close()
    return out, counts, migrations


PG_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
SQLITE_TABLES = (
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
)


def _one(cursor: Any) -> Any:
    return cursor.fetchone()[0]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _contents(execute: Any, list_tables: str) -> tuple[dict[str, int], list[str]]:
    """Rows of every table, and the migrations applied. The names come from the database's own
    catalogue, quoted."""
    tables = [row[0] for row in execute(list_tables)]
    counts = {
        table: int(_one(execute(f"SELECT count(*) FROM {_quoted(table)}")))  # noqa: S608
        for table in tables
    }
    applied = (
        execute("SELECT app, name FROM django_migrations") if MIGRATIONS_TABLE in counts else []
    )
    return counts, sorted(f"{app}.{name}" for app, name in applied)


def _run(tool: str, arguments: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
    """Run one of the database's or gpg's own tools, by its full path, without a shell."""
    found = shutil.which(tool)
    if found is None:
        package = {"gpg": "gnupg", "gpgconf": "gnupg"}.get(tool, "postgresql-client")
        raise BackupError(f"{tool} is not installed: apt-get install {package}")
    return subprocess.run(  # noqa: S603 - our own arguments, no shell
        [found, *arguments], capture_output=True, text=True, check=False, **options
    )


def _gpg(arguments: list[str], source: Path, passphrase: str) -> subprocess.CompletedProcess[str]:
    """gpg with the passphrase on a pipe (never on the command line, where `ps` shows it), in a
    home of its own whose agent is stopped afterwards."""
    with tempfile.TemporaryDirectory(prefix="yixun-gpg-") as home:
        read, write = os.pipe()
        os.write(write, passphrase.encode())
        os.close(write)
        try:
            run = _run(
                "gpg",
                [
                    "--homedir",
                    home,
                    "--batch",
                    "--yes",
                    "--quiet",
                    "--no-tty",
                    "--no-symkey-cache",
                    "--pinentry-mode",
                    "loopback",
                    f"--passphrase-fd={read}",
                    *arguments,
                    str(source),
                ],
                pass_fds=(read,),
            )
        finally:
            os.close(read)
            _run("gpgconf", ["--homedir", home, "--kill", "gpg-agent"])
    if run.returncode and "--decrypt" in arguments:
        raise BackupError(
            "The backup could not be decrypted: the passphrase is wrong, or the file is damaged."
        )
    if run.returncode:
        raise BackupError(f"gpg failed: {run.stderr.strip()}")
    return run


# Reading and restoring


@contextlib.contextmanager
def opened(path: Path, passphrase: str = "") -> Iterator[tuple[dict[str, Any], tarfile.TarFile]]:
    """The backup's manifest and its archive, decrypted first when it is encrypted."""
    if not path.is_file():
        raise BackupError(f"There is no backup at {path}.")
    with tempfile.TemporaryDirectory(prefix="yixun-restore-") as scratch:
        plain = path
        if not tarfile.is_tarfile(path):
            if not passphrase:
                raise BackupError(
                    f"{path.name} is encrypted: give its passphrase (--passphrase-file, or "
                    "YIXUN_BACKUP_PASSPHRASE)."
                )
            plain = Path(scratch) / "backup.tar"
            _gpg(["--decrypt", "--output", str(plain)], path, passphrase)
            if not tarfile.is_tarfile(plain):
                raise BackupError(f"{path.name} is not a Yixun backup.")
        with tarfile.open(plain, "r:*") as archive:
            try:
                member = archive.extractfile(MANIFEST)
                manifest = json.load(member) if member else {}
            except (KeyError, ValueError):
                manifest = {}
            if manifest.get("format") != FORMAT:
                raise BackupError(f"{path.name} is not a Yixun backup: it has no manifest.")
            if manifest.get("format_version", 0) > FORMAT_VERSION:
                raise BackupError(
                    f"{path.name} was written by a newer Yixun; update Yixun to restore it."
                )
            yield manifest, archive


def check_keys(manifest: dict[str, Any]) -> None:
    """Refuse, naming the key, unless this install holds the keys the backup's personal fields
    need: the one that encrypted them, and the oldest, which keys the look-up digests."""
    wanted = manifest["field_keys"]["fingerprints"]
    held = [fingerprint(key) for key in _field_keys()]
    try:
        crypto.decrypt(manifest["field_keys"]["canary"])
    except ImproperlyConfigured:
        raise BackupError(
            f"YIXUN_FIELD_KEYS does not hold the key that encrypted this backup's resident ID "
            f"numbers and contacts (fingerprint {wanted[0]}); it holds {', '.join(held) or 'none'}. "
            "Set YIXUN_FIELD_KEYS to the keys of the install the backup came from (they are kept "
            "apart from backups), then restore again. Nothing was changed."
        ) from None
    if held[-1:] != wanted[-1:]:
        raise BackupError(
            f"The last key of YIXUN_FIELD_KEYS must be the backup's oldest key (fingerprint "
            f"{wanted[-1]}), which finds duplicate ID numbers; it is {held[-1]}. Put that key last, "
            "then restore again. Nothing was changed."
        )


def restore_backup(
    *, path: Path, target: Target, media_root: Path, passphrase: str = "", replace: bool = False
) -> Restored:
    """Restore a backup into `target` and its files into `media_root`, then check every table's
    rows against the manifest."""
    started = time.monotonic()
    with opened(path, passphrase) as (manifest, archive):
        if manifest["engine"] != target.engine:
            raise BackupError(
                f"This is a {manifest['engine']} backup and the database is {target.engine}: "
                "restore it into the same kind of database it came from."
            )
        check_keys(manifest)
        known = {
            f"{app}.{name}"
            for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations
        }
        unknown = sorted(set(manifest["migrations"]) - known)
        if unknown:
            raise BackupError(
                f"This backup was made by a newer Yixun (its database has migrations this one does "
                f"not know: {', '.join(unknown[:5])}). Update Yixun, then restore it."
            )
        with tempfile.TemporaryDirectory(prefix="yixun-restore-") as scratch:
            database = Path(scratch) / manifest["database"]
            archive.extract(manifest["database"], scratch, filter="data")
            if target.engine == "postgresql":
                _restore_postgresql(database, target, replace=replace)
            else:
                _restore_sqlite(database, target, replace=replace)
        files = [
            member
            for member in archive.getmembers()
            if member.isfile() and member.name.startswith(f"{MEDIA}/")
        ]
        media_root.mkdir(parents=True, exist_ok=True)
        for member in files:
            member.name = member.name.removeprefix(f"{MEDIA}/")
            archive.extract(member, media_root, filter="data")
    counts = _counts(target)
    wrong = {
        table: (rows, counts.get(table))
        for table, rows in manifest["tables"].items()
        if counts.get(table) != rows
    }
    if wrong:
        shown = ", ".join(
            f"{table}: {want} in the backup, {got} restored"
            for table, (want, got) in list(wrong.items())[:5]
        )
        raise BackupError(f"The restored database differs from the backup: {shown}.")
    return Restored(
        tables=len(counts),
        rows=sum(manifest["tables"].values()),
        files=len(files),
        seconds=time.monotonic() - started,
        migrate_needed=sorted(known - set(manifest["migrations"])),
    )


def _restore_postgresql(dump: Path, target: Target, *, replace: bool) -> None:
    if not replace and _counts(target):
        raise BackupError(
            f"The database {target.name} is not empty. Restore into a new, empty database, or "
            "pass --replace to overwrite this one. Nothing was changed."
        )
    arguments, env = target.client_arguments()
    cleaning = ["--clean", "--if-exists"] if replace else []
    restored = _run(
        "pg_restore",
        [
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            *cleaning,
            *arguments,
            str(dump),
        ],
        env=env,
    )
    if restored.returncode:
        raise BackupError(f"pg_restore failed, and changed nothing: {restored.stderr.strip()}")


def _restore_sqlite(copy: Path, target: Target, *, replace: bool) -> None:
    if not replace and _counts(target):
        raise BackupError(
            f"The database {target.name} is not empty. Restore into a new file, or pass "
            "--replace to overwrite it (stop Yixun first). Nothing was changed."
        )
    Path(target.name).parent.mkdir(parents=True, exist_ok=True)
    source, into = sqlite3.connect(copy), sqlite3.connect(target.name)
    try:
        source.backup(into)  # replaces the whole file's contents, in one step
    finally:
        source.close()
        into.close()


def _counts(target: Target) -> dict[str, int]:
    """Every table's rows in the target (none when it has no tables yet)."""
    if target.engine == "sqlite":
        if not Path(target.name).exists():
            return {}
        with contextlib.closing(sqlite3.connect(target.name)) as database:
            return _contents(database.execute, SQLITE_TABLES)[0]
    with target.connect(autocommit=True) as database:
        return _contents(database.execute, PG_TABLES)[0]
