"""Make report files in the background and record how far they have got."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.files.base import ContentFile
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


def make_annual_report(*, job_id: int) -> ReportJob:
    """Build and store the file of a queued job, updating its progress as it goes."""
    job = ReportJob.objects.select_related("pairing", "requested_by").get(pk=job_id)
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
        name = writers.filename(report, job.fmt)
        job.file.save(f"annual-{job.pk}.{job.fmt}", ContentFile(content), save=False)
        job.filename = name
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
