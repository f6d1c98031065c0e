"""Download a pairing's annual report as Excel, PDF or JSON."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shanhai.core.http import AuthenticatedHttpRequest
from shanhai.core.routing import reads_from_replica
from shanhai.places.selectors import get_pairing_for_user
from shanhai.reports import services, writers
from shanhai.reports.annual import build_annual_report
from shanhai.reports.models import ReportJob

FIRST_YEAR, LAST_YEAR = 2000, 2100


@login_required
@require_GET
@reads_from_replica
def annual_report(
    request: AuthenticatedHttpRequest, code: str, year: int, fmt: str
) -> HttpResponseBase:
    """Send the report for *year* (from ``?from=`` if given) as a file to save."""
    if fmt not in writers.CONTENT_TYPES or not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    pairing = get_pairing_for_user(request.user, code)
    try:
        first_year = int(request.GET.get("from") or year)
    except ValueError:
        first_year = 0
    if not FIRST_YEAR <= first_year <= year:
        return HttpResponseBadRequest(
            _("The first year must be a year no later than the report's.")
        )
    report = build_annual_report(
        user=request.user, pairing=pairing, year=year, first_year=first_year
    )
    return FileResponse(
        io.BytesIO(writers.render(report, fmt)),
        as_attachment=True,
        filename=writers.filename(report, fmt),
        content_type=writers.CONTENT_TYPES[fmt],
    )


@login_required
@require_POST
def job_create(request: AuthenticatedHttpRequest, code: str, year: int) -> HttpResponseBase:
    """Queue a report file to be made in the background, and show its progress."""
    pairing = get_pairing_for_user(request.user, code)
    fmt = request.POST.get("fmt", "pdf")
    try:
        first_year = int(request.POST.get("from") or year)
    except ValueError:
        first_year = 0
    if fmt not in writers.CONTENT_TYPES or not FIRST_YEAR <= first_year <= year <= LAST_YEAR:
        return HttpResponseBadRequest(
            _("The first year must be a year no later than the report's.")
        )
    job = services.request_annual_report(
        pairing=pairing, year=year, first_year=first_year, fmt=fmt, requested_by=request.user
    )
    return redirect("reports:job", job.pk)


def _job_for_user(request: AuthenticatedHttpRequest, job_id: int) -> ReportJob:
    """A job is its requester's; the pairing must still be visible to them."""
    try:
        job = ReportJob.objects.select_related("pairing").get(pk=job_id, requested_by=request.user)
    except ReportJob.DoesNotExist:
        raise Http404 from None
    get_pairing_for_user(request.user, job.pairing.code)
    return job


@login_required
@require_GET
def job_status(request: AuthenticatedHttpRequest, job_id: int) -> HttpResponse:
    """The progress page; htmx asks for the #job partial every second until it is done."""
    job = _job_for_user(request, job_id)
    template = "reports/job.html#job" if request.htmx else "reports/job.html"
    return render(request, template, {"job": job})


@login_required
@require_GET
def job_file(request: AuthenticatedHttpRequest, job_id: int) -> FileResponse:
    job = _job_for_user(request, job_id)
    if job.status != ReportJob.Status.DONE or not job.file:
        raise Http404
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=job.filename,
        content_type=writers.CONTENT_TYPES[job.fmt],
    )
