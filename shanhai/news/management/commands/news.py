"""shanhai news extract FILE [--json] [--html]: clean an article and print what it says."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shanhai.news.cleaning import ArticleError
from shanhai.news.extract import Extraction, extract


class Command(BaseCommand):
    help = (
        "Work with news articles. `extract FILE` cleans a scraped article (plain text or saved "
        "HTML, UTF-8 or GBK; - reads standard input) and prints its title, date, source, "
        "authors, parties, dated events and quantities. Exit status: 0 read, 2 unreadable."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        extract_parser = actions.add_parser("extract", help="clean an article and extract facts")
        extract_parser.add_argument("file", help="the article; - for standard input")
        extract_parser.add_argument("--json", action="store_true", help="print JSON")
        extract_parser.add_argument(
            "--html", action="store_true", default=None, help="read it as HTML (default: guess)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        data = self._read(options["file"])
        try:
            found = extract(data, is_html=options["html"])
        except ArticleError as error:
            self.stderr.write(f"{options['file']}: {error}")
            sys.exit(2)
        if options["json"]:
            self.stdout.write(json.dumps(found.as_json(), ensure_ascii=False, indent=2))
        else:
            self._report(found)

    def _read(self, name: str) -> bytes:
        if name == "-":
            return sys.stdin.buffer.read()
        path = Path(name)
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        return path.read_bytes()

    def _report(self, found: Extraction) -> None:
        write = self.stdout.write
        write(found.title or "(no title)")
        write(f"published {found.publish_date or '?'} · source {found.source or '?'}")
        write(f"authors {found.author or '?'}")
        write("east: " + "、".join(p.name for p in found.east))
        write("west: " + "、".join(p.name for p in found.west))
        for event in found.events:
            write(f"{event.date.iso():10}  {event.kind:11}  {event.summary}")
        for q in found.quantities:
            write(f"{q.text:>12}  {q.value} {q.unit} ({q.qualifier}, {q.category})")
