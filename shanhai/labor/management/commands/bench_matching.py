"""`shanhai bench_matching`: time ranking and the batch assignment on synthetic data."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shanhai.core.benchmarks import DOC, replace_section
from shanhai.labor import bench_matching


class Command(BaseCommand):
    help = "Rank and assign synthetic workers and postings in memory; nothing is saved."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workers", type=int, default=100_000)
        parser.add_argument("--postings", type=int, default=10_000)
        parser.add_argument("--runs", type=int, default=50, help="single-worker rankings timed")
        parser.add_argument("--write", action="store_true", help=f"update {DOC}")

    def handle(
        self, *args: Any, workers: int, postings: int, runs: int, write: bool, **options: Any
    ) -> None:
        figures = bench_matching.run(workers=workers, postings=postings, runs=runs)
        table = bench_matching.as_markdown(figures, runs=runs)
        self.stdout.write(table)
        if write:
            replace_section(f"## Labor matching\n\n{table}\n")
            self.stdout.write(f"\nwrote {DOC}")
