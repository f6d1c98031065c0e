"""The `shanhai` command: Django's management commands with our settings."""

import os
import sys


def main() -> None:
    """Run a management command, e.g. `shanhai demo` or `shanhai migrate`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["shanhai", *sys.argv[1:]])
