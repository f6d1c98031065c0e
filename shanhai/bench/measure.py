"""The measurements of `shanhai bench`, each on the dataset `dataset.prepare` made.

Pages are timed through Django's test client (server time, no network); the load test is in
`load.py`. Whatever a measurement writes is rolled back, so the dataset stays as synth left it
and a second run measures the same thing.
"""

from __future__ import annotations

import csv
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from shanhai.bench.dataset import Sizes, Subjects
from shanhai.consumption.models import COUNTED_LINES, SaleLine
from shanhai.core.benchmarks import Timing, timed
from shanhai.facts.models import Fact, Rollup
from shanhai.facts.selectors import recount_sql
from shanhai.facts.services import rebuild_rollups, recount_rollups
from shanhai.indicators import selectors as indicators


class _RollbackError(Exception):
    """Raised to undo what a measurement wrote."""


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run the block in a transaction and undo it, whatever it wrote."""
    try:
        with transaction.atomic():
            yield
            raise _RollbackError
    except _RollbackError:
        pass


def _client(subjects: Subjects) -> Client:
    client = Client(HTTP_HOST="localhost")
    client.force_login(subjects.office)
    return client


def _getter(client: Client, url: str) -> Callable[[], None]:
    def get() -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")

    return get


@dataclass
class Pages:
    dashboard: Timing  # (1) one county pairing, every indicator, one year
    assessment: Timing  # (2) every top pairing × every indicator, one year
    columns: int  # pairings side by side in (2)
    indicators: int


def pages(subjects: Subjects, sizes: Sizes) -> Pages:
    """(1) and (2): the pages people open every day, as the office that sees the whole tree."""
    client = _client(subjects)
    year = subjects.year
    with override_settings(DEBUG=False):
        dashboard = timed(
            "dashboard",
            _getter(
                client,
                reverse("indicators:progress", args=[subjects.county.code]) + f"?year={year}",
            ),
            sizes.repeat,
        )
        assessment = timed(
            "assessment",
            _getter(client, reverse("indicators:overview") + f"?year={year}"),
            sizes.repeat,
        )
    roots, rows = indicators.overview(subjects.office, year)
    return Pages(dashboard, assessment, columns=len(roots), indicators=len(rows))


@dataclass
class Rollups:
    facts: int
    cells: int
    recount: Timing  # the rollups from the stored facts: INSERT … SELECT … GROUP BY
    group_by: Timing  # the same GROUP BY, only read
    replay: float | None  # every fact and rollup again from the ledgers (seconds), if run


def rollups(sizes: Sizes, *, replay: bool) -> Rollups:
    """(3): rebuilding the rollups from scratch against a plain GROUP BY over the same facts."""
    _columns, sql = recount_sql()

    def group_by() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            cursor.fetchall()

    def recount() -> None:
        with rolled_back():
            recount_rollups()

    repeat = max(3, sizes.repeat // 10)
    replayed = None
    if replay:
        started = time.perf_counter()
        with rolled_back():
            rebuild_rollups()
        replayed = time.perf_counter() - started
    return Rollups(
        facts=Fact.objects.count(),
        cells=Rollup.objects.count(),
        recount=timed("recount", recount, repeat),
        group_by=timed("group by", group_by, repeat),
        replay=replayed,
    )


@dataclass
class Scan:
    lines: int
    parquet_mb: float
    export_seconds: float
    duckdb: Timing  # (8) counted sales per pairing in the year, scanning the Parquet file
    database: Timing  # the same question scanning the sale lines in the database
    from_rollups: Timing  # the same question from the monthly rollups
    agree: bool


_COLUMNS = ("pairing_id", "sold_on", "amount", "is_certified", "is_excluded", "is_held")


def _export(path: Path) -> int:
    """Write the sale lines' columns the question needs to CSV, streaming."""
    written = 0
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(_COLUMNS)
        if connection.vendor == "postgresql":
            table = connection.ops.quote_name(SaleLine._meta.db_table)
            with connection.cursor() as cursor:
                raw: Any = cursor.cursor
                columns = ", ".join(_COLUMNS)
                sql = f"COPY (SELECT {columns} FROM {table}) TO STDOUT"  # noqa: S608 - our names
                with raw.copy(sql) as copy:
                    for row in copy.rows():
                        out.writerow(row)
                        written += 1
            return written
        for row in SaleLine.objects.values_list(*_COLUMNS).iterator(chunk_size=20_000):
            out.writerow(row)
            written += 1
    return written


def _answer_in_database(year: int) -> dict[int, Decimal]:
    rows = (
        SaleLine.objects.filter(COUNTED_LINES, sold_on__year=year)
        .values("pairing_id")
        .annotate(total=Sum("amount"), n=Count("id"))
    )
    return {row["pairing_id"]: Decimal(row["total"]).quantize(Decimal("0.01")) for row in rows}


def _answer_from_rollups(year: int) -> dict[int, Decimal]:
    rows = (
        Rollup.objects.filter(metric="consumption.sales", month__year=year)
        .values("pairing_id")
        .annotate(total=Sum("total"))
    )
    return {row["pairing_id"]: Decimal(row["total"]).quantize(Decimal("0.01")) for row in rows}


