"""`shanhai backup` and `shanhai restore`: an archive brings back every row and every upload.

The restore runs in this process against the test database (SQLite's backup API into the
in-memory database, or pg_restore through psql on PostgreSQL): it rebuilds exactly the state the
test backed up, and the flush after each test (serialized_rollback, as for the worker tests)
puts back what other tests expect.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from shanhai.backups import services
from shanhai.facts.models import Rollup
from shanhai.ledger.models import Evidence, Visit
from shanhai.ledger.services import attach_evidence
from shanhai.ledger.tests.factories import pdf_upload
from shanhai.places.tests.factories import PairingFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    root: Path = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def backups(tmp_path: Path) -> Path:
    folder = tmp_path / "backups"
    folder.mkdir()
    return folder


@pytest.fixture
def small_installation(media_root: Path) -> None:
    """A few rows and one uploaded file: enough for the refusals."""
    PairingFactory.create(code="songjiang-weixin")
    upload = media_root / "imports" / "2026" / "11" / "走访记录.xlsx"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(b"PK\x03\x04 a spreadsheet" * 100)


def database_digest() -> dict[str, str]:
    """Every table's rows, in primary-key order, as one digest per table."""
    digests = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        rows = list(model._base_manager.order_by("pk").values_list())
        digests[model._meta.db_table] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return digests


def media_files(root: Path) -> dict[str, bytes]:
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file()
    }


def back_up(folder: Path) -> tuple[Path, str]:
    out = io.StringIO()
    call_command("backup", "--output", str(folder), stdout=out)
    (archive,) = folder.glob("shanhai-backup-*.tar")
    return archive, out.getvalue()


def restore(archive: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("restore", str(archive), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def rewrite(
    archive: Path, *, manifest: Any = None, damage: str = "", replace: tuple[str, bytes] = ("", b"")
) -> None:
    """Copy *archive* over itself with a changed manifest, one byte of *damage* flipped, or a
    member replaced (and its checksum with it, as a well-formed but wrong archive would have)."""
    with tarfile.open(archive) as tar:
        members = [(member, tar.extractfile(member).read()) for member in tar]  # type: ignore[union-attr]
    name, content = replace
    with tarfile.open(archive, "w", format=tarfile.PAX_FORMAT) as tar:
        for member, data in members:
            if member.name == services.MANIFEST and manifest is not None:
                data = json.dumps(manifest(json.loads(data))).encode()
            if member.name == services.MANIFEST and name:
                listed = json.loads(data)
                listed["files"][name] = {
                    "sha256": hashlib.sha256(content).hexdigest(),
                    "size": len(content),
                }
                data = json.dumps(listed).encode()
            if member.name == damage:
                data = bytes([data[0] ^ 0xFF]) + data[1:]
            if member.name == name:
                data = content
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))


def wreck(media_root: Path) -> None:
    """What a bad day does: rows deleted, a table gone, uploads lost."""
    Evidence.objects.all().delete()
    with connection.schema_editor() as editor:
        editor.delete_model(Rollup)
    for path in media_root.rglob("*"):
        if path.is_file():
            path.unlink()


def test_a_restore_brings_back_every_row_and_every_uploaded_file(media_root, backups):
    call_command("demo", stdout=io.StringIO())
    visit = Visit.objects.order_by("id").first()
    assert visit is not None
    attach_evidence(record=visit, file=pdf_upload(), uploaded_by=visit.recorded_by)
    rows, files = database_digest(), media_files(media_root)
    assert Rollup.objects.exists()
    assert any(name.startswith("evidence/") for name in files)

    archive, progress = back_up(backups)
    wreck(media_root)
    restore(archive, "--yes")

    assert database_digest() == rows
    assert media_files(media_root) == files
    assert str(archive) in progress


def test_the_manifest_lists_every_file_checksum_table_count_and_migration(
    small_installation, media_root, backups
):
    archive, _ = back_up(backups)

    manifest = services.read_manifest(archive)
    upload = "imports/2026/11/走访记录.xlsx"
    content = (media_root / upload).read_bytes()
    assert manifest.vendor == connection.vendor
    assert manifest.files["media/" + upload] == services.FileEntry(
        sha256=hashlib.sha256(content).hexdigest(), size=len(content)
    )
    assert manifest.database_member in manifest.files
    assert manifest.tables == services.table_counts()
    assert manifest.tables["places_pairing"] >= 1
    assert manifest.migrations["facts"].startswith("0")
    assert [path.name for path in backups.iterdir()] == [archive.name]  # no leftovers


