"""What `shanhai bench` found: the figures, the issue's goals with their ratios, as Markdown
for docs/benchmarks.md and as JSON (kept under docs/bench/ for the next run to compare with)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path
from typing import Any

from shanhai.bench.load import PageLoad
from shanhai.bench.measure import Matching, Pages, Rollups, Scan, SheetImport
from shanhai.core.benchmarks import Timing

RESULTS = Path("docs/bench")


@dataclass
class Goal:
    name: str
    measured: str
    target: str
    met: bool | None  # None: not measured in this run
    why: str = ""


@dataclass
class Results:
    scale: str
    environment: dict[str, str]
    sizes: dict[str, int]
    pages: Pages
    rollups: Rollups
    ingest: Any
    sheet: SheetImport
    load: list[PageLoad]
    matching: Matching
    scan: Scan
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of each measurement


def _json(value: Any) -> Any:
    if isinstance(value, Timing):
        return {
            "p50_ms": value.p50,
            "p95_ms": value.p95,
            "p99_ms": value.p99,
            "runs": len(value.runs),
        }
    if isinstance(value, PageLoad):
        return {
            "name": value.name,
            "path": value.path,
            "users": value.users,
            "requests": value.requests,
            "errors": value.errors,
            "per_second": value.per_second,
            "p50_ms": value.ms(0.5),
            "p95_ms": value.ms(0.95),
            "p99_ms": value.ms(0.99),
            "bytes": value.bytes,
        }
    if is_dataclass(value) and not isinstance(value, type):
        return {
            name: _json(getattr(value, name))
            for name in asdict(value)  # keep Timing objects
        }
    if isinstance(value, list):
        return [_json(item) for item in value]
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    return value


def as_json(results: Results, goals: list[Goal]) -> str:
    return json.dumps(
        {"results": _json(results), "goals": [asdict(g) for g in goals]},
        ensure_ascii=False,
        indent=2,
        default=str,
    )


def earlier(scale: str, vendor: str) -> dict[str, Any] | None:
    """The figures of the last run written for *scale* on *vendor*, if any."""
    path = RESULTS / f"{scale}-{vendor}.json"
    return json.loads(path.read_text())["results"] if path.exists() else None


def _ratio(a: float, b: float) -> str:
    return f"{a / b:,.2f}×" if b else "—"


def goals(results: Results, vendor: str) -> list[Goal]:
    """The issue's goals, each with what was measured against it."""
    r = results
    found: list[Goal] = []
    p95 = r.pages.dashboard.p95
    found.append(Goal("(1) one pairing's dashboard, p95", f"{p95:.1f} ms", "≤ 50 ms", p95 <= 50))
    county = earlier("county", vendor) if r.scale != "county" else None
    if county is not None:
        before = county["pages"]["dashboard"]["p95_ms"]
        found.append(
            Goal(
                "(1) … against the county scale",
                f"{p95:.1f} / {before:.1f} ms = {_ratio(p95, before)}",
                "≤ 1.5×",
                p95 <= 1.5 * before,
            )
        )
    assessment, duck = r.pages.assessment.p50, r.scan.duckdb.p50
    found.append(
        Goal(
            "(2) assessment table vs (8) DuckDB scanning Parquet, p50",
            f"{assessment:.1f} / {duck:.1f} ms = {_ratio(assessment, duck)}",
            "< 1×",
            assessment < duck,
        )
    )
    recount, group_by = r.rollups.recount.p50, r.rollups.group_by.p50
    found.append(
        Goal(
            "(3) rollups from scratch vs a plain GROUP BY, p50",
            f"{recount:,.0f} / {group_by:,.0f} ms = {_ratio(recount, group_by)}",
            "≤ 1.5×",
            recount <= 1.5 * group_by,
        )
    )
    ingest = r.ingest
    found.append(
        Goal(
            "(4) ingest through the API vs COPY",
            f"{ingest.api_per_second:,.0f} / {ingest.copy_per_second:,.0f} lines/s = "
            f"{_ratio(ingest.api_per_second, ingest.copy_per_second)}",
            "≥ 0.5×",
            ingest.api_per_second >= 0.5 * ingest.copy_per_second,
        )
    )
    found.append(
        Goal(
            "(4) ingest through the API vs bulk_create",
            f"{ingest.api_per_second:,.0f} / {ingest.bulk_create_per_second:,.0f} lines/s = "
            f"{_ratio(ingest.api_per_second, ingest.bulk_create_per_second)}",
            "≥ 3×",
            ingest.api_per_second >= 3 * ingest.bulk_create_per_second,
        )
    )
    sheet = r.sheet
    found.append(
        Goal(
            f"(5) import of {sheet.rows:,} rows vs reading them (python-calamine)",
            f"{sheet.write:,.1f} / {sheet.read_calamine:,.1f} s = "
            f"{_ratio(sheet.write, sheet.read_calamine)}",
            "≤ 3×",
            sheet.write <= 3 * sheet.read_calamine,
        )
    )
    trivial = r.load[-1]
    for page in r.load[:-1]:
        ok = page.per_second >= 150 and page.ms(0.95) <= 150 and page.errors == 0
        found.append(
            Goal(
                f"(6) {page.name} under {page.users} users",
                f"{page.per_second:,.0f} req/s, p95 {page.ms(0.95):,.0f} ms, "
                f"{page.errors} errors; {_ratio(page.per_second, trivial.per_second)} "
                "of the trivial view",
                "≥ 150 req/s, p95 ≤ 150 ms, 0 errors",
                ok,
            )
        )
    m = r.matching
    found.append(
        Goal(
            f"(7) batch matching {m.workers:,} × {m.postings:,}",
            f"{m.batch_seconds:,.1f} s",
            "≤ 10 s",
            m.batch_seconds <= 10,
        )
    )
    found.append(
        Goal(
            "(7) ranking for one worker, p95",
            f"{m.rank_p95:,.0f} ms",
            "≤ 50 ms",
            m.rank_p95 <= 50,
        )
    )
    if vendor == "sqlite":
        slowest = max(r.pages.dashboard.p95, r.pages.assessment.p95)
        found.append(
            Goal(
                "SQLite: the everyday pages, p95",
                f"{slowest:,.0f} ms",
                "< 200 ms",
                slowest < 200,
            )
        )
    return found


