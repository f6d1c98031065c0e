"""`shanhai personal_data rotate|expire`: re-encrypt workers' personal data with the newest key,
or delete it where the retention period has passed."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from shanhai.labor.selectors import expired_workers
from shanhai.labor.services import expire_personal_data, rotate_personal_data_keys


class Command(BaseCommand):
    help = (
        "rotate: re-encrypt every worker's ID number and phone with the first key of "
        "SHANHAI_PERSONAL_DATA_KEYS; then the old keys can be removed from the list. "
        "expire: delete the personal data of workers registered, and with no job, for longer "
        "than the retention period (SHANHAI_PERSONAL_DATA_RETENTION_YEARS, or --years); the "
        "workers and their placements stay for the anonymous counts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rotate", "expire"])
        parser.add_argument("--years", type=int, help="the retention period (expire)")
        parser.add_argument("--dry-run", action="store_true", help="count only (expire)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rotate":
            count = rotate_personal_data_keys()
            self.stdout.write(f"re-encrypted the personal data of {count} workers")
            return
        years = options["years"] or settings.PERSONAL_DATA_RETENTION_YEARS
        if years < 1:
            raise CommandError("--years must be at least 1")
        today = timezone.localdate()
        before = date(today.year - years, today.month, min(today.day, 28))
        if options["dry_run"]:
            count = expired_workers(before).count()
            self.stdout.write(f"{count} workers have had no job since before {before}")
            return
        count = expire_personal_data(before=before)
        self.stdout.write(f"deleted the personal data of {count} workers (no job since {before})")
