"""Two `db_worker` processes drain one database-backed queue, and no job runs twice.

The test queues real work as people make it (sheets uploaded, then committed; annual reports
asked for) with django-tasks-db's DatabaseBackend, starts two `db_worker --batch` processes at
once against the test database, and waits for both to exit. Each queued task must then have
been claimed by exactly one worker and have succeeded, both workers must have taken part, and
every import's records must be in the ledger once.

The workers are separate processes, so they need a database they can open: PostgreSQL. The
conftest leaves these tests out on SQLite (the test database there is in memory) and makes
``-m workers`` without PostgreSQL a usage error; scripts/test runs them in its PostgreSQL step.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection
from django_tasks_db.models import DBTaskResult

from shanhai.accounts.models import Role, Side, User
from shanhai.core.models import AuditEvent
from shanhai.facts.selectors import rollup_differences
from shanhai.imports import services as imports
from shanhai.imports.models import ImportJob
from shanhai.imports.tests.sheets import xlsx
from shanhai.ledger.models import Visit
from shanhai.ledger.tests.factories import person
from shanhai.places.models import Pairing
from shanhai.places.tests.factories import PairingFactory
from shanhai.reports import services as reports
from shanhai.reports.models import ReportJob

pytestmark = [
    pytest.mark.workers,
    # serialized_rollback: the flush after the test would otherwise take the indicator
    # catalogue (loaded by a migration) with it.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHEETS = 40  # uploaded sheets: 40 checks, then 40 writes
ROWS = 25  # visits per sheet
REPORTS = 8  # annual reports asked for while the sheets are written
WORKERS = ("worker-1", "worker-2")
DRAIN_SECONDS = 120  # bounded: workers that do not finish fail the test
YEAR = 2023
DIRECTIONS = ("东→西", "西→东")
LEVELS = ("主要领导", "分管领导", "部门")


@pytest.fixture(autouse=True)
def database_backend(settings):
    """Queue tasks in the database, as production does, instead of running them at once."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """The uploads and report files, in a folder the test and its workers share."""
    root: Path = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def pairing() -> Pairing:
    return PairingFactory.create(code="songjiang-weixin")


@pytest.fixture
def east_office(pairing) -> User:
    return person(pairing, Role.COOPERATION_OFFICE, Side.EAST, display_name="松江协作办")


def title(sheet: int, row: int) -> str:
    return f"第{sheet:02d}批第{row:02d}次互访考察"


def visit_sheet(sheet: int):
    """A county office's visit sheet: a title line, then ROWS visits spread over the year."""
    rows = [
        [
            date(YEAR, (sheet + row) % 12 + 1, row % 28 + 1),
            title(sheet, row),
            DIRECTIONS[row % 2],
            LEVELS[(sheet + row) % 3],
            f"带队领导{row:02d}",
            row % 9 + 3,
        ]
        for row in range(1, ROWS + 1)
    ]
    return xlsx(
        [
            [f"{YEAR}年松江—威信互访考察情况统计表（第{sheet:02d}批）"],
            ["日期", "标题", "方向", "层级", "带队领导", "人数"],
            *rows,
        ],
        name=f"互访考察第{sheet:02d}批.xlsx",
    )


@dataclass
class Drain:
    seconds: float
    log: str


def workers_database_url() -> str:
    """DATABASE_URL naming the database this test runs on (test_…), for the workers."""
    url = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(url._replace(path="/" + connection.settings_dict["NAME"]))


