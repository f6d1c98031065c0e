"""`shanhai bench_ledger`: time the ledger's pages on a large synthetic ledger (rolled back)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shanhai.ledger import bench

DOC = Path("docs/benchmarks.md")


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
            _replace_section(DOC, section)
            self.stdout.write(f"\nwrote {DOC}")


def _replace_section(path: Path, section: str) -> None:
    """Replace the section with the same heading in *path*, or append it."""
    heading = section.splitlines()[0]
    text = path.read_text() if path.exists() else "# Benchmarks\n\nMeasured, not estimated.\n"
    parts = text.split("\n## ")
    kept = [parts[0]] + [p for p in parts[1:] if not heading.endswith(p.splitlines()[0])]
    path.write_text("\n## ".join(kept).rstrip() + "\n\n" + section)
