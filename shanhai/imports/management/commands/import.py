# ruff: noqa: N999 (the command is called `import`)
"""shanhai import KIND FILE [--pairing CODE] [--dry-run] [--update] [--json]"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser

from shanhai.imports import selectors, services
from shanhai.imports.kinds import KINDS
from shanhai.imports.models import ImportJob


class Command(BaseCommand):
    help = (
        "Import a spreadsheet (.xlsx, .xls, .csv) of one kind. Exit status: 0 all rows accepted, "
        "1 rows rejected (nothing written), 2 the file cannot be used."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--pairing", default="", help="code of the pairing rows belong to")
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")
        parser.add_argument("--update", action="store_true", help="update rows already stored")
        parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
        parser.add_argument(
            "--user", default="", help="act as this user (default: an administrator)"
        )
        parser.add_argument("--side", choices=["east", "west"], default="", help="side recording")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = selectors.command_user(options["user"])
            pairing = selectors.command_pairing(user, options["pairing"])
        except LookupError as error:
            raise CommandError(str(error)) from error
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        with path.open("rb") as handle:
            try:
                outcome = services.import_file(
                    kind=options["kind"],
                    file=File(handle, name=path.name),
                    user=user,
                    pairing=pairing,
                    mode=ImportJob.Mode.UPDATE if options["update"] else ImportJob.Mode.CREATE,
                    side=options["side"],
                    dry_run=options["dry_run"],
                )
            except PermissionDenied as error:
                raise CommandError(f"{user} may not import {options['kind']} here") from error
        if options["json"]:
            self.stdout.write(json.dumps(outcome.as_json(), ensure_ascii=False))
        else:
            self._report(outcome, dry_run=options["dry_run"])
        self.stdout.flush()
        sys.exit(outcome.exit_status)

    def _report(self, outcome: Any, *, dry_run: bool) -> None:
        for problem in outcome.errors:
            where = " ".join(
                part
                for part in (
                    f"row {problem.row}" if problem.row else "",
                    f"[{problem.column}]" if problem.column else "",
                )
                if part
            )
            self.stderr.write(f"{where}: {problem.message}" if where else problem.message)
        self.stdout.write(
            f"{outcome.kind}: {outcome.rows} rows, {outcome.accepted} accepted, "
            f"{outcome.rejected} rejected; "
            + (
                f"would create {outcome.to_create}, update {outcome.to_update}"
                if dry_run
                else f"created {outcome.created}, updated {outcome.updated}"
            )
            + f", unchanged {outcome.unchanged}, present with other values {outcome.exists}"
        )