def worker_environment(media_root: Path) -> dict[str, str]:
    """The environment of a worker process: this test's database and media folder."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.worker_test",
        "DATABASE_URL": workers_database_url(),
        "SHANHAI_MEDIA_ROOT": str(media_root),
    }
    env.pop("DATABASE_REPLICA_URL", None)  # its alias would name the real database, not test_…
    return env


def drain(media_root: Path, log_dir: Path) -> Drain:
    """Start both workers at once, wait (bounded) for both to exit, and say how long it took."""
    env = worker_environment(media_root)
    log_path = log_dir / f"workers-{time.monotonic_ns()}.log"
    with log_path.open("w") as log:
        started = time.monotonic()
        workers = [
            subprocess.Popen(  # noqa: S603 (our own interpreter and command)
                [
                    sys.executable,
                    "-m",
                    "django",
                    "db_worker",
                    "--batch",
                    "--no-startup-delay",
                    "--no-reload",
                    "--worker-id",
                    worker_id,
                ],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            for worker_id in WORKERS
        ]
        try:
            for worker in workers:
                worker.wait(timeout=max(0.0, started + DRAIN_SECONDS - time.monotonic()))
        except subprocess.TimeoutExpired:
            for worker in workers:
                worker.kill()
                worker.wait()
            pytest.fail(
                f"the workers did not drain the queue within {DRAIN_SECONDS} s:\n"
                + log_path.read_text()[-4000:]
            )
        seconds = time.monotonic() - started
    text = log_path.read_text()
    assert [w.returncode for w in workers] == [0, 0], text[-4000:]
    return Drain(seconds, text)


def ran_once(results: list[DBTaskResult[..., Any]], drained: Drain) -> None:
    """Every task succeeded, claimed by exactly one of our two workers."""
    failed = [
        (r.task_path, r.status, r.traceback[-1500:]) for r in results if r.status != "SUCCESSFUL"
    ]
    assert not failed, (failed, drained.log[-4000:])
    assert all(len(r.worker_ids) == 1 for r in results), [r.worker_ids for r in results]
    assert {r.worker_ids[0] for r in results} <= set(WORKERS)


def spans(results: list[DBTaskResult[..., Any]]) -> dict[str, list[tuple[datetime, datetime]]]:
    """When each worker ran each of its tasks."""
    by_worker: dict[str, list[tuple[datetime, datetime]]] = {w: [] for w in WORKERS}
    for r in results:
        assert r.started_at is not None
        assert r.finished_at is not None
        by_worker[r.worker_ids[0]].append((r.started_at, r.finished_at))
    return by_worker


def overlapped(results: list[DBTaskResult[..., Any]]) -> bool:
    """Whether one worker ran a task while the other was running one."""
    first, second = spans(results).values()
    return any(a < d and c < b for a, b in first for c, d in second)


def ledger_so_far(pairing, east_office) -> int:
    """Import the year's visits so far in-process: one in every month, direction and level.

    A county's ledger is not empty when more sheets arrive, and the rollup cells the queued
    sheets add to then exist already. Two imports that both create the *same new* cell at
    the same moment collide on its unique constraint and the later one writes nothing (a
    known race in the rollup upkeep, outside the queue): this test is about the queue.
    """
    rows = [
        [date(YEAR, month, 28), f"上半年第{i:03d}次互访", direction, level, "带队领导", 5]
        for i, (month, direction, level) in enumerate(
            (m, d, lv) for m in range(1, 13) for d in DIRECTIONS for lv in LEVELS
        )
    ]
    outcome = imports.import_file(
        kind="visits",
        file=xlsx(
            [["日期", "标题", "方向", "层级", "带队领导", "人数"], *rows], name="已录入.xlsx"
        ),
        user=east_office,
        pairing=pairing,
    )
    assert outcome.written, [p.as_dict() for p in outcome.errors]
    return outcome.created


def test_two_workers_drain_the_queue_and_each_imports_records_appear_once(
    pairing, east_office, media_root, tmp_path
):
    already = ledger_so_far(pairing, east_office)
    # Upload: each sheet is stored and its check queued (on commit, as the upload page does).
    jobs = [
        imports.start_import(kind="visits", file=visit_sheet(n), user=east_office, pairing=pairing)
        for n in range(1, SHEETS + 1)
    ]
    assert DBTaskResult.objects.filter(status="READY").count() == SHEETS

    checking = drain(media_root, tmp_path)

    checks = list(DBTaskResult.objects.all())
    ran_once(checks, checking)
    assert Counter(r.return_value for r in checks) == {"ready": SHEETS}
    assert Counter(r.args_kwargs["args"][0] for r in checks) == {j.pk: 1 for j in jobs}
    assert Visit.objects.count() == already  # a check writes nothing

    # Commit every sheet and ask for annual reports while the sheets are being written.
    for job in jobs:
        job.refresh_from_db()
        imports.commit_import(job=job, user=east_office)
    for n in range(REPORTS):
        reports.request_annual_report(
            pairing=pairing,
            year=YEAR,
            first_year=YEAR,
            fmt=("xlsx", "json")[n % 2],
            requested_by=east_office,
        )
    queued = set(DBTaskResult.objects.filter(status="READY").values_list("pk", flat=True))
    assert len(queued) == SHEETS + REPORTS

    writing = drain(media_root, tmp_path)

    writes = list(DBTaskResult.objects.filter(pk__in=queued))
    ran_once(writes, writing)
    assert Counter(r.return_value for r in writes) == {"done": SHEETS + REPORTS}
    every = checks + writes
    per_worker = Counter(r.worker_ids[0] for r in every)
    assert set(per_worker) == set(WORKERS), per_worker  # both took part

    # What a user would notice: each import's records are there, once.
    for n, job in enumerate(jobs, start=1):
        job.refresh_from_db()
        assert (job.status, job.rows_written) == (ImportJob.Status.DONE, ROWS), job.errors
        written = Visit.objects.filter(source=job.source).values_list("title", flat=True)
        assert sorted(written) == [title(n, r) for r in range(1, ROWS + 1)]
    assert Visit.objects.filter(pairing=pairing).count() == already + SHEETS * ROWS
    assert AuditEvent.objects.filter(action="imports.visits.imported").count() == 1 + SHEETS
    assert AuditEvent.objects.filter(action="ledger.visit.imported").count() == 1 + SHEETS
    # The monthly sums the dashboards read moved once per record, however the writes interleaved.
    assert rollup_differences() == []
    for report in ReportJob.objects.all():
        assert report.status == ReportJob.Status.DONE, report.error
        assert report.file.size > 0

    busy = {w: sum((b - a).total_seconds() for a, b in runs) for w, runs in spans(every).items()}
    print(  # the figures docs/operations.md quotes (shown with -s)
        f"\n{len(every)} tasks, {len(WORKERS)} workers: {checking.seconds:.1f} s for the checks, "
        f"{writing.seconds:.1f} s for the writes and reports; "
        + ", ".join(f"{w} ran {per_worker[w]} ({busy[w]:.1f} s busy)" for w in WORKERS)
    )
    assert overlapped(every)  # the two really ran at the same time, not one after the other
