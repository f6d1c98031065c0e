"""Pages of imports: upload a sheet, watch it being checked, map its columns, commit; download."""

from __future__ import annotations

import io
import tempfile
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from shanhai.core.http import AuthenticatedHttpRequest
from shanhai.core.routing import reads_from_replica
from shanhai.imports import exports, selectors, services
from shanhai.imports.forms import MappingForm, UploadForm
from shanhai.imports.kinds import KINDS
from shanhai.imports.kinds.base import Kind
from shanhai.imports.models import ImportJob
from shanhai.imports.selectors import kinds_for_user
from shanhai.places.models import Pairing
from shanhai.places.selectors import get_pairing_for_user

RUNNING = (ImportJob.Status.QUEUED, ImportJob.Status.CHECKING, ImportJob.Status.WRITING)
MAPPABLE = (ImportJob.Status.READY, ImportJob.Status.INVALID, ImportJob.Status.UNUSABLE)
RECENT_JOBS = 10
PREVIEW_SHOWN = 100  # rows on the page unless all are asked for (?rows=all)
PROBLEMS_SHOWN = 200
SHORT_CELL = 12  # characters: dates, numbers and names stay on one line in the preview
FIRST_YEAR, LAST_YEAR = 2000, 2100
SPOOL_BYTES = 8 * 1024 * 1024  # larger exports are spooled to a temporary file

ACTION_LABELS = {
    "create": gettext_lazy("New"),
    "update": gettext_lazy("Update"),
    "unchanged": gettext_lazy("Unchanged"),
    "exists": gettext_lazy("Already present (other values)"),
    "error": gettext_lazy("Has problems"),
}


