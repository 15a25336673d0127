"""Backups and restores, for real: the same database engine the suite runs on (SQLite, or
PostgreSQL in CI's second pass), restored into a new database and compared table by table."""

import contextlib
import io
import json
import sqlite3
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection

from yixun.audit.models import AuditEntry
from yixun.lib import crypto, resident_id
from yixun.members.models import Member
from yixun.tips.tests.conftest import send
from yixun.upkeep import backups
from yixun.upkeep.backups import BackupError, Target, make_backup, restore_backup

pytestmark = [
    # pg_dump and SQLite's backup read what is committed, as they do in production.
    pytest.mark.django_db(transaction=True),
    # One database at a time is created and dropped per test: keep them on one test process.
    pytest.mark.xdist_group("backups"),
]
PHOTO = b"\x89PNG\r\n\x1a\n not really a photo, but a file with bytes"


@pytest.fixture(autouse=True)
def keys(settings: Any) -> Iterator[None]:
    """A key of this install's own, so that tests can take it away."""
    settings.YIXUN_FIELD_KEYS = [Fernet.generate_key().decode()]
    crypto._keys.cache_clear()
    yield
    crypto._keys.cache_clear()


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = settings.MEDIA_ROOT / "tips" / "2026" / "photo.png"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(PHOTO)
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def county(volunteer: Any, officer: Any, media: Path) -> dict[str, Any]:
    """The cast, a member with a resident ID number and a tip with contact details: the personal
    fields a backup must carry encrypted and a restore must be able to read."""
    member = Member.objects.get(user=volunteer)
    first17 = "42092319800101123"
    member.set_id_number(resident_id.parse(first17 + resident_id.check_character(first17)))
    member.save()
    tip = send(contact_name="李先生", contact_phone="13912345678")
    return {"member": member, "tip": tip}


