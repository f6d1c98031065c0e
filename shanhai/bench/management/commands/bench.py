"""`shanhai bench`: issue 9's measurements, in one run on one synthetic dataset."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from shanhai.bench import report
from shanhai.bench.dataset import SIZES
from shanhai.bench.run import run
from shanhai.core.benchmarks import DOC, replace_section
from shanhai.synth.run import SynthRefusedError


class Command(BaseCommand):
    help = (
        "Fill the database with `shanhai synth` data of the scale if it is not there, then "
        "measure dashboards, rollups, ingest, import, pages under load, matching and a "
        "columnar scan on it; print the figures and the goals they meet."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=list(SIZES), default="county")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
        parser.add_argument(
            "--write",
            action="store_true",
            help=f"update {DOC} and {report.RESULTS}/<scale>-<database>.json",
        )
        parser.add_argument(
            "--replay",
            action="store_true",
            help="also time replaying every fact from the ledgers (`shanhai rollups rebuild`)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        say = self.stderr.write if options["json"] else self.stdout.write
        try:
            results = run(options["scale"], seed=options["seed"], say=say, replay=options["replay"])
        except SynthRefusedError as refusal:
            raise CommandError(str(refusal)) from refusal
        goals = report.goals(results, connection.vendor)
        if options["json"]:
            self.stdout.write(report.as_json(results, goals))
        else:
            self.stdout.write(report.as_markdown(results, goals))
        if options["write"]:
            heading = f"## Issue 9 benchmark, {options['scale']} scale, {connection.vendor}"
            replace_section(f"{heading}\n\n{report.as_markdown(results, goals)}\n")
            report.RESULTS.mkdir(parents=True, exist_ok=True)
            path = report.RESULTS / f"{options['scale']}-{connection.vendor}.json"
            path.write_text(report.as_json(results, goals) + "\n")
            say(f"wrote {DOC} and {path}")