def _get_kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload a sheet to be checked; list the person's recent imports."""
    kinds = kinds_for_user(request.user)
    if not kinds:
        raise PermissionDenied
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        kinds=kinds,
        initial={k: request.GET[k] for k in ("kind", "pairing", "mode") if k in request.GET},
    )
    if request.method == "POST" and form.is_valid():
        try:
            job = services.start_import(
                kind=form.cleaned_data["kind"],
                file=form.cleaned_data["file"],
                user=request.user,
                pairing=form.cleaned_data["pairing"],
                mode=form.cleaned_data["mode"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("imports:job", job.pk)
    context = {
        "form": form,
        "kinds": kinds,
        "jobs": selectors.jobs_for_user(request.user)[:RECENT_JOBS],
    }
    return render(request, "imports/upload.html", context)


@login_required
@require_GET
def job_detail(request: AuthenticatedHttpRequest, job_id: int) -> HttpResponse:
    """The import's progress while it runs; then its summary, problems and preview."""
    job = selectors.get_job_for_user(request.user, job_id)
    return _job_page(request, job)


@login_required
@require_GET
def job_status(request: AuthenticatedHttpRequest, job_id: int) -> HttpResponse:
    """The progress bar, asked for every second; once the job stops, the whole page reloads."""
    job = selectors.get_job_for_user(request.user, job_id)
    if job.status not in RUNNING:
        if request.htmx:
            return HttpResponseClientRefresh()
        return redirect("imports:job", job.pk)
    context = {"job": job, "progress": services.job_progress(job)}
    return render(request, "imports/job.html#progress", context)


@login_required
@require_POST
def job_mapping(request: AuthenticatedHttpRequest, job_id: int) -> HttpResponse:
    """Say which column each unknown header is; the sheet is checked again."""
    job = selectors.get_job_for_user(request.user, job_id)
    form = _mapping_form(job, request.POST)
    if form is None:
        return redirect("imports:job", job.pk)
    if form.is_valid():
        try:
            services.remap_import(job=job, mapping=form.mapping(), user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("imports:job", job.pk)
    return _job_page(request, job, mapping_form=form)


@login_required
@require_POST
def job_commit(request: AuthenticatedHttpRequest, job_id: int) -> HttpResponse:
    """Write a checked sheet whose rows are all right."""
    job = selectors.get_job_for_user(request.user, job_id)
    try:
        services.commit_import(job=job, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("imports:job", job.pk)


@login_required
@require_GET
def template_download(request: AuthenticatedHttpRequest, kind: str) -> FileResponse:
    """The kind's blank sheet: headers, drop-down lists, an example row and instructions."""
    import_kind = _get_kind(kind)
    buffer = io.BytesIO()
    exports.write_template(import_kind, buffer)
    buffer.seek(0)
    return FileResponse(
        buffer,
        as_attachment=True,
        filename=exports.filename(import_kind, "导入模板", "xlsx"),
        content_type=exports.CONTENT_TYPES["xlsx"],
    )


@login_required
@require_GET
@reads_from_replica
def export_download(request: AuthenticatedHttpRequest, kind: str, fmt: str) -> HttpResponseBase:
    """The records of a kind the person may see, as the template's sheet or as CSV.

    ``?pairing=CODE`` keeps that pairing and those below it; ``?year=2023`` that year.
    """
    import_kind = _get_kind(kind)
    if fmt not in exports.CONTENT_TYPES:
        raise Http404
    code = request.GET.get("pairing", "")
    pairing: Pairing | None = get_pairing_for_user(request.user, code) if code else None
    try:
        year = int(request.GET["year"]) if request.GET.get("year") else None
    except ValueError:
        year = 0
    if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
        return HttpResponseBadRequest(_("The year must be a year such as 2023."))
    objects = import_kind.export_objects(request.user, pairing=pairing, year=year)
    unmasked = import_kind.may_unmask(request.user, pairing)
    file = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (FileResponse closes it)
    rows = exports.write_export(
        import_kind,
        objects,
        fmt,
        file,
        title=_export_title(import_kind, pairing, year),
        unmasked=unmasked,
    )
    services.record_export(
        kind=import_kind,
        user=request.user,
        pairing=pairing,
        year=year,
        rows=rows,
        unmasked=unmasked,
    )
    file.seek(0)
    return FileResponse(
        file,
        as_attachment=True,
        filename=exports.filename(import_kind, "导出", fmt, on=timezone.localdate()),
        content_type=exports.CONTENT_TYPES[fmt],
    )


def _export_title(kind: Kind, pairing: Pairing | None, year: int | None) -> str:
    scope = "，".join(part for part in (str(pairing or ""), f"{year}年" if year else "") if part)
    return f"{kind.label}导出（{scope}）" if scope else f"{kind.label}导出"


# ---------------------------------------------------------------------------------------------
# The job page


def _mapping_form(job: ImportJob, data: Any = None) -> MappingForm | None:
    """The form for the sheet's unknown headers, once the sheet has been checked."""
    unknown = (job.summary or {}).get("unknown") or []
    if job.status not in MAPPABLE or not unknown:
        return None
    matched = [h["column"] for h in job.summary.get("headers", [])]
    return MappingForm(data, kind=KINDS[job.kind], unknown=unknown, matched=matched)


def _job_page(
    request: AuthenticatedHttpRequest, job: ImportJob, *, mapping_form: MappingForm | None = None
) -> HttpResponse:
    kind = _get_kind(job.kind)
    context: dict[str, Any] = {"job": job, "kind": kind, "running": job.status in RUNNING}
    if job.status in RUNNING:
        context["progress"] = services.job_progress(job)
        return render(request, "imports/job.html", context)
    summary = job.summary or {}
    headers = summary.get("headers") or []
    rows = (job.preview or {}).get("rows") or []
    show_all = request.GET.get("rows") == "all"
    context.update(
        summary=summary,
        sheet=summary.get("sheet") or {},
        headers=headers,
        rows=_preview_rows(rows if show_all else rows[:PREVIEW_SHOWN], headers),
        rows_hidden=0 if show_all else max(0, len(rows) - PREVIEW_SHOWN),
        problems=job.errors[:PROBLEMS_SHOWN],
        problems_hidden=max(0, int(summary.get("error_count", 0)) - PROBLEMS_SHOWN),
        mapping_form=mapping_form or _mapping_form(job),
        missing_columns=job.status == ImportJob.Status.UNUSABLE and bool(headers),
        to_write=int(summary.get("to_create", 0)) + int(summary.get("to_update", 0)),
        record_kind=getattr(kind, "record_kind", ""),
    )
    return render(request, "imports/job.html", context)


def _preview_rows(rows: list[dict[str, Any]], headers: list[dict[str, Any]]) -> list[Any]:
    """Each preview row's cells in the sheet's column order, marked where a problem is."""
    shown = []
    for row in rows:
        bad = {problem["column"] for problem in row.get("errors", [])}
        changed = set(row.get("changes", []))
        cells = []
        for header in headers:
            text = row["values"].get(header["column"], "")
            cells.append(
                {
                    "text": text,
                    "short": len(text) <= SHORT_CELL,
                    "bad": header["written"] in bad,
                    "changed": header["column"] in changed,
                }
            )
        shown.append(
            {
                "row": row["row"],
                "action": row["action"],
                "label": ACTION_LABELS.get(row["action"], row["action"]),
                "cells": cells,
                "errors": row.get("errors", []),
                "warnings": row.get("warnings", []),
            }
        )
    return shown
