"""`shanhai indicators load FILE` and `shanhai indicators list [--regime CODE]`."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from shanhai.indicators.catalogue import apply_catalogue, read_catalogue_file
from shanhai.indicators.models import Indicator, Regime


class Command(BaseCommand):
    help = "load: create or update a regime's indicators from a catalogue file; list: show them."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        load = actions.add_parser("load", help="Load a catalogue JSON file.")
        load.add_argument("file", help="e.g. shanhai/indicators/catalogues/2021.json")
        listing = actions.add_parser("list", help="List the indicators of every regime, or one.")
        listing.add_argument("--regime", help="Only this regime's code, e.g. 2021.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "load":
            self.load(options["file"])
        else:
            self.list(options.get("regime"))

    def load(self, path: str) -> None:
        try:
            loaded = apply_catalogue(data=read_catalogue_file(path))
        except OSError as error:
            raise CommandError(str(error)) from error
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        message = _(
            "Regime %(regime)s: %(created)d indicators created, %(updated)d updated, "
            "%(unchanged)d unchanged."
        )
        counts = {
            "regime": loaded.regime.code,
            "created": len(loaded.created),
            "updated": len(loaded.updated),
            "unchanged": len(loaded.unchanged),
        }
        self.stdout.write(message % counts)
        if loaded.not_in_file:
            self.stdout.write(
                _("Kept, though not in the file: %(codes)s.")
                % {"codes": ", ".join(loaded.not_in_file)}
            )

    def list(self, code: str | None) -> None:
        regimes = Regime.objects.all()
        if code:
            regimes = regimes.filter(code=code)
            if not regimes.exists():
                raise CommandError(_("No regime %(code)s.") % {"code": code})
        for regime in regimes:
            self.stdout.write(f"{regime.code} {regime.name}")
            indicators: list[Indicator] = list(regime.indicators.all())
            for indicator in indicators:
                self.stdout.write(
                    f"  {indicator.code:<5} {indicator.category:<15} "
                    f"{indicator.computation:<9} {indicator.unit:<4} {indicator.name_zh}"
                )
