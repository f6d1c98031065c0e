"""`shanhai worker`: django-tasks-db's `db_worker` that re-queues the tasks of lost workers.

Same options as `db_worker` (bar --reload), plus --recover-every and --max-attempts; the
worker id defaults to host:pid:start time. See shanhai/core/worker.py and docs/operations.md.
"""

import logging
import os
import signal
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django_tasks_db.management.commands import db_worker

from shanhai.core.worker import (
    MAX_ATTEMPTS,
    RECOVER_EVERY_SECONDS,
    Liveness,
    WorkerIdentity,
)

logger = logging.getLogger("django_tasks_db")


class Worker(db_worker.Worker):
    """The django-tasks-db worker; a second stop signal ends it at once, as SIGKILL would.

    db_worker's forced stop raises SystemExit inside the task, which then records the task as
    FAILED although nothing about it was wrong. Ending the process instead rolls back the
    task's transaction and leaves the task RUNNING with a dead worker: the next sweep runs it
    again.
    """

    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        if not self.running and self.running_task:
            logger.warning(
                "Received %s again - stopping now; the task will be run again.",
                signal.strsignal(signum),
            )
            os._exit(1)
        super().shutdown(signum, frame)


class Command(db_worker.Command):
    help = (
        "Run a background worker (django-tasks-db) that also re-queues the tasks of workers "
        "that died, and fails a task whose worker was lost too many times."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(worker_id=None, reload=False)
        parser.add_argument(
            "--recover-every",
            type=db_worker.valid_interval,
            default=RECOVER_EVERY_SECONDS,
            help="Seconds between sweeps for tasks of lost workers (default: %(default)r)",
        )
        parser.add_argument(
            "--max-attempts",
            type=db_worker.valid_max_tasks,
            default=MAX_ATTEMPTS,
            help="Runs lost with their worker before a task fails for good (default: %(default)r)",
        )

    def handle(  # type: ignore[override]
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        max_tasks: int | None,
        worker_id: str | None,
        exclude_queues: str,
        recover_every: float,
        max_attempts: int,
        **options: Any,
    ) -> None:
        if options.get("reload"):
            raise CommandError(_("`shanhai worker` does not reload; use `db_worker --reload`."))
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError(_("--exclude-queues can only be used with --queue-name=*"))
        worker = Worker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id or str(WorkerIdentity.current()),
            excluded_queue_names=excluded,
        )
        # The lock first, then a sweep, then the first claim: nothing this worker claims can
        # look abandoned to another worker's sweep.
        Liveness(worker.worker_id, every=recover_every, max_attempts=max_attempts).start()
        worker.configure_signals()
        worker.run()
