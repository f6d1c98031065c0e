"""Background work survives a killed worker: nothing half-written, nothing done twice.

Real `shanhai worker` processes run against the PostgreSQL test database. The test stops a
worker at a known point of a task by holding, from the test, a lock the task is about to need
(the job's row, the rollup cells an import adds to at its end, the facts table), waits until
PostgreSQL shows the worker waiting for it, and kills the worker with SIGKILL. Then nothing of
that task may be in the database, and the next worker must find the task (its worker is gone),
run it again and finish it once. A rollup command killed mid-transaction leaves the rollups as
they were. The faults injected are counted in FAULTS and printed (shown with -s).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Model
from django_tasks_db.models import DBTaskResult

from shanhai.accounts.models import Role, Side
from shanhai.core.models import AuditEvent
from shanhai.core.tests.test_workers import ledger_so_far, worker_environment
from shanhai.core.worker import WorkerIdentity, recover_stale_tasks, worker_gone
from shanhai.facts.models import Fact, Rollup
from shanhai.facts.selectors import rollup_differences
from shanhai.imports import services as imports
from shanhai.imports.models import ImportJob
from shanhai.imports.tests.sheets import xlsx
from shanhai.ledger.models import Visit
from shanhai.ledger.tests.factories import person
from shanhai.places.tests.factories import PairingFactory
from shanhai.reports import services as reports
from shanhai.reports.models import ReportJob

REAL_PROCESSES = (
    pytest.mark.workers,
    pytest.mark.postgresql,
    # serialized_rollback: the flush after the test would otherwise take the indicator
    # catalogue (loaded by a migration) with it.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
)


def with_workers[F: Callable[..., object]](test: F) -> F:
    """Mark a test that starts worker processes against PostgreSQL."""
    for mark in REAL_PROCESSES:
        test = mark(test)
    return test


ROWS = 2000  # visits in the sheet whose import is killed
YEAR = 2023
DIRECTIONS = ("东→西", "西→东")
LEVELS = ("主要领导", "分管领导", "部门")
WAIT_SECONDS = 120  # bounded: a worker that never gets there fails the test
FAULTS: Counter[str] = Counter()  # every kill, by where it struck
STARTED: list[Process] = []  # every process a test started, ended after the test


@pytest.fixture(autouse=True)
def database_backend(settings):
    """Queue tasks in the database, as production does, instead of running them at once."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    root: Path = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture(autouse=True)
def no_process_left() -> Iterator[None]:
    """A test that failed half-way leaves no worker behind on the test database."""
    yield
    while STARTED:
        process = STARTED.pop()
        if process.popen.poll() is None:
            process.popen.kill()
            process.popen.wait()


@pytest.fixture
def pairing():
    return PairingFactory.create(code="songjiang-weixin")


@pytest.fixture
def east_office(pairing):
    return person(pairing, Role.COOPERATION_OFFICE, Side.EAST, display_name="松江协作办")


@pytest.fixture
def ledger(pairing, east_office) -> int:
    """A year of visits already imported, so every rollup cell the big sheet adds to exists."""
    return ledger_so_far(pairing, east_office)


def title(n: int) -> str:
    return f"故障演练第{n:04d}次互访考察"


def big_sheet(name: str = "互访考察（大批）.xlsx", first: int = 1):
    rows = [
        [
            date(YEAR, n % 12 + 1, n % 27 + 1),
            title(n),
            DIRECTIONS[n % 2],
            LEVELS[n % 3],
            f"带队领导{n % 50:02d}",
            n % 9 + 3,
        ]
        for n in range(first, first + ROWS)
    ]
    return xlsx([["日期", "标题", "方向", "层级", "带队领导", "人数"], *rows], name=name)


# --- processes ------------------------------------------------------------------------------


