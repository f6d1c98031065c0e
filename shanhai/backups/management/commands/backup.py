"""`shanhai backup [--output DIR_OR_FILE]`: one archive of the database and the uploaded files."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from shanhai.backups import services


class Command(BaseCommand):
    help = (
        "Write one archive (.tar) holding the database, the uploaded files and a manifest of "
        "checksums and row counts; restore it with `shanhai restore`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "-o",
            "--output",
            default=".",
            help="a folder (the archive is named for the time) or a file name; default: here",
        )

    def handle(self, *args: Any, output: str, **options: Any) -> None:
        try:
            services.create_backup(output=output, progress=self.stdout.write)
        except services.BackupError as error:
            raise CommandError(_("No backup was written: %(error)s") % {"error": error}) from error
