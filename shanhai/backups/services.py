"""Back up the database and the uploaded files into one checked archive, and restore one.

An archive is an uncompressed tar (the PostgreSQL dump is compressed already, uploads mostly are)
holding ``database.pgdump`` (``pg_dump --format=custom``) or ``database.sqlite3`` (SQLite's online
backup), the files under MEDIA_ROOT as ``media/…``, and ``manifest.json``: format version, when,
Shanhai's version, the database vendor, the latest migration per app, every table's row count and
every file's SHA-256 and size. Counts, migrations and dump come from one snapshot of the database.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
MEDIA_PREFIX = "media/"
CHUNK = 1024 * 1024
LOCK_TIMEOUT = "60s"  # a restore waits this long for running sessions, then fails untouched

Progress = Callable[[str], None]


class BackupError(Exception):
    """A backup that cannot be made, or an archive that cannot be restored; says which and why."""


@dataclass(frozen=True)
class FileEntry:
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    """What an archive says it holds."""

    format_version: int
    created_at: str
    shanhai_version: str
    vendor: str
    migrations: dict[str, str]
    tables: dict[str, int]
    files: dict[str, FileEntry]

    @property
    def database_member(self) -> str:
        return DATABASE_MEMBERS[self.vendor]

    def as_json(self) -> bytes:
        data = {
            "format_version": self.format_version,
            "created_at": self.created_at,
            "shanhai_version": self.shanhai_version,
            "vendor": self.vendor,
            "migrations": self.migrations,
            "tables": self.tables,
            "files": {
                name: {"sha256": entry.sha256, "size": entry.size}
                for name, entry in self.files.items()
            },
        }
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode()


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    count_differences: list[str]  # "table: archive N, restored M"; empty when all agree


def _quiet(line: str) -> None:
    """Print nothing (the default progress)."""


# Backing up


def create_backup(*, output: Path | str, progress: Progress = _quiet) -> Path:
    """Write an archive of the database and the uploaded files; return its path.

    *output* is a folder (the archive is named for the time) or a file name. The archive is
    written under a temporary name and renamed when complete: a failed backup leaves nothing.
    """
    connection = connections["default"]
    vendor = connection.vendor
    if vendor not in DATABASE_MEMBERS:
        raise BackupError(
            _("Backups support PostgreSQL and SQLite, not %(vendor)s.") % {"vendor": vendor}
        )
    now = datetime.now(UTC)
    target = _archive_path(output, now)
    media_root = Path(settings.MEDIA_ROOT).resolve()
    if target.resolve().is_relative_to(media_root):
        raise BackupError(
            _("Write the backup outside the uploaded files folder %(media)s.")
            % {"media": media_root}
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    # Stage the dump next to the archive, not in /tmp: a large database may not fit there.
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".shanhai-backup-") as staging:
        dump = Path(staging) / DATABASE_MEMBERS[vendor]
        progress(_("Dumping the %(vendor)s database…") % {"vendor": vendor})
        if vendor == "postgresql":
            migrations, tables = _dump_postgresql(connection, dump)
        else:
            migrations, tables = _dump_sqlite(connection, dump)
        progress(
            _("Database dumped: %(tables)d tables, %(rows)d rows, %(size)s.")
            % {"tables": len(tables), "rows": sum(tables.values()), "size": _size(dump)}
        )
        try:
            files = _write_archive(partial, dump, media_root, progress)
            manifest = Manifest(
                format_version=FORMAT_VERSION,
                created_at=now.isoformat(timespec="seconds"),
                shanhai_version=_shanhai_version(),
                vendor=vendor,
                migrations=migrations,
                tables=tables,
                files=files,
            )
            with tarfile.open(partial, "a", format=tarfile.PAX_FORMAT) as archive:
                _add_bytes(archive, MANIFEST, manifest.as_json(), now)
            with partial.open("rb") as written:
                os.fsync(written.fileno())
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    progress(_("Backup written: %(path)s (%(size)s).") % {"path": target, "size": _size(target)})
    return target


def _archive_path(output: Path | str, now: datetime) -> Path:
    if str(output).endswith(("/", os.sep)) or Path(output).is_dir():
        return Path(output) / f"shanhai-backup-{now:%Y%m%d-%H%M%S}.tar"
    return Path(output)


def _write_archive(
    partial: Path, dump: Path, media_root: Path, progress: Progress
) -> dict[str, FileEntry]:
    """Write the dump and every uploaded file into *partial*; return their checksums."""
    files: dict[str, FileEntry] = {}
    with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
        files[dump.name] = _add_file(archive, dump, dump.name)
        media = sorted(path for path in media_root.rglob("*") if path.is_file())
        total = 0
        for number, path in enumerate(media, start=1):
            name = MEDIA_PREFIX + path.relative_to(media_root).as_posix()
            files[name] = _add_file(archive, path, name)
            total += files[name].size
            if number % 500 == 0 or number == len(media):
                progress(
                    _("Uploaded files: %(done)d of %(total)d (%(size)s).")
                    % {"done": number, "total": len(media), "size": _format_size(total)}
                )
    return files


class _HashingReader:
    """Pass reads through, hashing what passes, so each file is read once."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file
        self.hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.file.read(size)
        self.hash.update(data)
        return data


