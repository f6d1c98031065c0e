"""shanhai news extract FILE [--json] [--html] | shanhai news bench [FOLDER] [--write]"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shanhai.core import benchmarks
from shanhai.news.cleaning import ArticleError
from shanhai.news.evaluation import evaluate, load_corpus
from shanhai.news.extract import Extraction, extract

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "articles"


class Command(BaseCommand):
    help = (
        "Work with news articles. `extract FILE` cleans a scraped article (plain text or saved "
        "HTML, UTF-8 or GBK; - reads standard input) and prints its title, date, source, "
        "authors, parties, dated events and quantities. Exit status: 0 read, 2 unreadable. "
        "`bench [FOLDER]` scores extraction against hand-annotated articles."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        extract_parser = actions.add_parser("extract", help="clean an article and extract facts")
        extract_parser.add_argument("file", help="the article; - for standard input")
        extract_parser.add_argument("--json", action="store_true", help="print JSON")
        extract_parser.add_argument(
            "--html", action="store_true", default=None, help="read it as HTML (default: guess)"
        )

        bench_parser = actions.add_parser("bench", help="score extraction on annotated articles")
        bench_parser.add_argument("folder", nargs="?", type=Path, default=CORPUS)
        bench_parser.add_argument("--write", action="store_true", help="update the benchmarks doc")
        bench_parser.add_argument("--misses", action="store_true", help="list every miss")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "bench":
            self._bench(options["folder"], write=options["write"], misses=options["misses"])
            return
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

    def _bench(self, folder: Path, *, write: bool, misses: bool) -> None:
        corpus = load_corpus(folder)
        if not corpus:
            raise CommandError(f"{folder}: no annotated articles (*.expected.json)")
        extract(corpus[0][0].read_bytes())  # load the gazetteer and OpenCC outside the timing
        score = evaluate(corpus)
        for line in score.misses if misses else []:
            self.stdout.write(f"  {line}")
        for failure in score.failed:
            self.stderr.write(failure)
        lines = [f"| {name} | {value} |" for name, value in score.rows()]
        for line in lines:
            self.stdout.write(line)
        if write:
            machine = benchmarks.environment()
            benchmarks.replace_section(
                "## News extraction\n\n"
                f"`shanhai news bench` on {score.articles} hand-annotated articles "
                f"({folder.name}/: built articles about other pairings, plain, scraped and cut "
                "off; the annotations were written before the extractor was run on them). "
                f"{machine['python / django']}; {machine['machine']}.\n\n"
                "| measure | result |\n|---|---|\n" + "\n".join(lines) + "\n"
            )

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