def test_a_failed_backup_leaves_no_archive_behind(small_installation, backups, monkeypatch):
    def disk_full(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tarfile.TarFile, "addfile", disk_full)

    with pytest.raises(OSError, match="No space left"):
        call_command("backup", "--output", str(backups), stdout=io.StringIO())

    assert list(backups.iterdir()) == []


def test_a_damaged_archive_is_refused_naming_the_file_and_nothing_is_touched(
    small_installation, media_root, backups
):
    archive, _ = back_up(backups)
    rewrite(archive, damage="media/imports/2026/11/走访记录.xlsx")
    PairingFactory.create(code="after-the-backup")
    rows, files = database_digest(), media_files(media_root)

    with pytest.raises(CommandError, match=re.escape("走访记录.xlsx")):
        restore(archive, "--yes")

    assert database_digest() == rows
    assert media_files(media_root) == files


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: {**m, "vendor": "oracle"}, "oracle"),
        (
            lambda m: {**m, "migrations": {**m["migrations"], "facts": "9999_from_the_future"}},
            "facts.9999_from_the_future",
        ),
    ],
    ids=["another-database-vendor", "a-newer-migration"],
)
def test_an_archive_this_installation_cannot_take_is_refused(
    small_installation, media_root, backups, change, message
):
    archive, _ = back_up(backups)
    rewrite(archive, manifest=change)
    PairingFactory.create(code="after-the-backup")
    rows = database_digest()

    with pytest.raises(CommandError, match=re.escape(message)):
        restore(archive, "--yes")

    assert database_digest() == rows


def test_restore_asks_first_and_a_no_changes_nothing(
    small_installation, media_root, backups, monkeypatch
):
    archive, _ = back_up(backups)
    PairingFactory.create(code="after-the-backup")
    rows = database_digest()
    monkeypatch.setattr("builtins.input", lambda prompt: "no")

    with pytest.raises(CommandError):
        restore(archive)

    assert database_digest() == rows


@pytest.mark.postgresql
def test_on_postgresql_the_archive_is_a_pg_dump_and_restore_leaves_no_later_table(
    small_installation, backups
):
    archive, _ = back_up(backups)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE made_after_the_backup (id integer)")
    rows = database_digest()

    restore(archive, "--yes")

    with tarfile.open(archive) as tar:
        dump = tar.extractfile("database.pgdump")
        assert dump is not None
        assert dump.read(5) == b"PGDMP"  # pg_dump's custom format
    assert "made_after_the_backup" not in services.table_counts()
    assert database_digest() == rows


@pytest.mark.postgresql
def test_on_postgresql_a_dump_that_cannot_be_loaded_leaves_the_database_as_it_was(
    small_installation, media_root, backups
):
    archive, _ = back_up(backups)
    rewrite(archive, replace=("database.pgdump", b"PGDMP but not really a dump"))
    PairingFactory.create(code="after-the-backup")
    rows, files = database_digest(), media_files(media_root)

    with pytest.raises(CommandError, match="pg_restore"):
        restore(archive, "--yes")

    assert database_digest() == rows
    assert media_files(media_root) == files


@pytest.mark.postgresql
def test_on_postgresql_a_restore_blocked_by_a_running_session_fails_and_changes_nothing(
    small_installation, media_root, backups, monkeypatch
):
    archive, _ = back_up(backups)
    PairingFactory.create(code="after-the-backup")
    rows, files = database_digest(), media_files(media_root)
    monkeypatch.setattr(services, "LOCK_TIMEOUT", "1s")
    running_app = connections.create_connection("default")
    try:
        with running_app.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT COUNT(*) FROM places_pairing")  # holds a lock on the table

            with pytest.raises(CommandError, match="lock timeout"):
                restore(archive, "--yes")

            cursor.execute("ROLLBACK")
    finally:
        running_app.close()

    assert database_digest() == rows
    assert media_files(media_root) == files