def _add_file(archive: tarfile.TarFile, path: Path, name: str) -> FileEntry:
    with path.open("rb") as file:
        stat = os.fstat(file.fileno())
        info = tarfile.TarInfo(name)
        info.size = stat.st_size
        info.mtime = int(stat.st_mtime)
        info.mode = 0o644
        reader = _HashingReader(file)
        archive.addfile(info, reader)
    return FileEntry(sha256=reader.hash.hexdigest(), size=info.size)


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes, when: datetime) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(when.timestamp())
    info.mode = 0o644
    archive.addfile(info, io.BytesIO(data))


def _dump_sqlite(
    connection: BaseDatabaseWrapper, dump: Path
) -> tuple[dict[str, str], dict[str, int]]:
    """Copy the live database with SQLite's online backup: consistent while the app writes."""
    connection.ensure_connection()
    copy = sqlite3.connect(dump)
    try:
        connection.connection.backup(copy)
        return _sqlite_state(copy)
    finally:
        copy.close()


def _sqlite_state(database: sqlite3.Connection) -> tuple[dict[str, str], dict[str, int]]:
    names = [
        row[0]
        for row in database.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    tables = {
        name: database.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]  # noqa: S608
        for name in names
    }
    rows = database.execute("SELECT app, name FROM django_migrations").fetchall()
    return _latest_migrations(rows), tables


def _dump_postgresql(
    connection: BaseDatabaseWrapper, dump: Path
) -> tuple[dict[str, str], dict[str, int]]:
    """Run pg_dump on a snapshot exported by a session that also counts the rows in it."""
    snapshot_holder = connections.create_connection(connection.alias)
    try:
        with snapshot_holder.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            migrations, tables = _postgresql_state(cursor)
            _run(
                [
                    _postgresql_binary("pg_dump"),
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={dump}",
                    *_postgresql_connection_args(connection.settings_dict),
                ],
                connection.settings_dict,
            )
            cursor.execute("COMMIT")
    finally:
        snapshot_holder.close()
    return migrations, tables


def _postgresql_state(cursor: Any) -> tuple[dict[str, str], dict[str, int]]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    names = [row[0] for row in cursor.fetchall()]
    tables: dict[str, int] = {}
    for name in names:
        cursor.execute(f'SELECT COUNT(*) FROM public."{name}"')  # noqa: S608 (catalog names)
        tables[name] = cursor.fetchone()[0]
    cursor.execute("SELECT app, name FROM django_migrations")
    return _latest_migrations(cursor.fetchall()), tables


def _latest_migrations(rows: list[tuple[str, str]]) -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in rows:
        latest[app] = max(latest.get(app, name), name)
    return dict(sorted(latest.items()))


