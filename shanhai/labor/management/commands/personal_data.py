"""`shanhai personal_data rotate`: re-encrypt workers' personal data with the newest key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shanhai.labor.services import rotate_personal_data_keys


class Command(BaseCommand):
    help = (
        "rotate: re-encrypt every worker's ID number and phone with the first key of "
        "SHANHAI_PERSONAL_DATA_KEYS; then the old keys can be removed from the list."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rotate"])

    def handle(self, *args: Any, **options: Any) -> None:
        count = rotate_personal_data_keys()
        self.stdout.write(f"re-encrypted the personal data of {count} workers")
