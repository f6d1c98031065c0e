"""Background workers that leave no task stranded: identity, liveness and stale-task recovery.

django-tasks-db marks a task RUNNING when a worker claims it and only the same worker ever
marks it finished. A worker killed mid-task (SIGKILL, out of memory, a host that went away)
leaves the task RUNNING for ever. `shanhai worker` (core/management/commands/worker.py) runs
django-tasks-db's worker with three additions, all here:

* a worker id that says where the worker runs: ``host:pid:process start time``;
* on PostgreSQL, a session advisory lock the worker holds for its whole life on a connection
  of its own. PostgreSQL releases it the moment that session ends, whichever host the worker
  was on, so "the lock is free" means "the worker is gone" without a heartbeat table or clock;
* a sweep, when a worker starts and every few seconds after, that puts back in the queue each
  RUNNING task whose worker is gone (lock free and, on this host, process gone too), and
  fails it for good once it has been lost `MAX_ATTEMPTS` times.

A task run again after its worker died starts from nothing: each job writes everything in one
transaction that died with the worker, and re-running a finished job does nothing (see the
imports and reports services). The task adapters give up with `attempts_exhausted`.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.tasks import TaskContext
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # runs of one task whose worker was lost before it is failed for good
LOCK_CLASS = 0x5348  # "SH": the advisory-lock namespace of worker liveness locks
RECOVER_EVERY_SECONDS = 30.0
# A worker on another host that lost its network: PostgreSQL ends its session (and frees its
# lock) after about idle + interval × count seconds instead of the kernel's two hours.
KEEPALIVE = {"tcp_keepalives_idle": 30, "tcp_keepalives_interval": 10, "tcp_keepalives_count": 3}


class WorkerLost(Exception):  # noqa: N818 (the name is what an operator reads in the admin)
    """The worker running a task stopped before finishing it, too many times."""


@dataclass(frozen=True)
class WorkerIdentity:
    """Where a worker process runs: host name, process id and when the process started."""

    host: str
    pid: int
    started: int  # seconds since the epoch

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}:{self.started}"

    @classmethod
    def parse(cls, worker_id: str) -> WorkerIdentity | None:
        """The identity in a `shanhai worker` id; None for ids other workers chose."""
        host, _sep, rest = worker_id.rpartition(":")
        host, _sep, pid = host.rpartition(":")
        if not host or not pid.isdigit() or not rest.isdigit():
            return None
        return cls(host=host, pid=int(pid), started=int(rest))

    @classmethod
    def current(cls) -> WorkerIdentity:
        pid = os.getpid()
        return cls(host=this_host(), pid=pid, started=process_started(pid) or int(time.time()))


def this_host() -> str:
    return socket.gethostname()[:40] or "localhost"


def process_started(pid: int) -> int | None:
    """When process *pid* started (seconds since the epoch), from /proc; None if unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        with open("/proc/stat", encoding="ascii") as system:
            boot = next(int(line.split()[1]) for line in system if line.startswith("btime "))
    except (OSError, IndexError, StopIteration, ValueError):
        return None
    # fields[0] is the state (field 3 of stat(5)); starttime is field 22.
    return boot + round(int(fields[19]) / os.sysconf("SC_CLK_TCK"))


