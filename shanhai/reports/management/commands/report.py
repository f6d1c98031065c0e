"""`shanhai report annual --pairing CODE --year 2023 [--from-year 2021] --format xlsx -o FILE`."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils.translation import gettext as _

from shanhai.accounts.models import User
from shanhai.places.selectors import get_pairing_for_user
from shanhai.reports import writers
from shanhai.reports.annual import build_annual_report

REPORTS = ("annual",)


class Command(BaseCommand):
    help = "Write a pairing's annual report as Excel, PDF or JSON."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("report", help="annual")
        parser.add_argument("--pairing", required=True, help="pairing code, e.g. songjiang-weixin")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--from-year", type=int, help="first year of a span, e.g. 2021")
        parser.add_argument(
            "--format", dest="fmt", help="xlsx, pdf or json (default: the file's extension)"
        )
        parser.add_argument("-o", "--output", required=True, help='file to write; "-" for stdout')
        parser.add_argument(
            "--user", help="whose view of the ledger (default: the first active superuser)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["report"] not in REPORTS:
            raise CommandError(
                _("Unknown report %(name)r: use annual.") % {"name": options["report"]}
            )
        output: str = options["output"]
        fmt: str = (options["fmt"] or Path(output).suffix.lstrip(".")).lower()
        if fmt not in writers.FORMATS:
            raise CommandError(_("Unknown format %(fmt)r: use xlsx, pdf or json.") % {"fmt": fmt})
        if output == "-" and fmt != "json":
            raise CommandError(_("Only JSON can be written to standard output; name a file."))
        year: int = options["year"]
        first_year: int = options["from_year"] or year
        if first_year > year:
            raise CommandError(_("--from-year cannot be after --year."))

        user = self._user(options["user"])
        try:
            pairing = get_pairing_for_user(user, options["pairing"])
        except Http404:
            raise CommandError(
                _("No pairing %(code)r that %(user)s may see.")
                % {"code": options["pairing"], "user": user.username}
            ) from None

        report = build_annual_report(user=user, pairing=pairing, year=year, first_year=first_year)
        data = writers.render(report, fmt)
        if output == "-":
            self.stdout.write(data.decode(), ending="")
            return
        Path(output).write_bytes(data)
        self.stderr.write(
            _("Wrote %(file)s (%(size)d bytes).") % {"file": output, "size": len(data)}
        )

    def _user(self, username: str | None) -> User:
        users = User.objects.filter(is_active=True)
        if username:
            user = users.filter(username=username).first()
            if user is None:
                raise CommandError(_("No active user %(name)r.") % {"name": username})
            return user
        user = users.filter(is_superuser=True).order_by("pk").first()
        if user is None:
            raise CommandError(_("No active superuser: name one with --user."))
        return user
