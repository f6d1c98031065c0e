"""`shanhai loadtest`: many users reading, writing and importing at once; nothing may be lost."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from shanhai.bench import mixed
from shanhai.core.benchmarks import environment, replace_section

RELIABILITY = Path(settings.BASE_DIR) / "docs" / "reliability.md"


@contextmanager
def scratch_database(folder: Path) -> Iterator[str]:
    """The URL of an empty database beside the one configured (SQLite: a file in *folder*;
    PostgreSQL: `<name>_loadtest` on the same server), dropped when the block ends."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{folder / 'loadtest.sqlite3'}"
        return
    if connection.vendor != "postgresql" or not os.environ.get("DATABASE_URL"):
        raise CommandError("the load test runs on SQLite, or on PostgreSQL named by DATABASE_URL")
    name = f"{connection.settings_dict['NAME']}_loadtest"
    quoted = connection.ops.quote_name(name)  # our own name, never input
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {quoted}")
    try:
        yield urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}"))
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


class Command(BaseCommand):
    help = (
        "Make a scratch copy of the demo database, serve it with the production server and a "
        "task worker, and let many users read, write records, send sales and import sheets at "
        "once; then check that every write answered as done is in the database. Fails when a "
        "request failed or a write was lost. The scratch database is dropped afterwards."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, default=50)
        parser.add_argument("--seconds", type=float, default=60)
        parser.add_argument("--limit", type=int, default=100_000, help="at most this many actions")
        parser.add_argument("--write", action="store_true", help=f"update {RELIABILITY.name}")
        parser.add_argument("--inside", action="store_true", help="(internal) run on this database")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["users"] < 1 or options["seconds"] <= 0:
            raise CommandError("--users must be at least 1 and --seconds more than 0")
        if options["inside"]:
            self._measure(options)
            return
        with tempfile.TemporaryDirectory() as folder, scratch_database(Path(folder)) as url:
            env = {**os.environ, "DATABASE_URL": url, "DATABASE_REPLICA_URL": ""}
            shanhai = [sys.executable, "-m", "django"]
            for step in (["migrate", "--noinput", "-v", "0"], ["demo"]):
                self.stdout.write(f"scratch database: {' '.join(step[:1])} …")
                subprocess.run([*shanhai, *step], env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
            inner = [*shanhai, "loadtest", "--inside"]
            for name in ("users", "seconds", "limit"):
                inner += [f"--{name}", str(options[name])]
            if options["write"]:
                inner.append("--write")
            done = subprocess.run(inner, env=env, check=False)  # noqa: S603 - our own command
        if done.returncode:
            raise CommandError("the load test failed (see above)")

    def _measure(self, options: dict[str, Any]) -> None:
        results = mixed.run(
            users=options["users"],
            seconds=options["seconds"],
            limit=options["limit"],
            say=self.stdout.write,
        )
        text = mixed.as_markdown(results, environment())
        self.stdout.write(text)
        if options["write"]:
            heading = f"## Load: reads, writes and imports at once, {connection.vendor}"
            replace_section(f"{heading}\n\n{text}\n", RELIABILITY)
            self.stdout.write(f"wrote {RELIABILITY}")
        if results.errors or results.lost or results.jobs_unfinished or not results.rollups_exact:
            raise CommandError(
                f"{results.errors} errors, {results.lost} writes lost, "
                f"{results.jobs_unfinished} imports unfinished"
            )
