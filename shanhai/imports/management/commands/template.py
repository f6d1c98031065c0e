"""shanhai template KIND -o FILE"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shanhai.imports.exports import write_template
from shanhai.imports.kinds import KINDS, get_kind


class Command(BaseCommand):
    help = "Write a kind's blank import template (.xlsx): headers, drop-downs, an example row."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("-o", "--output", type=Path, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"]
        with output.open("wb") as file:
            write_template(get_kind(options["kind"]), file)
        self.stdout.write(f"→ {output}")
