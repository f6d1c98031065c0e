"""`shanhai synth`: fill a database with synthetic data at county, province or national scale."""

from __future__ import annotations

import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils.translation import gettext as _

from shanhai.facts.selectors import rollup_differences
from shanhai.synth import report
from shanhai.synth.run import StageResult, SynthRefusedError, run
from shanhai.synth.scales import DEFAULT_SAMPLE, SCALES, Scale

SHOWN = ("county", "province", "nation")


class Command(BaseCommand):
    help = (
        "Fill the database with reproducible synthetic data through the services imports use: "
        "county (SQLite, seconds), province (PostgreSQL, hours), nation (--dry-run, --sample)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=[*SCALES, "all"], default="county")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--years", help="first-last, e.g. 2021-2025 (default: the scale's)")
        parser.add_argument(
            "--dry-run", action="store_true", help="print the planned rows per table and stop"
        )
        parser.add_argument(
            "--sample",
            type=float,
            nargs="?",
            const=DEFAULT_SAMPLE,
            help=f"a sample of the scale's shape at this fraction (default {DEFAULT_SAMPLE:g})",
        )
        parser.add_argument(
            "--fraction",
            type=float,
            default=1.0,
            help="write every 1/F-th unit of the big stages now, to time them and project the "
            "whole run (run again without it to complete)",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=1,
            help="write the sales in this many processes (PostgreSQL; the machine's cores). "
            "The same lines; which lines are flagged over a product's certified quantity "
            "may differ, as it depends on the order sales arrive in",
        )
        parser.add_argument(
            "--verify", action="store_true", help="check the rollups and monthly sales sums after"
        )
        parser.add_argument(
            "--digest", action="store_true", help="print a digest of the dataset's key columns"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["scale"] == "all":
            if not options["dry_run"]:
                raise CommandError(_("--scale all only goes with --dry-run."))
            self.stdout.write(markdown(years=self._years(options, SCALES["county"])))
            return
        scale = SCALES[options["scale"]]
        if options["sample"] is not None:
            scale = scale.sampled(options["sample"])
        years = self._years(options, scale)
        if scale.name == "nation" and not options["dry_run"]:
            raise CommandError(
                _(
                    "The nation scale does not fit one machine: see its sizes with --dry-run, "
                    "or make a sample of its shape with --sample."
                )
            )
        plan = report.make_plan(scale, seed=options["seed"], years=years)
        if options["dry_run"]:
            self._show_plan(plan)
            return
        if not 0 < options["fraction"] <= 1:
            raise CommandError(_("--fraction is a share between 0 and 1."))
        if options["jobs"] < 1:
            raise CommandError(_("--jobs is a number of processes, 1 or more."))
        if options["jobs"] > 1 and connection.vendor == "sqlite":
            raise CommandError(_("--jobs above 1 needs PostgreSQL: SQLite writes one at a time."))
        try:
            results = run(
                plan, say=self.stdout.write, fraction=options["fraction"], jobs=options["jobs"]
            )
        except SynthRefusedError as refusal:
            raise CommandError(str(refusal)) from refusal
        self._show_results(plan, results, partial=options["fraction"] < 1)
        if options["verify"]:
            self._verify()
        if options["digest"]:
            self.stdout.write(f"digest {report.digest(plan)}")

    def _years(self, options: dict[str, Any], scale: Scale) -> list[int]:
        text = options.get("years")
        if not text:
            return list(range(scale.years[0], scale.years[1] + 1))
        found = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", text.strip())
        if not found:
            raise CommandError(_("Give the years as first-last, e.g. 2021-2025."))
        first, last = int(found[1]), int(found[2] or found[1])
        if last < first:
            raise CommandError(_("Give the years as first-last, e.g. 2021-2025."))
        return list(range(first, last + 1))

    def _show_plan(self, plan: report.Plan) -> None:
        self.stdout.write(
            f"{plan.tag}: {plan.scale.summary}; {plan.years[0]}–{plan.years[-1]}, "
            "rows planned per table (≈: depends on drawn dates)"
        )
        for row in report.planned(plan):
            mark = "" if row.exact else "≈"
            note = f"  ({row.note})" if row.note else ""
            self.stdout.write(f"  {row.table:<34} {mark:>1}{row.count:>14,}{note}")

    def _show_results(
        self, plan: report.Plan, results: list[StageResult], *, partial: bool
    ) -> None:
        total = sum(r.seconds for r in results)
        self.stdout.write(_("Synthetic data written in %(seconds).1f s.") % {"seconds": total})
        if partial:
            projected = sum(r.projected for r in results)
            self.stdout.write("projected for the whole scale, at the rates measured:")
            for r in results:
                self.stdout.write(
                    f"  {r.name:<15} {r.planned:>12,} {r.unit:<24} {r.rate:>9,.0f}/s "
                    f"→ {r.projected / 60:>8,.1f} min"
                )
            self.stdout.write(f"  {'total':<15} {projected / 3600:,.2f} h")
        found = report.found(plan)
        self.stdout.write(f"  {'table':<34} {'planned':>14} {'found':>14}")
        for row in report.planned(plan):
            mark = "" if row.exact else "≈"
            self.stdout.write(
                f"  {row.table:<34} {mark:>1}{row.count:>13,} {found.get(row.table, 0):>14,}"
            )

    def _verify(self) -> None:
        differences = rollup_differences()
        if differences:
            raise CommandError(
                _("%(n)d rollup cells differ from a recompute; run `shanhai rollups rebuild`.")
                % {"n": len(differences)}
            )
        if not report.sales_months_agree():
            raise CommandError(_("The monthly sales sums differ from the sale lines."))
        self.stdout.write(_("Rollups and monthly sales sums equal a recount."))


def markdown(*, years: list[int]) -> str:
    """The planned rows per table of county, province and nation, as a Markdown table."""
    plans = [report.make_plan(SCALES[name], seed=1, years=years) for name in SHOWN]
    rows = [report.planned(plan) for plan in plans]
    lines = [
        f"| table ({years[0]}–{years[-1]}) | " + " | ".join(SHOWN) + " |",
        "|---|" + "---:|" * len(SHOWN),
    ]
    for n, row in enumerate(rows[0]):
        cells = [f"{'≈' if not r[n].exact else ''}{r[n].count:,}" for r in rows]
        lines.append(f"| {row.table} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