class Process:
    """A `shanhai worker` (or another command) started against the test database."""

    def __init__(self, media_root: Path, log_dir: Path, *command: str) -> None:
        env = worker_environment(media_root)
        self.log_path = log_dir / f"{command[0]}-{time.monotonic_ns()}.log"
        self._log = self.log_path.open("w")
        STARTED.append(self)
        self.popen = subprocess.Popen(  # noqa: S603 (our own interpreter and command)
            [sys.executable, "-m", "django", *command],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @classmethod
    def worker(cls, media_root: Path, log_dir: Path) -> Process:
        return cls(
            media_root,
            log_dir,
            "worker",
            "--no-startup-delay",
            "--interval",
            "0.1",
            "--recover-every",
            "0.5",
        )

    @property
    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text()[-4000:]

    def kill(self, where: str) -> None:
        """SIGKILL, as the kernel's OOM killer or a lost host would; for a worker, wait until
        PostgreSQL has seen its liveness session end (the next worker's sweep asks that)."""
        assert self.popen.poll() is None, f"it ended before the fault at {where}:\n{self.log}"
        self.popen.send_signal(signal.SIGKILL)
        assert self.popen.wait(timeout=30) == -signal.SIGKILL
        FAULTS[where] += 1
        prefix = f"{WorkerIdentity.current().host}:{self.popen.pid}:"
        for ids in DBTaskResult.objects.values_list("worker_ids", flat=True):
            for worker_id in ids:
                if worker_id.startswith(prefix):
                    wait_until(partial(_gone, worker_id), f"PostgreSQL to end {worker_id}")

    def stop(self) -> int:
        """SIGTERM, as systemd stops a service; the worker ends its task, then exits."""
        self.popen.send_signal(signal.SIGTERM)
        return self.popen.wait(timeout=WAIT_SECONDS)

    def wait(self) -> int:
        return self.popen.wait(timeout=WAIT_SECONDS)


def _gone(worker_id: str) -> bool:
    with transaction.atomic():
        return worker_gone(worker_id)


def wait_until(condition: Callable[[], object], what: str, process: Process | None = None) -> None:
    """Poll until *condition* holds (bounded); fail at once if *process* ended meanwhile."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if process is not None and process.popen.poll() is not None:
            pytest.fail(f"it exited ({process.popen.returncode}) before {what}:\n{process.log}")
        if time.monotonic() > deadline:
            log = process.log if process is not None else ""
            pytest.fail(f"waited {WAIT_SECONDS} s for {what}\n{log}")
        time.sleep(0.02)


# --- what PostgreSQL shows of the workers' transactions -------------------------------------


def waiting_for_lock() -> set[int]:
    """The other sessions waiting for a lock (the test's). From pg_locks, which is live:
    pg_stat_activity would show the same snapshot for the rest of the test's transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT pid FROM pg_locks WHERE NOT granted AND pid <> pg_backend_pid()"
        )
        return {pid for (pid,) in cursor.fetchall()}


def writing(table: str) -> set[int]:
    """The other sessions whose open transaction has written to *table*."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT l.pid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = %s AND l.mode = 'RowExclusiveLock' AND l.granted "
            "AND l.pid <> pg_backend_pid()",
            [table],
        )
        return {pid for (pid,) in cursor.fetchall()}


@contextmanager
def holding(take: Callable[[], object]) -> Iterator[None]:
    """Hold the locks *take* takes until the block ends, then let their waiters finish."""
    with transaction.atomic():
        take()
        yield
    # A killed worker's statement that was waiting goes on alone (and commits, if it was one
    # statement in autocommit): let it end before anything is checked or started.
    wait_until(lambda: not waiting_for_lock(), "the killed worker's last statement to end")


def rows_of(model: type[Model], **where: object) -> Callable[[], object]:
    """Lock the rows of *model* that match *where*."""
    return lambda: list(model._default_manager.select_for_update().filter(**where))


def whole_table(model: type[Model]) -> Callable[[], object]:
    """Lock *model*'s table against everything, reads too."""

    def take() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {model._meta.db_table} IN ACCESS EXCLUSIVE MODE")

    return take


def task_of(path: str, job_id: int) -> DBTaskResult:  # type: ignore[type-arg]
    return DBTaskResult.objects.get(task_path__endswith=path, args_kwargs__args=[job_id])


def status_is(path: str, job_id: int, status: str) -> Callable[[], bool]:
    return lambda: task_of(path, job_id).status == status


def claimed_and_held(job_id: int, attempt: int) -> bool:
    """Whether the report's task has been claimed *attempt* times and waits for a lock."""
    claims = len(task_of("make_annual_report", job_id).worker_ids)
    return claims == attempt and bool(waiting_for_lock())


def big_import_visits() -> Counter[str]:
    """How many times each title of the big sheet is in the ledger."""
    return Counter(
        dict(
            Visit.objects.filter(title__startswith="故障演练")
            .values_list("title")
            .annotate(n=Count("id"))
            .values_list("title", "n")
        )
    )


# --- the tests ------------------------------------------------------------------------------


@with_workers
def test_an_import_killed_three_times_is_written_once_and_only_when_finished(
    pairing, east_office, ledger, media_root, tmp_path
):
    facts_before = Fact.objects.count()
    job = imports.start_import(kind="visits", file=big_sheet(), user=east_office, pairing=pairing)

    # Fault 1: the check has been claimed and waits for the job's row.
    with holding(rows_of(ImportJob, pk=job.pk)):
        first = Process.worker(media_root, tmp_path)
        wait_until(status_is("check_import", job.pk, "RUNNING"), "the check to be claimed")
        wait_until(waiting_for_lock, "the check to reach the job's row")
        first.kill("import check, claimed")
    job.refresh_from_db()
    assert job.status in (ImportJob.Status.QUEUED, ImportJob.Status.CHECKING)

    second = Process.worker(media_root, tmp_path)
    wait_until(status_is("check_import", job.pk, "SUCCESSFUL"), "the check to run again")
    assert second.stop() == 0, second.log
    job.refresh_from_db()
    assert job.status == ImportJob.Status.READY, job.errors
    assert len(task_of("check_import", job.pk).worker_ids) == 2
    imports.commit_import(job=job, user=east_office)

    # Faults 2 and 3: the rollup cells the sheet adds to are held, so the import cannot
    # commit; kill it once mid-write (visits inserted, not committed), once at its very end.
    for where in ("import write, visits being inserted", "import write, all rows in, at commit"):
        with holding(rows_of(Rollup, pairing=pairing)):
            worker = Process.worker(media_root, tmp_path)
            wait_until(lambda: bool(writing(Visit._meta.db_table)), "the import to insert")
            if where.endswith("at commit"):
                wait_until(waiting_for_lock, "the import to reach the rollups")
            elif waiting_for_lock():  # the sheet went in faster than the test could look
                where = "import write, all rows in, at commit (aimed at mid-insert)"
            worker.kill(where)
        # No partial write: the ledger, the facts and the rollups are as they were.
        assert big_import_visits() == Counter(), where
        assert Fact.objects.count() == facts_before, where
        assert rollup_differences() == [], where
        job.refresh_from_db()
        assert (job.status, job.rows_written) == (ImportJob.Status.WRITING, 0), where
        assert task_of("write_import", job.pk).status == "RUNNING"  # until a sweep sees it

    last = Process.worker(media_root, tmp_path)
    wait_until(status_is("write_import", job.pk, "SUCCESSFUL"), "the import to run again")
    assert last.stop() == 0, last.log

    write = task_of("write_import", job.pk)
    assert write.return_value == ImportJob.Status.DONE
    assert len(write.worker_ids) == 3  # two lost, one finished
    job.refresh_from_db()
    assert (job.status, job.rows_written) == (ImportJob.Status.DONE, ROWS), job.errors
    visits = big_import_visits()
    assert len(visits) == ROWS
    assert set(visits.values()) == {1}  # every row once, by its title
    assert Visit.objects.filter(pairing=pairing).count() == ledger + ROWS
    assert AuditEvent.objects.filter(action="imports.visits.imported", target_id=str(job.pk))
    assert AuditEvent.objects.filter(action="imports.visits.imported").count() == 2
    assert rollup_differences() == []  # the rollups equal a recount from the ledger
    assert Fact.objects.count() == facts_before + ROWS * facts_before // ledger
    print(f"\nfaults injected so far: {dict(FAULTS)}")


@with_workers
def test_a_worker_stopped_with_sigterm_finishes_its_import_first(
    pairing, east_office, ledger, media_root, tmp_path
):
    job = imports.start_import(kind="visits", file=big_sheet(), user=east_office, pairing=pairing)
    checker = Process.worker(media_root, tmp_path)
    wait_until(status_is("check_import", job.pk, "SUCCESSFUL"), "the check")
    assert checker.stop() == 0, checker.log
    job.refresh_from_db()
    imports.commit_import(job=job, user=east_office)

    with holding(rows_of(Rollup, pairing=pairing)):
        worker = Process.worker(media_root, tmp_path)
        wait_until(waiting_for_lock, "the import to reach the rollups", worker)
        worker.popen.send_signal(signal.SIGTERM)  # as `systemctl stop` does
        FAULTS["SIGTERM mid-import"] += 1
    assert worker.wait() == 0, worker.log

    write = task_of("write_import", job.pk)
    assert (write.status, len(write.worker_ids)) == ("SUCCESSFUL", 1)
    job.refresh_from_db()
    assert (job.status, job.rows_written) == (ImportJob.Status.DONE, ROWS)
    assert set(big_import_visits().values()) == {1}
    assert rollup_differences() == []


@with_workers
def test_a_report_killed_while_made_is_published_once(
    pairing, east_office, ledger, media_root, tmp_path
):
    job = reports.request_annual_report(
        pairing=pairing, year=YEAR, first_year=YEAR, fmt="xlsx", requested_by=east_office
    )
    with holding(rows_of(ReportJob, pk=job.pk)):
        worker = Process.worker(media_root, tmp_path)
        wait_until(status_is("make_annual_report", job.pk, "RUNNING"), "the report to start")
        wait_until(waiting_for_lock, "the report to reach its job's row")
        worker.kill("annual report, claimed")
    job.refresh_from_db()
    assert job.status != ReportJob.Status.DONE
    assert not job.file

    again = Process.worker(media_root, tmp_path)
    wait_until(status_is("make_annual_report", job.pk, "SUCCESSFUL"), "the report again")
    assert again.stop() == 0, again.log
    job.refresh_from_db()
    assert job.status == ReportJob.Status.DONE, job.error
    assert len(task_of("make_annual_report", job.pk).worker_ids) == 2
    files = [p for p in (media_root / "reports").rglob("*") if p.is_file()]
    assert files == [media_root / job.file.name]  # one file, no leftovers
    assert files[0].stat().st_size > 0


@with_workers
def test_a_task_whose_worker_is_lost_three_times_fails_with_a_message(
    pairing, east_office, ledger, media_root, tmp_path
):
    job = reports.request_annual_report(
        pairing=pairing, year=YEAR, first_year=YEAR, fmt="json", requested_by=east_office
    )
    for attempt in range(1, 4):
        with holding(rows_of(ReportJob, pk=job.pk)):
            worker = Process.worker(media_root, tmp_path)
            wait_until(partial(claimed_and_held, job.pk, attempt), f"attempt {attempt}")
            worker.kill("annual report, lost again and again")

    last = Process.worker(media_root, tmp_path)
    wait_until(status_is("make_annual_report", job.pk, "FAILED"), "the report to be given up")
    assert last.stop() == 0, last.log
    task = task_of("make_annual_report", job.pk)
    assert task.exception_class_path == "shanhai.core.worker.WorkerLost"
    assert len(task.worker_ids) == 4  # three lost, one that gave up
    job.refresh_from_db()
    assert job.status == ReportJob.Status.FAILED
    assert "3" in job.error
    assert not job.file


@with_workers
@pytest.mark.parametrize(
    ("action", "lock", "written"),
    [
        # recount deletes the rollups, then is held at INSERT … SELECT FROM facts
        ("recount", whole_table(Fact), Rollup),
        # rebuild deletes the facts, then is held at deleting the rollups
        ("rebuild", rows_of(Rollup), Fact),
    ],
)
def test_a_rollup_command_killed_mid_transaction_leaves_the_rollups_as_they_were(
    pairing, east_office, ledger, media_root, tmp_path, action, lock, written
):
    facts, rollups = Fact.objects.count(), Rollup.objects.count()
    assert facts
    assert rollups
    with holding(lock):
        command = Process(media_root, tmp_path, "rollups", action)
        wait_until(
            lambda: bool(waiting_for_lock() & writing(written._meta.db_table)),
            f"{action} to delete",
            command,
        )
        command.kill(f"rollups {action}, after its delete")
    assert (Fact.objects.count(), Rollup.objects.count()) == (facts, rollups)
    assert rollup_differences() == []

    again = Process(media_root, tmp_path, "rollups", action)
    assert again.wait() == 0, again.log
    assert (Fact.objects.count(), Rollup.objects.count()) == (facts, rollups)
    assert rollup_differences() == []
    print(f"\nfaults injected so far: {dict(FAULTS)}")


# --- the same guarantees in one process, on any database ------------------------------------


def small_sheet():
    rows = [
        [
            date(YEAR, 3, n),
            f"单进程演练第{n:02d}次互访",
            DIRECTIONS[n % 2],
            LEVELS[n % 3],
            "领导",
            4,
        ]
        for n in range(1, 11)
    ]
    return xlsx([["日期", "标题", "方向", "层级", "带队领导", "人数"], *rows], name="十次互访.xlsx")


@pytest.mark.django_db
def test_an_import_run_again_after_it_was_written_writes_nothing(pairing, east_office):
    job = imports.start_import(kind="visits", file=small_sheet(), user=east_office, pairing=pairing)
    imports.check_import(job_id=job.pk)
    job.refresh_from_db()
    imports.commit_import(job=job, user=east_office)

    first = imports.write_import(job_id=job.pk)
    again = imports.write_import(job_id=job.pk)  # the task's second run, after a lost worker
    rechecked = imports.check_import(job_id=job.pk)  # a check task run again, late

    assert (first.status, first.rows_written) == (ImportJob.Status.DONE, 10)
    assert (again.status, again.rows_written) == (ImportJob.Status.DONE, 10)
    assert rechecked.status == ImportJob.Status.DONE
    assert Visit.objects.filter(title__startswith="单进程演练").count() == 10
    assert AuditEvent.objects.filter(action="imports.visits.imported").count() == 1
    assert rollup_differences() == []


@pytest.mark.django_db
def test_an_import_given_up_says_why_and_wrote_nothing(pairing, east_office):
    job = imports.start_import(kind="visits", file=small_sheet(), user=east_office, pairing=pairing)

    job = imports.abandon_import(job_id=job.pk, attempts=3)

    assert job.status == ImportJob.Status.FAILED
    assert "3" in job.errors[0]["message"]
    assert not Visit.objects.filter(title__startswith="单进程演练").exists()


@pytest.mark.django_db
def test_a_report_made_again_replaces_what_a_lost_run_left(pairing, east_office, media_root):
    job = reports.request_annual_report(
        pairing=pairing, year=YEAR, first_year=YEAR, fmt="json", requested_by=east_office
    )
    # What a run killed after writing left behind: half a temporary file, and a whole one.
    final = media_root / reports._report_name(job)
    final.parent.mkdir(parents=True)
    final.with_name(final.name + ".part").write_bytes(b'{"half": ')
    final.write_bytes(b"{}")

    made = reports.make_annual_report(job_id=job.pk)
    published = final.read_bytes()
    again = reports.make_annual_report(job_id=job.pk)

    assert made.status == again.status == ReportJob.Status.DONE
    assert made.file.name == again.file.name == reports._report_name(job)
    assert published != b"{}"
    assert final.read_bytes() == published  # the second run published nothing
    assert list(final.parent.iterdir()) == [final]  # no temporary or second file


def task_claimed_by(*worker_ids: str) -> DBTaskResult:  # type: ignore[type-arg]
    return DBTaskResult.objects.create(
        args_kwargs={"args": [1], "kwargs": {}},
        task_path="shanhai.reports.tasks.make_annual_report",
        backend_name="default",
        run_after=datetime(9999, 1, 1, tzinfo=UTC),
        status="RUNNING",
        worker_ids=list(worker_ids),
    )


@pytest.mark.django_db
def test_the_sweep_requeues_only_tasks_whose_worker_is_gone_and_fails_hopeless_ones():
    me = WorkerIdentity.current()
    # The same pid with another start time: the pid was reused, the worker is gone.
    gone = str(WorkerIdentity(host=me.host, pid=me.pid, started=me.started - 3600))
    alive = task_claimed_by(str(me))
    lost = task_claimed_by(gone)
    hopeless = task_claimed_by(gone, gone, gone, gone)
    foreign = task_claimed_by("db-worker-without-an-address")

    with transaction.atomic():
        recovered = recover_stale_tasks()

    assert sorted(recovered.requeued) == [str(lost.pk)]
    assert recovered.failed == [str(hopeless.pk)]
    statuses = {r.pk: r.status for r in DBTaskResult.objects.filter(pk__in=[alive.pk, foreign.pk])}
    assert set(statuses.values()) == {"RUNNING"}
    lost.refresh_from_db()
    hopeless.refresh_from_db()
    assert lost.status == "READY"
    assert (hopeless.status, hopeless.exception_class_path) == (
        "FAILED",
        "shanhai.core.worker.WorkerLost",
    )