def _postgresql_binary(name: str) -> str:
    """Find a PostgreSQL client as scripts/pg does: on PATH, else the newest under /usr/lib."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda path: [int(part) for part in re.findall(r"\d+", path.parent.parent.name)],
    )
    if not candidates:
        raise BackupError(
            _("%(program)s was not found on PATH or under /usr/lib/postgresql/*/bin.")
            % {"program": name}
        )
    return str(candidates[-1])


def _postgresql_connection_args(database: dict[str, Any]) -> list[str]:
    args = []
    if database.get("HOST"):
        args.append(f"--host={database['HOST']}")
    if database.get("PORT"):
        args.append(f"--port={database['PORT']}")
    if database.get("USER"):
        args.append(f"--username={database['USER']}")
    args.append(f"--dbname={database['NAME']}")
    return args


def _postgresql_env(database: dict[str, Any]) -> dict[str, str]:
    """The environment for a client: the password never appears on a command line."""
    env = {**os.environ}
    env.pop("PGPASSWORD", None)
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])
    for option in ("sslmode", "sslrootcert", "sslcert", "sslkey"):
        if database.get("OPTIONS", {}).get(option):
            env[f"PG{option.upper()}"] = str(database["OPTIONS"][option])
    return env


def _run(command: list[str], database: dict[str, Any]) -> None:
    result = subprocess.run(  # noqa: S603 (PostgreSQL's own clients, arguments from settings)
        command,
        env=_postgresql_env(database),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(
            _("%(program)s failed: %(error)s")
            % {"program": Path(command[0]).name, "error": result.stderr.strip()[-2000:]}
        )


# Checking and restoring


def read_manifest(archive: Path) -> Manifest:
    """Read an archive's manifest; raise BackupError if it is not a Shanhai backup."""
    try:
        with tarfile.open(archive, "r:") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            data = json.loads(member.read())
    except FileNotFoundError as error:
        raise BackupError(_("No archive at %(path)s.") % {"path": archive}) from error
    except (tarfile.TarError, KeyError, ValueError) as error:
        raise BackupError(
            _("%(path)s is not a Shanhai backup archive (no readable manifest.json).")
            % {"path": archive}
        ) from error
    try:
        return Manifest(
            format_version=int(data["format_version"]),
            created_at=str(data["created_at"]),
            shanhai_version=str(data["shanhai_version"]),
            vendor=str(data["vendor"]),
            migrations={str(app): str(name) for app, name in data["migrations"].items()},
            tables={str(table): int(count) for table, count in data["tables"].items()},
            files={
                str(name): FileEntry(sha256=str(entry["sha256"]), size=int(entry["size"]))
                for name, entry in data["files"].items()
            },
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise BackupError(
            _("The manifest.json of %(path)s is incomplete: %(error)s")
            % {"path": archive, "error": error}
        ) from error


def check_archive(archive: Path, *, progress: Progress = _quiet) -> Manifest:
    """Prove *archive* whole and restorable here, touching nothing; return its manifest.

    Every file must match its SHA-256 and size, the database must be this one's vendor, and
    every migration it records must be one this code knows.
    """
    manifest = read_manifest(archive)
    if manifest.format_version > FORMAT_VERSION:
        raise BackupError(
            _(
                "The archive's format %(found)d is newer than this version of Shanhai reads "
                "(%(ours)d)."
            )
            % {"found": manifest.format_version, "ours": FORMAT_VERSION}
        )
    vendor = connections["default"].vendor
    if manifest.vendor != vendor:
        raise BackupError(
            _("The archive holds a %(archive)s database; this installation uses %(ours)s.")
            % {"archive": manifest.vendor, "ours": vendor}
        )
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    for app, name in manifest.migrations.items():
        if (app, name) not in known:
            raise BackupError(
                _(
                    "The archive's database has migration %(app)s.%(name)s, which this version "
                    "of Shanhai does not know: upgrade Shanhai before restoring it."
                )
                % {"app": app, "name": name}
            )
    progress(_("Checking %(n)d files in the archive…") % {"n": len(manifest.files)})
    for _name, _data in _verified_members(archive, manifest):
        pass
    progress(_("Every checksum matches."))
    return manifest


@contextmanager
def _open_members(archive: Path) -> Iterator[tarfile.TarFile]:
    try:
        with tarfile.open(archive, "r:") as tar:
            yield tar
    except tarfile.TarError as error:
        raise BackupError(
            _("%(path)s cannot be read: %(error)s") % {"path": archive, "error": error}
        ) from error


def _verified_members(
    archive: Path, manifest: Manifest, sink: Callable[[str], IO[bytes] | None] | None = None
) -> Iterator[tuple[str, FileEntry]]:
    """Read every member, checking it against the manifest; copy each into sink(name) if given."""
    if manifest.database_member not in manifest.files:
        raise BackupError(_("The archive lists no %(file)s.") % {"file": manifest.database_member})
    seen: set[str] = set()
    with _open_members(archive) as tar:
        for member in tar:
            if member.name == MANIFEST:
                continue
            entry = manifest.files.get(member.name)
            if entry is None or not member.isfile() or not _safe_name(member.name):
                raise BackupError(
                    _("The archive holds %(file)s, which its manifest does not list.")
                    % {"file": member.name}
                )
            source = tar.extractfile(member)
            assert source is not None  # a regular file
            target = sink(member.name) if sink else None
            digest = hashlib.sha256()
            size = 0
            try:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    if target is not None:
                        target.write(chunk)
            finally:
                if target is not None:
                    target.close()
            if digest.hexdigest() != entry.sha256 or size != entry.size:
                raise BackupError(
                    _(
                        "%(file)s in the archive is damaged: its checksum or size differs from "
                        "the manifest's. Nothing was restored."
                    )
                    % {"file": member.name}
                )
            seen.add(member.name)
            yield member.name, entry
    missing = sorted(set(manifest.files) - seen)
    if missing:
        raise BackupError(
            _(
                "%(file)s is listed in the manifest but missing from the archive. "
                "Nothing was restored."
            )
            % {"file": missing[0]}
        )


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and bool(path.parts)


def restore_backup(
    *, archive: Path, manifest: Manifest, progress: Progress = _quiet
) -> RestoreResult:
    """Replace the database and the uploaded files with *archive*'s (checked by check_archive).

    Everything is unpacked (and checked again) before anything is replaced, so a damaged archive
    or a full disk leaves the installation as it was. The database is replaced in one
    transaction; the uploaded files after it.
    """
    connection = connections["default"]
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    # Unpack the files inside MEDIA_ROOT itself: moving them into place is then a rename, even
    # when MEDIA_ROOT is a mount point of its own.
    with (
        tempfile.TemporaryDirectory(prefix=".shanhai-restore-") as staging,
        tempfile.TemporaryDirectory(dir=media_root, prefix=".shanhai-restore-") as media_staging,
    ):
        dump = Path(staging) / manifest.database_member
        progress(_("Unpacking the archive…"))

        def sink(name: str) -> IO[bytes]:
            if name == manifest.database_member:
                return dump.open("wb")
            path = Path(media_staging, *PurePosixPath(name.removeprefix(MEDIA_PREFIX)).parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            return path.open("wb")

        for _name, _entry in _verified_members(archive, manifest, sink):
            pass
        progress(_("Replacing the database…"))
        if manifest.vendor == "postgresql":
            _restore_postgresql(connection, dump)
        else:
            _restore_sqlite(connection, dump)
        ContentType.objects.clear_cache()
        progress(_("Replacing the uploaded files…"))
        _replace_media(media_root, Path(media_staging))
    progress(_("Comparing row counts with the archive's…"))
    return RestoreResult(manifest=manifest, count_differences=_count_differences(manifest))


def _restore_sqlite(connection: BaseDatabaseWrapper, dump: Path) -> None:
    """Copy the archived database into the live one with SQLite's backup API.

    Unlike renaming a file over the database, this is one SQLite transaction that every open
    connection (other processes' too) sees whole, and it leaves no stale -wal/-shm files behind.
    """
    connection.ensure_connection()
    source = sqlite3.connect(dump)
    try:
        source.backup(connection.connection)
    except sqlite3.Error as error:
        raise BackupError(
            _("SQLite could not restore the database: %(error)s") % {"error": error}
        ) from error
    finally:
        source.close()


def _restore_postgresql(connection: BaseDatabaseWrapper, dump: Path) -> None:
    """Drop and remake schema public, then load the dump, all in one transaction.

    ``pg_restore --clean`` would leave behind any table the archive does not have (one made by
    a later migration), so the restored database would not be the archived one; dropping the
    schema makes it exact, and psql's single transaction means a failure changes nothing.
    """
    database = connection.settings_dict
    # The dump becomes an SQL file before psql starts: piped, a pg_restore that failed half-way
    # would hand psql a short script, and psql would commit the dropped schema.
    script = dump.with_suffix(".sql")
    _run(
        [
            _postgresql_binary("pg_restore"),
            "--no-owner",
            "--no-privileges",
            f"--file={script}",
            str(dump),
        ],
        database,
    )
    connections.close_all()
    try:
        _run(
            [
                _postgresql_binary("psql"),
                "--no-psqlrc",
                "--quiet",
                "--set=ON_ERROR_STOP=1",
                "--single-transaction",
                f"--command=SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'",
                "--command=DROP SCHEMA IF EXISTS public CASCADE",
                "--command=CREATE SCHEMA public",
                f"--file={script}",
                *_postgresql_connection_args(database),
            ],
            database,
        )
    except BackupError as error:
        raise BackupError(
            _("%(error)s The database was left as it was.") % {"error": error}
        ) from error


def _replace_media(media_root: Path, staged: Path) -> None:
    for entry in media_root.iterdir():
        if entry == staged or entry.name.startswith(".shanhai-restore-"):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    for entry in staged.iterdir():
        entry.rename(media_root / entry.name)


def table_counts() -> dict[str, int]:
    """Count the rows of every table in the live database."""
    connection = connections["default"]
    with connection.cursor() as cursor:
        names = sorted(connection.introspection.table_names(cursor))
        counts: dict[str, int] = {}
        for name in names:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")  # noqa: S608
            counts[name] = cursor.fetchone()[0]
    return counts


def _count_differences(manifest: Manifest) -> list[str]:
    live = table_counts()
    differences = []
    for table in sorted(set(manifest.tables) | set(live)):
        archived, restored = manifest.tables.get(table), live.get(table)
        if archived != restored:
            differences.append(
                _("%(table)s: archive %(archived)s, restored %(restored)s")
                % {"table": table, "archived": archived, "restored": restored}
            )
    return differences


def _shanhai_version() -> str:
    try:
        return metadata.version("shanhai")
    except metadata.PackageNotFoundError:
        return "unknown"


def _size(path: Path) -> str:
    return _format_size(path.stat().st_size)


def _format_size(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"
