"""`shanhai forecast_backtest --pairing CODE`: how well the demand forecast did on past sales."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from shanhai.consumption import bench_forecast, guidance, selectors
from shanhai.core.benchmarks import DOC, replace_section


class Command(BaseCommand):
    help = (
        "Hold out the last 12 months of each category's counted sales, forecast them, and "
        "compare the error with a seasonal-naive forecast (same month a year before)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pairing", required=True, help="the pairing's code")
        parser.add_argument("--write", action="store_true", help=f"update {DOC}")

    def handle(self, *args: Any, pairing: str, write: bool, **options: Any) -> None:
        try:
            found = selectors.get_public_pairing(pairing)
        except Http404:
            raise CommandError(f"no pairing with the code {pairing!r}") from None
        ledger = guidance.backtest_table(guidance.pairing_guidance(found, with_backtest=True))
        synthetic = bench_forecast.table()
        table = f"On the ledger of {found.code}:\n\n{ledger}\n\n{synthetic}"
        self.stdout.write(table)
        if write:
            replace_section(f"## Demand forecast backtest\n\n{table}\n")
            self.stdout.write(f"\nwrote {DOC}")
