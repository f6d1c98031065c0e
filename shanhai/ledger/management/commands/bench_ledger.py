"""`shanhai bench_ledger`: time the ledger's pages on a large synthetic ledger (rolled back)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shanhai.core.benchmarks import DOC, replace_section
from shanhai.ledger import bench


class Command(BaseCommand):
    help = "Time the timeline and lists on N synthetic records; nothing is kept."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--records", type=int, default=100_000)
        parser.add_argument("--repeat", type=int, default=15)
        parser.add_argument("--write", action="store_true", help=f"update {DOC}")

    def handle(self, *args: Any, records: int, repeat: int, write: bool, **options: Any) -> None:
        facts, timings = bench.run(records=records, repeat=repeat)
        table = bench.as_markdown(facts, timings, repeat=repeat)
        self.stdout.write(table)
        if write:
            section = f"## Ledger pages, {facts['database'].split()[0]}\n\n{table}\n"
            replace_section(section)
            self.stdout.write(f"\nwrote {DOC}")
