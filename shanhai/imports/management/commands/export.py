"""shanhai export KIND [--pairing CODE] [--year YEAR] -o FILE (.xlsx or .csv)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shanhai.imports import selectors
from shanhai.imports.exports import write_export
from shanhai.imports.kinds import KINDS, get_kind
from shanhai.imports.services import record_export


class Command(BaseCommand):
    help = "Export a kind's records as the import template's sheet (.xlsx) or as .csv."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("--pairing", default="", help="only this pairing and those below it")
        parser.add_argument("--year", type=int, default=None)
        parser.add_argument("-o", "--output", type=Path, required=True)
        parser.add_argument(
            "--user", default="", help="export as this user sees (default: an administrator)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"]
        fmt = output.suffix.lower().lstrip(".")
        if fmt not in ("xlsx", "csv"):
            raise CommandError("the output file must end in .xlsx or .csv")
        try:
            user = selectors.command_user(options["user"])
            pairing = selectors.command_pairing(user, options["pairing"])
        except LookupError as error:
            raise CommandError(str(error)) from error
        kind = get_kind(options["kind"])
        objects = kind.export_objects(user, pairing=pairing, year=options["year"])
        unmasked = kind.may_unmask(user, pairing)
        with output.open("wb") as file:
            count = write_export(kind, objects, fmt, file, unmasked=unmasked)
        record_export(
            kind=kind,
            user=user,
            pairing=pairing,
            year=options["year"],
            rows=count,
            unmasked=unmasked,
        )
        self.stdout.write(f"{count} rows → {output}")
