"""Make report files in the background and record how far they have got."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from shanhai.accounts.models import User
from shanhai.core.routing import replica_reads
from shanhai.core.services import record_audit_event
from shanhai.places.models import Pairing
from shanhai.reports import writers
from shanhai.reports.annual import build_annual_report
from shanhai.reports.models import ReportJob

logger = logging.getLogger(__name__)


@transaction.atomic
def request_annual_report(
    *, pairing: Pairing, year: int, first_year: int, fmt: str, requested_by: User
) -> ReportJob:
    """Queue the annual report; the worker makes it once this transaction has committed."""
    if fmt not in writers.CONTENT_TYPES:
        raise ValueError(f"unknown format {fmt!r}")
    job = ReportJob.objects.create(
        pairing=pairing, year=year, first_year=first_year, fmt=fmt, requested_by=requested_by
    )
    record_audit_event(
        actor=requested_by,
        action="reports.annual.requested",
        target=pairing,
        details={"year": year, "from": first_year, "format": fmt, "job": job.pk},
    )
    from shanhai.reports import tasks  # the task module imports this one

    transaction.on_commit(lambda: tasks.make_annual_report.enqueue(job.pk))
    return job


def _stage(job: ReportJob, progress: int, stage: str) -> None:
    ReportJob.objects.filter(pk=job.pk).update(progress=progress, stage=stage)


def _report_name(job: ReportJob) -> str:
    """Where a job's file goes: one name per job, so a run that follows a lost one replaces
    whatever that one left instead of leaving a second file behind."""
    return f"reports/{job.requested_at:%Y/%m}/annual-{job.pk}.{job.fmt}"


def _publish(name: str, content: bytes) -> str:
    """Store *content* under *name* whole or not at all; return the stored name.

    On the file system it is written to a temporary file beside the final one and renamed
    over it, so *name* never holds half a file. Other storages have no rename: the old file
    goes first (the job does not point at it until its transaction commits).
    """
    storage = default_storage
    try:
        final = Path(storage.path(name))
    except NotImplementedError:
        if storage.exists(name):
            storage.delete(name)
        return storage.save(name, ContentFile(content))
    final.parent.mkdir(parents=True, exist_ok=True)
    part = final.with_name(final.name + ".part")
    with part.open("wb") as out:
        out.write(content)
        out.flush()
        os.fsync(out.fileno())
    mode = getattr(storage, "file_permissions_mode", None)
    if mode is not None:
        part.chmod(mode)
    os.replace(part, final)
    return name


def make_annual_report(*, job_id: int) -> ReportJob:
    """Build and store the file of a queued job, updating its progress as it goes.

    The file and the job's "done" are published together, under the job's row lock: a run
    that follows one lost with its worker starts again, and a run after the job is done
    changes nothing.
    """
    job = ReportJob.objects.select_related("pairing", "requested_by").get(pk=job_id)
    if job.status == ReportJob.Status.DONE:
        return job  # a task run twice makes one file
    ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.RUNNING)
    try:
        _stage(job, 10, _("Computing the indicators and reading the ledger"))
        # From the read replica once it holds all the requester could see when asking.
        with replica_reads(catch_up_within=settings.SHANHAI_REPLICA_WAIT_SECONDS):
            report = build_annual_report(
                user=job.requested_by,
                pairing=job.pairing,
                year=job.year,
                first_year=job.first_year,
            )
        _stage(job, 60, _("Writing the file"))
        content = writers.render(report, job.fmt)
        with transaction.atomic():
            locked = ReportJob.objects.select_for_update().get(pk=job.pk)
            if locked.status == ReportJob.Status.DONE:
                return locked
            job.file.name = _publish(_report_name(job), content)
            job.filename = writers.filename(report, job.fmt)
            job.status = ReportJob.Status.DONE
            job.progress = 100
            job.stage = _("Ready")
            job.save(update_fields=["file", "filename", "status", "progress", "stage"])
    except Exception as error:
        logger.exception("report job %s failed", job.pk)
        ReportJob.objects.filter(pk=job.pk).update(
            status=ReportJob.Status.FAILED, error=str(error)[:2000]
        )
        job.refresh_from_db()
    return job


def abandon_annual_report(*, job_id: int, attempts: int) -> ReportJob:
    """Fail a report whose making was lost with its worker *attempts* times."""
    message = _(
        "The background worker stopped %(n)d times while making this report, so it was not "
        "tried again. Ask for the report again, or tell an administrator."
    ) % {"n": attempts}
    ReportJob.objects.filter(pk=job_id).exclude(status=ReportJob.Status.DONE).update(
        status=ReportJob.Status.FAILED, error=message, stage=_("Stopped")
    )
    logger.error("report job %s failed: its worker was lost %d times", job_id, attempts)
    return ReportJob.objects.get(pk=job_id)