@pytest.fixture
def new_database(tmp_path: Path) -> Iterator[Target]:
    """An empty database of the suite's own engine, dropped afterwards."""
    here = Target.of()
    if here.engine == "sqlite":
        yield Target("sqlite", str(tmp_path / "restored.sqlite3"))
        return
    name = f"yixun_restore_{uuid.uuid4().hex[:8]}"
    with here.connect(autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield Target("postgresql", name, host=here.host, port=here.port, user=here.user)
    finally:
        with here.connect(autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def reading(target: Target) -> Iterator[Any]:
    """A plain connection to a restored database, apart from Django's."""
    if target.engine == "sqlite":
        with contextlib.closing(sqlite3.connect(target.name)) as plain:
            yield plain
    else:
        with target.connect(autocommit=True) as plain:
            yield plain


def live_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def one(target: Target, sql: str, *params: object) -> Any:
    marker = "?" if target.engine == "sqlite" else "%s"
    with reading(target) as plain:
        return plain.execute(sql.replace("%s", marker), params).fetchone()


def test_a_backup_restores_into_a_new_database_with_every_row_and_file(
    county: dict[str, Any], new_database: Target, tmp_path: Path
) -> None:
    before = live_counts()
    path = make_backup(directory=tmp_path / "backups")
    restored = restore_backup(path=path, target=new_database, media_root=tmp_path / "restored")

    with tarfile.open(path) as archive:
        manifest = json.load(archive.extractfile(backups.MANIFEST))  # type: ignore[arg-type]
    assert manifest["tables"] == before  # the manifest counts what the database held
    assert backups._counts(new_database) == before  # …and the new database holds it all
    assert restored.rows == sum(before.values()) and restored.tables == len(before)
    assert restored.migrate_needed == []
    assert manifest["media"]["files"] == restored.files == 1
    assert (tmp_path / "restored" / "tips" / "2026" / "photo.png").read_bytes() == PHOTO
    # A sample of personal fields, read back from the new database and decrypted.
    member, tip = county["member"], county["tip"]
    (encrypted_id,) = one(
        new_database, "SELECT id_number_encrypted FROM members_member WHERE id = %s", member.pk
    )
    assert crypto.decrypt(encrypted_id) == member.decrypted_id_number()
    name, phone = one(
        new_database, "SELECT contact_name, contact_phone FROM tips_tip WHERE id = %s", tip.pk
    )
    assert (crypto.decrypt(name), crypto.decrypt(phone)) == ("李先生", "+8613912345678")
    # Nothing in the file is a key.
    raw = path.read_bytes()
    assert all(key.encode() not in raw for key in crypto.settings.YIXUN_FIELD_KEYS)


def test_an_encrypted_backup_needs_its_passphrase(
    county: dict[str, Any], new_database: Target, tmp_path: Path
) -> None:
    path = make_backup(directory=tmp_path, passphrase="一个很长的口令 correct horse")
    assert path.name.endswith(".tar.gpg")
    assert not tarfile.is_tarfile(path)
    assert "李先生".encode() not in path.read_bytes()
    with pytest.raises(BackupError, match="encrypted: give its passphrase"):
        restore_backup(path=path, target=new_database, media_root=tmp_path / "m")
    with pytest.raises(BackupError, match="passphrase is wrong"):
        restore_backup(path=path, target=new_database, media_root=tmp_path / "m", passphrase="x")
    assert backups._counts(new_database) == {}  # refused before anything was written

    restore_backup(
        path=path,
        target=new_database,
        media_root=tmp_path / "m",
        passphrase="一个很长的口令 correct horse",
    )
    assert backups._counts(new_database) == live_counts()


def test_restoring_without_the_keys_says_which_is_missing_and_changes_nothing(
    county: dict[str, Any], new_database: Target, tmp_path: Path, settings: Any
) -> None:
    original = settings.YIXUN_FIELD_KEYS[0]
    path = make_backup(directory=tmp_path)
    settings.YIXUN_FIELD_KEYS = [Fernet.generate_key().decode()]  # another install's key
    crypto._keys.cache_clear()
    with pytest.raises(BackupError) as refused:
        restore_backup(path=path, target=new_database, media_root=tmp_path / "m")
    assert backups.fingerprint(original) in str(refused.value)
    assert "Nothing was changed" in str(refused.value)
    assert backups._counts(new_database) == {}
    assert not (tmp_path / "m").exists()

    # A new key put first is fine, as long as the old one stays last (it keys the digests).
    settings.YIXUN_FIELD_KEYS = [Fernet.generate_key().decode(), original]
    crypto._keys.cache_clear()
    restore_backup(path=path, target=new_database, media_root=tmp_path / "m")


def test_the_oldest_key_must_stay_last(
    county: dict[str, Any], new_database: Target, tmp_path: Path, settings: Any
) -> None:
    original = settings.YIXUN_FIELD_KEYS[0]
    path = make_backup(directory=tmp_path)
    other = Fernet.generate_key().decode()
    settings.YIXUN_FIELD_KEYS = [original, other]  # decrypts, but finds no ID number
    crypto._keys.cache_clear()
    with pytest.raises(BackupError, match=backups.fingerprint(original)):
        restore_backup(path=path, target=new_database, media_root=tmp_path / "m")
    assert backups._counts(new_database) == {}


def test_a_database_with_data_is_not_overwritten_unless_asked(
    county: dict[str, Any], new_database: Target, tmp_path: Path
) -> None:
    path = make_backup(directory=tmp_path)
    restore_backup(path=path, target=new_database, media_root=tmp_path / "m")
    with pytest.raises(BackupError, match="not empty"):
        restore_backup(path=path, target=new_database, media_root=tmp_path / "m")
    restored = restore_backup(
        path=path, target=new_database, media_root=tmp_path / "m", replace=True
    )
    assert backups._counts(new_database) == live_counts()
    assert restored.rows == sum(live_counts().values())


def test_a_backup_from_a_newer_yixun_is_refused(
    county: dict[str, Any], new_database: Target, tmp_path: Path
) -> None:
    path = make_backup(directory=tmp_path)
    newer = tmp_path / "yixun-20990101-000000.tar"
    with tarfile.open(path) as old, tarfile.open(newer, "w") as new:
        for member in old.getmembers():
            data = old.extractfile(member)
            if member.name == backups.MANIFEST:
                manifest = json.load(data)  # type: ignore[arg-type]
                manifest["migrations"].append("shifts.9999_from_the_future")
                body = json.dumps(manifest).encode()
                member.size = len(body)
                data = io.BytesIO(body)
            new.addfile(member, data)
    with pytest.raises(BackupError, match="newer Yixun"):
        restore_backup(path=newer, target=new_database, media_root=tmp_path / "m")
    assert backups._counts(new_database) == {}


def test_not_a_backup(tmp_path: Path, new_database: Target) -> None:
    stray = tmp_path / "notes.txt"
    stray.write_text("shopping list")
    with pytest.raises(BackupError, match="encrypted"):
        restore_backup(path=stray, target=new_database, media_root=tmp_path)
    with pytest.raises(BackupError, match=r"not a Yixun backup|could not be decrypted"):
        restore_backup(path=stray, target=new_database, media_root=tmp_path, passphrase="x")
    with pytest.raises(BackupError, match="There is no backup"):
        restore_backup(path=tmp_path / "gone.tar", target=new_database, media_root=tmp_path)


def test_the_command_keeps_the_newest_and_leaves_a_trace(
    county: dict[str, Any], tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    for second in range(4):  # older backups, by their names
        (folder / f"yixun-20260101-00000{second}.tar").write_bytes(b"old")
    (folder / "my-notes.tar").write_bytes(b"not ours")
    out = io.StringIO()
    call_command("backup", "--to", str(folder), "--keep", "2", stdout=out)
    made = Path(out.getvalue().strip())
    assert made.parent == folder and made.exists()
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [made.name, "yixun-20260101-000003.tar", "my-notes.tar"]
    )
    entry = AuditEntry.objects.get(action="upkeep.backup.made")
    assert entry.data == {"file": made.name, "encrypted": False}


def test_the_commands_read_the_passphrase_from_a_file_never_the_command_line(
    county: dict[str, Any], tmp_path: Path
) -> None:
    secret = tmp_path / "passphrase"
    secret.write_text("口令 in a file\n")
    out = io.StringIO()
    call_command("backup", "--to", str(tmp_path), "--passphrase-file", str(secret), stdout=out)
    made = Path(out.getvalue().strip())
    with backups.opened(made, "口令 in a file") as (manifest, _archive):
        assert manifest["format"] == backups.FORMAT
    empty = tmp_path / "empty"
    empty.write_text("")
    with pytest.raises(CommandError, match="is empty"):
        call_command("backup", "--to", str(tmp_path), "--passphrase-file", str(empty))
    with pytest.raises(CommandError, match="no backup"):
        call_command("restore", str(tmp_path / "missing.tar"))
