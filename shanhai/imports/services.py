"""Imports as people use them: upload, check (the preview), teach a column, commit.

Checking and writing run in the background (django-tasks) so a 200,000-row sheet does not
hold a page open; the job row and, while the writing transaction is open, the progress cache
tell the page how far it has got.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from typing import Any

from django.core.cache import caches
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shanhai.accounts.models import Action, User
from shanhai.core.models import Source
from shanhai.core.services import record_audit_event, register_source
from shanhai.core.sheets import IMPORT_MAX_BYTES
from shanhai.imports import engine
from shanhai.imports.columns import Lookups, header_key
from shanhai.imports.kinds import get_kind
from shanhai.imports.kinds.base import Context, Kind
from shanhai.imports.models import ColumnMapping, ImportJob
from shanhai.imports.selectors import kinds_for_user
from shanhai.places.models import Pairing
from shanhai.places.selectors import pairings_for_user, user_can

logger = logging.getLogger(__name__)

PROGRESS_CACHE = "progress"
DEFAULT_SIDE = "west"  # the western county office keeps most sheets; a column or option overrides


def progress_key(job_id: int) -> str:
    return f"imports:progress:{job_id}"


def make_context(*, user: User, pairing: Pairing | None, mode: str, side: str = "") -> Context:
    """Everything a run needs to know about who imports, where and how."""
    return Context(
        user=user,
        pairing=pairing,
        mode=mode,
        side=side or user.side or DEFAULT_SIDE,
        lookups=Lookups(pairings=lambda: pairings_for_user(user, Action.VIEW)),
    )


def saved_mapping(*, user: User, kind: str) -> dict[str, str]:
    """The headers *user* has taught the importer for *kind*."""
    return dict(
        ColumnMapping.objects.filter(created_by=user, kind=kind).values_list("header", "column")
    )


def _file_digest(file: File[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def _import_source(*, file_name: str, sha256: str) -> Source:
    """The uploaded file as the source its records cite; the same file is one source."""
    return register_source(
        key=f"import-{sha256[:40]}",
        kind=Source.Kind.DOCUMENT,
        title=file_name[:300],
        excerpt=_("Imported spreadsheet, SHA-256 %(sha)s") % {"sha": sha256},
    )


def _check_access(kind: Kind, user: User, pairing: Pairing | None) -> None:
    """Refuse a kind the person may not import, or a pairing they may not record in."""
    if kind not in kinds_for_user(user):
        raise PermissionDenied
    if pairing is not None and not user_can(user, pairing, Action.RECORD):
        raise PermissionDenied


def import_file(
    *,
    kind: str,
    file: File[bytes],
    user: User,
    pairing: Pairing | None = None,
    mode: str = ImportJob.Mode.CREATE,
    side: str = "",
    dry_run: bool = False,
    progress: engine.Progress | None = None,
) -> engine.Outcome:
    """Check *file* and, unless *dry_run*, store it: all rows, or none if any is wrong.

    The command line's import; the web goes through jobs (start_import … write_import).
    """
    import_kind = get_kind(kind)
    _check_access(import_kind, user, pairing)
    ctx = make_context(user=user, pairing=pairing, mode=mode, side=side)
    if not dry_run:
        sha256, file_name = _file_digest(file), _name(file)
        ctx.make_source = lambda: _import_source(file_name=file_name, sha256=sha256)
    outcome = engine.run(
        file,
        kind=import_kind,
        ctx=ctx,
        mapping=saved_mapping(user=user, kind=kind),
        write=not dry_run,
        progress=progress or engine._no_progress,
    )
    if outcome.written:
        record_audit_event(
            actor=user,
            action=f"imports.{kind}.imported",
            target=ctx.source or user,
            details={"created": outcome.created, "updated": outcome.updated, "rows": outcome.rows},
        )
    return outcome


def record_export(
    *,
    kind: Kind,
    user: User,
    pairing: Pairing | None,
    year: int | None,
    rows: int,
    unmasked: bool,
) -> None:
    """Log an export: who, which records, how many; in full personal data has its own action."""
    in_full = unmasked and bool(kind.personal_columns)
    record_audit_event(
        actor=user,
        action=(in_full and kind.export_audit_action) or f"imports.{kind.name}.exported",
        target=pairing or user,
        details={"kind": kind.name, "rows": rows, "year": year, "unmasked": in_full},
    )


def _name(file: File[bytes]) -> str:
    return (file.name or "").rsplit("/", 1)[-1][:200] or _("unnamed file")


# ---------------------------------------------------------------------------------------------
# Jobs: what the web pages drive


@transaction.atomic
def start_import(
    *,
    kind: str,
    file: File[bytes],
    user: User,
    pairing: Pairing | None,
    mode: str = ImportJob.Mode.CREATE,
    side: str = "",
) -> ImportJob:
    """Keep the uploaded file and queue its check; the preview appears when that is done."""
    import_kind = get_kind(kind)
    _check_access(import_kind, user, pairing)
    size = getattr(file, "size", None)
    if isinstance(size, int) and size > IMPORT_MAX_BYTES:
        raise ValidationError(
            {
                "file": _("“%(name)s” is too large: a file may be at most %(limit)d MB.")
                % {"name": _name(file), "limit": IMPORT_MAX_BYTES // (1024 * 1024)}
            }
        )
    job = ImportJob(
        kind=kind,
        pairing=pairing,
        mode=mode,
        side=side,
        file_name=_name(file),
        sha256=_file_digest(file),
        created_by=user,
    )
    job.full_clean(exclude=["file"])
    job.file.save(f"{job.sha256[:16]}-{job.file_name}"[-100:], file, save=False)
    job.save()
    record_audit_event(
        actor=user,
        action="imports.job.uploaded",
        target=job,
        details={"kind": kind, "file": job.file_name, "sha256": job.sha256},
    )
    _enqueue(job, "check")
    return job


def _enqueue(job: ImportJob, step: str) -> None:
    from shanhai.imports import tasks  # the task module imports this one

    task = tasks.check_import if step == "check" else tasks.write_import
    transaction.on_commit(lambda: task.enqueue(job.pk))


def _job_context(job: ImportJob) -> Context:
    return make_context(user=job.created_by, pairing=job.pairing, mode=job.mode, side=job.side)


def _job_mapping(job: ImportJob) -> dict[str, str]:
    return {**saved_mapping(user=job.created_by, kind=job.kind), **job.mapping}


def check_import(*, job_id: int) -> ImportJob:
    """Read and check every row of a job's file; keep the preview. Nothing is written."""
    job = ImportJob.objects.select_related("pairing", "created_by").get(pk=job_id)
    if job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.CHECKING):
        return job  # a check run again after the sheet moved on must not undo that
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.CHECKING, rows_read=0, rows_checked=0, rows_written=0
    )

    def progress(stage: str, read: int, checked: int, written: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(
            stage=stage, rows_read=read, rows_checked=checked
        )

    try:
        with job.file.open("rb") as stored:
            outcome = engine.run(
                File(stored, name=job.file_name),
                kind=get_kind(job.kind),
                ctx=_job_context(job),
                mapping=_job_mapping(job),
                progress=progress,
            )
    except Exception:
        logger.exception("import job %s could not be checked", job.pk)
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED)
        job.refresh_from_db()
        return job
    _keep(job, outcome)
    if outcome.unusable:
        job.status = ImportJob.Status.UNUSABLE
    elif outcome.error_count:
        job.status = ImportJob.Status.INVALID
    else:
        job.status = ImportJob.Status.READY
    job.save()
    return job


