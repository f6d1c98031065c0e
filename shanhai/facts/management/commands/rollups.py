"""`shanhai rollups verify|rebuild|recount`: prove the rollups equal a recompute, or remake them."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from shanhai.facts import selectors, services


class Command(BaseCommand):
    help = (
        "verify: recompute every rollup from the ledgers and compare; rebuild: start afresh from "
        "the ledgers; recount: rebuild the rollups alone from the stored facts (one GROUP BY)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "rebuild", "recount"])

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "rebuild":
            written = services.rebuild_rollups()
            self.stdout.write(_("Rollups rebuilt from %(facts)d facts.") % {"facts": written})
            return
        if action == "recount":
            cells = services.recount_rollups()
            self.stdout.write(
                _("Rollups recounted from the facts: %(cells)d cells.") % {"cells": cells}
            )
            return
        differences = selectors.rollup_differences()
        for difference in differences[:50]:
            self.stdout.write(
                f"{difference.cell}: stored {difference.stored}, expected {difference.expected}"
            )
        if differences:
            raise CommandError(
                _("%(n)d rollup cells differ from a recompute; run `shanhai rollups rebuild`.")
                % {"n": len(differences)}
            )
        self.stdout.write(
            _("Rollups are exact (%(n)d facts checked).") % {"n": selectors.fact_count()}
        )