def scan(subjects: Subjects, sizes: Sizes) -> Scan:
    """(8) the reference limit: DuckDB's GROUP BY over the sale lines exported to Parquet, with
    the database's own scan and the rollups' answer to the same question beside it."""
    import duckdb

    year = subjects.year
    with tempfile.TemporaryDirectory() as folder:
        csv_path, parquet = Path(folder) / "lines.csv", Path(folder) / "lines.parquet"
        started = time.perf_counter()
        lines = _export(csv_path)
        duck = duckdb.connect()
        duck.execute(
            f"COPY (SELECT * FROM read_csv('{csv_path}', header = true, columns = {{"  # noqa: S608
            "'pairing_id': 'BIGINT', 'sold_on': 'DATE', 'amount': 'DECIMAL(14,2)', "
            "'is_certified': 'BOOLEAN', 'is_excluded': 'BOOLEAN', 'is_held': 'BOOLEAN'}))"
            f" TO '{parquet}' (FORMAT parquet)"
        )
        export_seconds = time.perf_counter() - started
        question = (
            "SELECT pairing_id, SUM(amount), COUNT(*) "  # noqa: S608 - a temporary file
            f"FROM read_parquet('{parquet}') WHERE is_certified AND NOT is_excluded "
            f"AND NOT is_held AND year(sold_on) = {int(year)} GROUP BY pairing_id"
        )
        found: dict[int, Decimal] = {}

        def ask_duckdb() -> None:
            found.clear()
            for pairing_id, total, _n in duck.execute(question).fetchall():
                found[pairing_id] = Decimal(total).quantize(Decimal("0.01"))

        duckdb_timing = timed("duckdb", ask_duckdb, sizes.repeat)
        parquet_mb = parquet.stat().st_size / 1024 / 1024
        duck.close()
    in_database: dict[int, Decimal] = {}
    from_rollups: dict[int, Decimal] = {}
    database_timing = timed(
        "database",
        lambda: in_database.update(_answer_in_database(year)),
        max(3, sizes.repeat // 10),
    )
    rollup_timing = timed(
        "rollups", lambda: from_rollups.update(_answer_from_rollups(year)), sizes.repeat
    )
    return Scan(
        lines=lines,
        parquet_mb=parquet_mb,
        export_seconds=export_seconds,
        duckdb=duckdb_timing,
        database=database_timing,
        from_rollups=rollup_timing,
        agree=found == in_database == from_rollups,
    )


@dataclass
class Matching:
    workers: int
    postings: int
    batch_seconds: float
    rank_p50: float  # ms, one worker against every posting, the best 50 explained
    rank_p95: float


def matching(sizes: Sizes) -> Matching:
    """(7): the labor matcher, on synthetic workers and postings in memory (labor/bench)."""
    from shanhai.labor import bench_matching

    figures = bench_matching.run(
        workers=sizes.match_workers, postings=sizes.match_postings, runs=sizes.match_runs
    )
    return Matching(
        workers=figures.workers,
        postings=figures.postings,
        batch_seconds=figures.assignment_seconds,
        rank_p50=figures.rank_one_p50 * 1000,
        rank_p95=figures.rank_one_p95 * 1000,
    )


@dataclass
class SheetImport:
    rows: int
    read_calamine: float
    read_openpyxl: float
    check: float
    write: float


def sheet_import(subjects: Subjects, sizes: Sizes) -> SheetImport:
    """(5): a big visit sheet imported (rolled back) against merely reading it."""
    from shanhai.imports import bench as imports_bench

    _facts, figures = imports_bench.run(
        rows=sizes.sheet_rows, user=subjects.office, pairing=subjects.county
    )
    return SheetImport(
        rows=figures.rows,
        read_calamine=figures.read_calamine,
        read_openpyxl=figures.read_openpyxl,
        check=figures.check,
        write=figures.write,
    )


def counted_share() -> float:
    """The share of sale lines that count (certified, not excluded, not held)."""
    total = SaleLine.objects.count()
    return SaleLine.objects.filter(Q(COUNTED_LINES)).count() / total if total else 0.0


def sales_to_send(subjects: Subjects, sizes: Sizes) -> list[Any]:
    """*ingest_lines* lines as the busiest channel sends them: copies of its own lines (their
    products, days, quantities, amounts and buyers, so the flags fire as in life) under new
    order ids."""
    from shanhai.consumption.services import SaleInput

    lines = (
        SaleLine.objects.filter(channel=subjects.channel)
        .order_by("-sold_on", "-id")
        .values_list("sold_on", "product_id", "quantity", "amount", "buyer_id")[
            : sizes.ingest_lines
        ]
    )
    return [
        SaleInput(
            order_id=f"bench-{n:07d}",
            sold_on=sold_on,
            product_id=product_id,
            quantity=quantity,
            amount=amount,
            buyer_id=buyer_id,
        )
        for n, (sold_on, product_id, quantity, amount, buyer_id) in enumerate(lines)
    ]


def ingest(subjects: Subjects, sizes: Sizes) -> Any:
    """(4): the same lines through the API, by COPY and by bulk_create (all rolled back)."""
    from shanhai.consumption.bench_copy import measure_ingest

    sales = sales_to_send(subjects, sizes)
    with rolled_back():
        return measure_ingest(subjects.channel, sales, repeat=max(1, sizes.repeat // 10))