def _keep(job: ImportJob, outcome: engine.Outcome) -> None:
    job.summary = outcome.summary()
    job.errors = [p.as_dict() for p in outcome.errors]
    job.preview = {"rows": outcome.preview}
    job.rows_read = job.rows_checked = outcome.rows


@transaction.atomic
def remap_import(*, job: ImportJob, mapping: Mapping[str, str], user: User) -> ImportJob:
    """Say which column each of the sheet's unknown headers is; remember it and check again.

    *mapping* is {header as written: column key, or "" to ignore the header}. The mapping is
    saved for *user*, so the next sheet with the same headers needs no teaching.
    """
    if job.created_by_id != user.pk:
        raise PermissionDenied
    if job.status in (ImportJob.Status.WRITING, ImportJob.Status.DONE):
        raise ValidationError(_("This import has already been written."))
    kind = get_kind(job.kind)
    known = {c.key for c in kind.columns}
    for header, column in mapping.items():
        if column and column not in known:
            raise ValidationError({header: _("Unknown column “%(column)s”.") % {"column": column}})
        if not header_key(header)[0]:
            continue
        ColumnMapping.objects.update_or_create(
            created_by=user, kind=job.kind, header=header[:200], defaults={"column": column}
        )
    job.mapping = {**job.mapping, **mapping}
    job.status = ImportJob.Status.QUEUED
    job.save(update_fields=["mapping", "status"])
    record_audit_event(
        actor=user, action="imports.job.remapped", target=job, details={"mapping": dict(mapping)}
    )
    _enqueue(job, "check")
    return job