def _timing_row(name: str, t: Timing) -> str:
    return f"| {name} | {t.p50:,.1f} | {t.p95:,.1f} | {len(t.runs)} |"


def as_markdown(results: Results, found: list[Goal]) -> str:
    r = results
    out = [f"- {key}: {value}" for key, value in r.environment.items()]
    out += [f"- {table}: {rows:,}" for table, rows in r.sizes.items()]
    out += [
        "",
        "| what (server time) | p50 ms | p95 ms | runs |",
        "|---|---:|---:|---:|",
        _timing_row("(1) one pairing's dashboard (all indicators, one year)", r.pages.dashboard),
        _timing_row(
            f"(2) assessment table ({r.pages.columns} pairings × {r.pages.indicators} indicators)",
            r.pages.assessment,
        ),
        _timing_row(
            f"(3) rollups from the facts ({r.rollups.facts:,} facts → {r.rollups.cells:,} cells)",
            r.rollups.recount,
        ),
        _timing_row("(3) … the same GROUP BY, only read", r.rollups.group_by),
        _timing_row(
            f"(8) DuckDB over Parquet ({r.scan.lines:,} lines, {r.scan.parquet_mb:,.1f} MB): "
            "counted sales per pairing in the year",
            r.scan.duckdb,
        ),
        _timing_row("(8) … the same question scanning the sale lines", r.scan.database),
        _timing_row("(8) … the same question from the rollups", r.scan.from_rollups),
        "",
    ]
    if r.rollups.replay is not None:
        out.append(
            f"Replaying every fact and rollup from the ledgers (`shanhai rollups rebuild`): "
            f"{r.rollups.replay:,.1f} s."
        )
    out.append(
        f"The three answers to the sales question agree: {'yes' if r.scan.agree else 'NO'}. "
        f"Exporting the lines to Parquet took {r.scan.export_seconds:,.1f} s."
    )
    i = r.ingest
    out += [
        "",
        f"| (4) {i.lines:,} sale lines of one channel | lines/s |",
        "|---|---:|",
        f"| through the API (HTTP, parsing, checks, flags, de-duplication, sums, facts) | "
        f"{i.api_per_second:,.0f} |",
        f"| COPY of the same rows into the same table | {i.copy_per_second:,.0f} |",
        f"| Django's bulk_create of them | {i.bulk_create_per_second:,.0f} |",
        "",
        f"| (5) spreadsheet, {r.sheet.rows:,} visit rows | seconds |",
        "|---|---:|",
        f"| read (python-calamine) | {r.sheet.read_calamine:,.1f} |",
        f"| read (openpyxl, streaming, as the import reads) | {r.sheet.read_openpyxl:,.1f} |",
        f"| check every row (the preview) | {r.sheet.check:,.1f} |",
        f"| import (check again and write) | {r.sheet.write:,.1f} |",
        "",
        f"| (6) under load ({r.load[0].users} users, loopback) | req/s | p50 ms | p95 ms | "
        "p99 ms | errors | requests |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    out += [
        f"| {p.name} | {p.per_second:,.0f} | {p.ms(0.5):,.0f} | {p.ms(0.95):,.0f} | "
        f"{p.ms(0.99):,.0f} | {p.errors} | {p.requests:,} |"
        for p in r.load
    ]
    m = r.matching
    out += [
        "",
        f"(7) Labor matching, {m.workers:,} workers × {m.postings:,} postings: the batch in "
        f"{m.batch_seconds:,.1f} s; ranking for one worker p50 {m.rank_p50:,.0f} ms, "
        f"p95 {m.rank_p95:,.0f} ms.",
        "",
        "| goal | measured | target | met |",
        "|---|---|---|---|",
    ]
    out += [
        f"| {g.name} | {g.measured} | {g.target} | "
        f"{'—' if g.met is None else ('yes' if g.met else 'no')} |"
        for g in found
    ]
    out += [
        "",
        "Wall time of each measurement: "
        + ", ".join(f"{name} {seconds:,.1f} s" for name, seconds in r.seconds.items())
        + ".",
    ]
    return "\n".join(out)
