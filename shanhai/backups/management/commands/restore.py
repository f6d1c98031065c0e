"""`shanhai restore ARCHIVE [--yes]`: check an archive whole, then replace everything with it."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils.translation import gettext as _

from shanhai.backups import services


class Command(BaseCommand):
    help = (
        "Check every checksum in a `shanhai backup` archive, then replace the database and the "
        "uploaded files with its contents and compare every table's row count with the archive's."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--yes", action="store_true", help="do not ask before replacing the database"
        )

    def handle(self, *args: Any, archive: Path, yes: bool, **options: Any) -> None:
        try:
            manifest = services.check_archive(archive, progress=self.stdout.write)
        except services.BackupError as error:
            raise CommandError(str(error)) from error
        if not yes and not self._confirmed(manifest):
            raise CommandError(_("Restore cancelled; nothing was changed."))
        try:
            result = services.restore_backup(
                archive=archive, manifest=manifest, progress=self.stdout.write
            )
        except services.BackupError as error:
            raise CommandError(str(error)) from error
        if result.count_differences:
            for difference in result.count_differences:
                self.stderr.write(difference)
            raise CommandError(
                _("Restored, but %(n)d tables' row counts differ from the archive's.")
                % {"n": len(result.count_differences)}
            )
        self.stdout.write(
            _("Restored the backup of %(created)s: %(tables)d tables and %(files)d files match.")
            % {
                "created": manifest.created_at,
                "tables": len(manifest.tables),
                "files": len(manifest.files),
            }
        )
        self.stdout.write(
            _("If this version of Shanhai is newer than the archive, run `shanhai migrate` now.")
        )

    def _confirmed(self, manifest: services.Manifest) -> bool:
        self.stdout.write(
            _(
                "This replaces the database %(database)s and every file under %(media)s with the "
                "backup of %(created)s."
            )
            % {
                "database": connections["default"].settings_dict["NAME"],
                "media": settings.MEDIA_ROOT,
                "created": manifest.created_at,
            }
        )
        try:
            answer = input(_("Type yes to continue: "))
        except EOFError:
            return False
        return answer.strip().lower() in {"yes", "y", _("yes")}