@transaction.atomic
def commit_import(*, job: ImportJob, user: User) -> ImportJob:
    """Queue the writing of a checked job whose rows are all right."""
    if job.created_by_id != user.pk:
        raise PermissionDenied
    if job.status != ImportJob.Status.READY:
        raise ValidationError(_("Only a sheet checked without problems can be imported."))
    job.status = ImportJob.Status.WRITING
    job.save(update_fields=["status"])
    _enqueue(job, "write")
    return job


def write_import(*, job_id: int) -> ImportJob:
    """Store every row of a checked job and mark it done in one transaction, or nothing.

    The job row stays locked until that transaction ends. A worker that dies mid-write takes
    the whole transaction with it; the run that follows waits for the lock, starts afresh, and
    a run after the job is done finds it done and writes nothing.
    """
    cache = caches[PROGRESS_CACHE]

    def progress(stage: str, read: int, checked: int, written: int) -> None:
        # The job row cannot show progress from inside the writing transaction.
        cache.set(progress_key(job_id), {"stage": stage, "read": read, "written": written}, 3600)

    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(of=("self",))
            .select_related("pairing", "created_by")
            .get(pk=job_id)
        )
        if job.status != ImportJob.Status.WRITING:
            return job  # written already (a task run twice writes once), or not to be written
        ctx = _job_context(job)
        ctx.make_source = lambda: _import_source(file_name=job.file_name, sha256=job.sha256)
        try:
            with job.file.open("rb") as stored:
                outcome = engine.run(
                    File(stored, name=job.file_name),
                    kind=get_kind(job.kind),
                    ctx=ctx,
                    mapping=_job_mapping(job),
                    write=True,
                    progress=progress,
                )
        except Exception:
            logger.exception("import job %s could not be written", job.pk)
            job.status = ImportJob.Status.FAILED
            job.save(update_fields=["status"])
            return job
        finally:
            cache.delete(progress_key(job_id))
        _keep(job, outcome)
        job.rows_written = outcome.created + outcome.updated
        job.status = ImportJob.Status.DONE if outcome.written else ImportJob.Status.INVALID
        job.finished_at = timezone.now()
        if outcome.written:
            job.source = ctx.source
        job.save()
        if outcome.written:
            record_audit_event(
                actor=job.created_by,
                action=f"imports.{job.kind}.imported",
                target=job,
                details={
                    "created": outcome.created,
                    "updated": outcome.updated,
                    "rows": outcome.rows,
                },
            )
    return job


def abandon_import(*, job_id: int, attempts: int) -> ImportJob:
    """Fail a job whose background work was lost with its worker *attempts* times."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update(of=("self",)).get(pk=job_id)
        if job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
            return job
        job.status = ImportJob.Status.FAILED
        job.stage = _("Stopped: the background worker was lost %(n)d times") % {"n": attempts}
        job.errors = [
            {
                "row": None,
                "column": None,
                "message": _(
                    "The background worker stopped %(n)d times while handling this file, so "
                    "it was not tried again. Nothing was written. Upload it again, or tell an "
                    "administrator."
                )
                % {"n": attempts},
            }
        ]
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "stage", "errors", "finished_at"])
    logger.error("import job %s failed: its worker was lost %d times", job.pk, attempts)
    return job


def job_progress(job: ImportJob) -> dict[str, Any]:
    """How far a job has got: the job row, or the progress cache while it writes."""
    written = caches[PROGRESS_CACHE].get(progress_key(job.pk)) or {}
    total = int(job.summary.get("rows", 0)) if job.summary else 0
    return {
        "stage": written.get("stage", job.stage),
        "read": written.get("read", job.rows_read),
        "checked": job.rows_checked,
        "written": written.get("written", job.rows_written),
        "total": total,
    }
