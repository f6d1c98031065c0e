"""`shanhai bench_consumption`: API ingest lines/s and dashboard latency over millions of lines."""

import os
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from shanhai.consumption import bench_ingest
from shanhai.consumption.services import MAX_BATCH_LINES
from shanhai.core.benchmarks import DOC, environment, replace_section


class Command(BaseCommand):
    help = (
        "Push synthetic sale lines through the API, then fill the sale line table and time the "
        "dashboards. Everything written is kept: use a throwaway database (scripts/pg start)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lines", type=int, default=200_000, help="lines pushed via the API")
        parser.add_argument("--batch", type=int, default=MAX_BATCH_LINES, help="lines a request")
        parser.add_argument(
            "--dashboard-lines",
            type=int,
            default=10_000_000,
            help="lines written straight into the table for the dashboards (0: skip)",
        )
        parser.add_argument(
            "--after-lines",
            type=int,
            default=50_000,
            help="lines pushed again once the table is full (0: skip)",
        )
        parser.add_argument("--repeat", type=int, default=20, help="runs of each dashboard read")
        parser.add_argument("--scan-repeat", type=int, default=5, help="runs of each line scan")
        parser.add_argument(
            "--yes", action="store_true", help="run even without DATABASE_URL (the demo's database)"
        )
        parser.add_argument("--write", action="store_true", help=f"update {DOC}")

    def handle(self, *args: Any, **options: Any) -> None:
        if not os.environ.get("DATABASE_URL") and not options["yes"]:
            raise CommandError(
                "This writes millions of sale lines and keeps them. Point DATABASE_URL at a "
                'throwaway database (eval "$(scripts/pg start /tmp/pgbench)"; shanhai migrate) '
                "or pass --yes to write into the demo's database."
            )
        batch = options["batch"]
        if not 1 <= batch <= MAX_BATCH_LINES:
            raise CommandError(f"--batch must be between 1 and {MAX_BATCH_LINES:,}.")
        dashboard_lines = options["dashboard_lines"]
        if dashboard_lines and connection.vendor != "postgresql":
            raise CommandError("The dashboard part needs PostgreSQL; or pass --dashboard-lines 0.")

        def say(message: str) -> None:
            self.stdout.write(message)
            self.stdout.flush()

        tag = time.strftime("%y%m%d%H%M%S")
        say("Building pairings, suppliers, certified products, channels and keys …")
        started = time.perf_counter()
        world = bench_ingest.build_world(tag)
        say(f"  done in {time.perf_counter() - started:.0f} s")

        say(f"Pushing {options['lines']:,} lines through the API …")
        bodies = bench_ingest.make_batches(
            world, lines=options["lines"], size=batch, tag=f"A{tag}", seed=2023
        )
        first = bench_ingest.push_all(world, bodies, say)
        say(f"  {first.rate:,.0f} lines/s")

        board = None
        full = None
        if dashboard_lines:
            board = bench_ingest.dashboards(
                world,
                lines=dashboard_lines,
                tag=tag,
                repeat=options["repeat"],
                scan_repeat=options["scan_repeat"],
                say=say,
            )
            if options["after_lines"]:
                say(f"Pushing {options['after_lines']:,} more lines with the table full …")
                bodies = bench_ingest.make_batches(
                    world, lines=options["after_lines"], size=batch, tag=f"B{tag}", seed=2024
                )
                full = bench_ingest.push_all(world, bodies, say)
                say(f"  {full.rate:,.0f} lines/s")

        table = bench_ingest.as_markdown(
            environment(),
            first,
            board,
            full,
            batch=batch,
            upload_mb=settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1024 / 1024,
        )
        self.stdout.write("\n" + table)
        if options["write"]:
            replace_section(
                f"## Sales API ingest and consumption dashboards, {connection.vendor}\n\n{table}\n"
            )
            self.stdout.write(f"\nwrote {DOC}")