def process_alive(identity: WorkerIdentity) -> bool:
    """Whether the process *identity* names still runs here (not a new one with its pid)."""
    started = process_started(identity.pid)
    if started is not None:
        return abs(started - identity.started) <= 1
    try:
        os.kill(identity.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _uses_locks(conn: BaseDatabaseWrapper) -> bool:
    return conn.vendor == "postgresql"


def _lock_args(worker_id: str) -> tuple[int, str]:
    return (LOCK_CLASS, worker_id)


def worker_gone(worker_id: str, *, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether the worker that claimed a task has surely stopped: only then is it run again.

    On PostgreSQL the worker's liveness lock must be free; a worker on this host must also
    have no process left (so a worker whose lock connection dropped is not robbed of its task).
    Elsewhere only workers of this host can be judged. Ids not made by `shanhai worker` are
    never judged: plain `db_worker` processes hold no lock.
    """
    identity = WorkerIdentity.parse(worker_id)
    if identity is None:
        return False
    same_host = identity.host == this_host()
    if same_host and process_alive(identity):
        return False
    conn = connections[using]
    if not _uses_locks(conn):
        return same_host
    with conn.cursor() as cursor:
        # Taken only if nobody holds it, and let go when the sweep's transaction ends.
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))", _lock_args(worker_id))
        (free,) = cursor.fetchone()
    return bool(free)


@dataclass
class Recovered:
    requeued: list[str]
    failed: list[str]


def recover_stale_tasks(
    *, max_attempts: int = MAX_ATTEMPTS, using: str = DEFAULT_DB_ALIAS
) -> Recovered:
    """Put back in the queue the RUNNING tasks whose worker is gone; fail the hopeless ones.

    A task is run at most *max_attempts* times by workers that were lost, plus once more in
    which its adapter gives up (`attempts_exhausted`) and says so on the job's page; lost
    again after that, it is failed here. Rows other sweeps hold are skipped, not waited for.
    """
    recovered = Recovered(requeued=[], failed=[])
    with transaction.atomic(using=using):
        running = (
            DBTaskResult.objects.using(using)
            .running()
            .select_for_update(skip_locked=True)
            .order_by("started_at")
        )
        for result in running:
            owner = result.worker_ids[-1] if result.worker_ids else ""
            if not worker_gone(owner, using=using):
                continue
            attempts = len(result.worker_ids)
            if attempts > max_attempts:
                result.set_failed(
                    WorkerLost(
                        f"The worker running this task stopped {attempts} times "
                        f"(last: {owner}); not running it again."
                    )
                )
                recovered.failed.append(str(result.pk))
                logger.error(
                    "task %s %s failed: worker lost %d times", result.pk, result.task_path, attempts
                )
                continue
            result.status = TaskResultStatus.READY
            result.save(update_fields=["status"])
            recovered.requeued.append(str(result.pk))
            logger.warning(
                "task %s %s queued again: its worker %s is gone (attempt %d of %d)",
                result.pk,
                result.task_path,
                owner,
                attempts,
                max_attempts,
            )
    return recovered


def attempts_exhausted(context: TaskContext[..., Any], *, max_attempts: int = MAX_ATTEMPTS) -> bool:
    """Whether this run follows *max_attempts* runs whose worker was lost: time to give up."""
    return context.attempt > max_attempts


class Liveness:
    """Hold this worker's liveness lock and sweep for stale tasks, on a thread of its own.

    The lock lives on a connection of its own so that the worker closing or recycling its
    main connection (close_old_connections) never lets it go.
    """

    def __init__(
        self, worker_id: str, *, every: float, max_attempts: int, using: str = DEFAULT_DB_ALIAS
    ) -> None:
        self.worker_id = worker_id
        self.every = every
        self.max_attempts = max_attempts
        self.using = using
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self._lock_conn: BaseDatabaseWrapper | None = None
        self._thread = threading.Thread(target=self._run, name="shanhai-liveness", daemon=True)

    def start(self, timeout: float = 60.0) -> None:
        """Take the lock and sweep once, before the worker claims anything."""
        self._thread.start()
        if not self.ready.wait(timeout):
            raise RuntimeError("the worker could not take its liveness lock in time")
        if self.error is not None:
            raise self.error

    def _hold_lock(self) -> None:
        if not _uses_locks(connections[self.using]):
            return  # SQLite and the like: stale tasks of this host are judged by process
        if self._lock_conn is None:
            self._lock_conn = connections.create_connection(self.using)
        conn = self._lock_conn
        conn.ensure_connection()
        with conn.cursor() as cursor:
            for name, value in KEEPALIVE.items():
                cursor.execute(f"SET {name} = {int(value)}")
            cursor.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", _lock_args(self.worker_id))

    def _check_lock(self) -> None:
        conn = self._lock_conn
        if conn is None:
            return
        try:
            with conn.cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception:
            logger.warning(
                "worker %s lost its liveness connection; taking the lock again", self.worker_id
            )
            conn.close()
            self._hold_lock()

    def _sweep(self) -> None:
        recover_stale_tasks(max_attempts=self.max_attempts, using=self.using)

    def _run(self) -> None:
        try:
            self._hold_lock()
            self._sweep()
        except BaseException as error:  # reported by start() in the main thread
            self.error = error
            self.ready.set()
            return
        self.ready.set()
        while True:
            time.sleep(self.every)
            try:
                connections[self.using].close_if_unusable_or_obsolete()
                self._check_lock()
                self._sweep()
            except Exception:
                logger.exception("stale-task sweep failed; trying again in %s s", self.every)
                connections[self.using].close()
