"""Measure a big import against the time merely to read its file, then leave no trace.

The sheet is an office's visit ledger grown to N rows: a banner above the header, dates in
several forms, people as "12人", places with and without their county, direction words. The
import runs as `shanhai import` does (check every row, then write in one transaction), inside
an outer transaction that is rolled back, so it can run against any database.
"""

from __future__ import annotations

import random
import resource
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import python_calamine
import xlsxwriter
from django.core.files import File
from django.db import transaction

from shanhai.accounts.models import User
from shanhai.core.benchmarks import environment
from shanhai.core.sheets import open_sheet
from shanhai.imports import services
from shanhai.ledger.models import Visit
from shanhai.places.models import Pairing

HEADERS = ["序号", "考察时间", "带队领导", "职务", "人数", "考察地点", "主要内容", "方向"]
PLACES = ["麟凤镇", "威信县扎西镇", "罗布乡", "威信县", "双河苗族彝族乡", "某某种植合作社"]
DIRECTIONS = ["东部到西部", "东→西", "西→东", "双向", None]


def write_sheet(
    path: Path,
    rows: int,
    seed: int = 2023,
    *,
    tag: str = "",
    years: Sequence[int] = (2021, 2022, 2023),
) -> None:
    """Write an office-style visit sheet of *rows* data rows in *years*; *tag* starts every
    leader's name, and so the title the import gives each row."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("互访台账")
    sheet.write_row(0, 0, ["松江区—威信县互访考察台账（基准测试）"])
    sheet.write_row(1, 0, HEADERS)
    for n in range(1, rows + 1):
        day = rng.randrange(1, 29)
        month = rng.randrange(1, 13)
        year = rng.choice(years)
        when: Any = rng.choice(
            [f"{year}年{month}月{day}日", f"{year}.{month}.{day}", f"{year}-{month:02d}-{day:02d}"]
        )
        sheet.write_row(
            n + 1,
            0,
            [
                n,
                when,
                f"{tag}带队人{n}",
                rng.choice(["区委书记", "副区长", "局长", "镇长"]),
                f"{rng.randrange(2, 40)}人",
                "、".join(rng.sample(PLACES, rng.randrange(1, 3))),
                f"考察调研第{n}批：产业协作、劳务协作和消费帮扶",
                rng.choice(DIRECTIONS),
            ],
        )
    book.close()


@dataclass
class Figures:
    rows: int
    file_mb: float
    read_openpyxl: float
    read_calamine: float
    check: float
    write: float
    peak_rss_mb: float
    created: int


def _read_openpyxl(path: Path) -> int:
    with path.open("rb") as handle, open_sheet(File(handle, name=path.name)) as (_info, rows):
        return sum(1 for _row in rows)


def _read_calamine(path: Path) -> int:
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    return sum(1 for _row in book.get_sheet_by_index(0).iter_rows())


def _timed(function: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


class _RollbackError(Exception):
    """Raised to undo the benchmark's import."""


def run(
    *, rows: int, seed: int = 2023, user: User | None = None, pairing: Pairing | None = None
) -> tuple[dict[str, str], Figures]:
    """Make the sheet, time reading it, checking it and importing it; roll the import back.

    Into *pairing* as *user*; by default the demo's Songjiang–Weixin pairing as the first
    administrator."""
    user = user or User.objects.filter(is_superuser=True).order_by("pk").first()
    pairing = pairing or Pairing.objects.filter(code="songjiang-weixin").first()
    if user is None or pairing is None:
        raise RuntimeError("Load the demo first: `shanhai demo`.")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "互访台账.xlsx"
        write_sheet(path, rows, seed)
        read_openpyxl, _count = _timed(_read_openpyxl, path)
        with path.open("rb") as handle:
            check, checked = _timed(
                services.import_file,
                kind="visits",
                file=File(handle, name=path.name),
                user=user,
                pairing=pairing,
                dry_run=True,
            )
        if checked.error_count:
            raise RuntimeError(f"the benchmark sheet has problems: {checked.errors[:3]}")
        write = 0.0
        created = 0
        before = Visit.objects.count()
        try:
            with transaction.atomic(), path.open("rb") as handle:
                write, outcome = _timed(
                    services.import_file,
                    kind="visits",
                    file=File(handle, name=path.name),
                    user=user,
                    pairing=pairing,
                )
                created = Visit.objects.count() - before
                if outcome.created != rows or created != rows:
                    raise RuntimeError(f"expected {rows} visits, the import made {created}")
                raise _RollbackError
        except _RollbackError:
            pass
        peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        read_calamine, _count = _timed(_read_calamine, path)  # last: it holds the whole sheet
        figures = Figures(
            rows=rows,
            file_mb=path.stat().st_size / 1024 / 1024,
            read_openpyxl=read_openpyxl,
            read_calamine=read_calamine,
            check=check,
            write=write,
            peak_rss_mb=peak_rss_mb,
            created=created,
        )
    return environment(), figures


def as_markdown(facts: dict[str, str], f: Figures) -> str:
    lines = [f"- {key}: {value}" for key, value in facts.items()]
    lines += [
        f"- sheet: {f.rows:,} visit rows, {f.file_mb:.1f} MB .xlsx; the import created "
        f"{f.created:,} visits (with their places and facts), then was rolled back",
        f"- peak memory (RSS) of the process through reading, checking and importing: "
        f"{f.peak_rss_mb:,.0f} MB (python-calamine's read runs after it is taken)",
        "",
        "| step | seconds | rows/s | × reading (openpyxl) |",
        "|---|---|---|---|",
        _line("read only, python-calamine (whole sheet in memory)", f.read_calamine, f),
        _line(
            "read only, openpyxl read-only (streaming; what the import uses)", f.read_openpyxl, f
        ),
        _line("check every row (preview, `--dry-run`)", f.check, f),
        _line("check and write in one transaction (commit)", f.write, f),
    ]
    return "\n".join(lines)


def _line(name: str, seconds: float, f: Figures) -> str:
    ratio = seconds / f.read_openpyxl if f.read_openpyxl else 0
    return f"| {name} | {seconds:.1f} | {f.rows / seconds:,.0f} | {ratio:.1f} |"
