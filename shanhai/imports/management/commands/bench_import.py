"""`shanhai bench_import`: time a big spreadsheet import against merely reading the file."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shanhai.core.benchmarks import DOC, replace_section
from shanhai.imports import bench


class Command(BaseCommand):
    help = "Import an N-row visit sheet (rolled back) and compare with reading it; nothing is kept."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=200_000)
        parser.add_argument("--write", action="store_true", help=f"update {DOC}")

    def handle(self, *args: Any, rows: int, write: bool, **options: Any) -> None:
        facts, figures = bench.run(rows=rows)
        table = bench.as_markdown(facts, figures)
        self.stdout.write(table)
        if write:
            replace_section(f"## Spreadsheet import, {facts['database'].split()[0]}\n\n{table}\n")
            self.stdout.write(f"\nwrote {DOC}")
