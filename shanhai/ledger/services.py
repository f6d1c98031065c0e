"""Writes to the ledger: record, edit, confirm, query, attach evidence, add project money.

Every write checks the rules of the ledger itself (which side edits, which side confirms), so
the same rules hold for forms, imports and the API.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from shanhai.accounts.models import Action, User
from shanhai.core import uploads
from shanhai.core.concurrency import claim_edit
from shanhai.core.models import Source
from shanhai.core.services import record_audit_event
from shanhai.facts.services import add_facts, replace_facts
from shanhai.ledger.facts import SOURCE as FACTS_SOURCE
from shanhai.ledger.facts import record_facts, refresh_facts
from shanhai.ledger.models import (
    KIND_MODELS,
    AidProject,
    Evidence,
    FundTransaction,
    Record,
    RecordChange,
    RecordComment,
)
from shanhai.ledger.selectors import can_confirm, can_edit, can_reply
from shanhai.places.models import Pairing
from shanhai.places.selectors import is_year_locked, user_can

_KIND_OF_MODEL = {model: kind for kind, model in KIND_MODELS.items()}


def _refuse_if_locked(record: Record, *years: int) -> None:
    """A year whose figures were approved and locked accepts no more changes to its records."""
    for year in {record.occurred_on.year, *years}:
        _refuse_if_year_locked(record.pairing, year)


def _refuse_if_year_locked(pairing: Pairing, year: int) -> None:
    if is_year_locked(pairing, year):
        raise ValidationError(
            _(
                "The %(year)s ledger of %(pairing)s is locked after its assessment; "
                "ask an administrator to reopen it."
            )
            % {"year": year, "pairing": pairing},
            code="year_locked",
        )


@transaction.atomic
def create_record(
    *,
    record: Record,
    recorded_by: User,
    many: Mapping[str, Iterable[models.Model]] | None = None,
    side: str = "",
    entry_method: str = Record.EntryMethod.FORM,
) -> Record:
    """Store a new record of any kind, as recorded by *recorded_by* for their side.

    *record* is an unsaved Visit, Donation … with its pairing set; *many* fills its
    many-to-many fields. *side* is needed only for someone who is on neither side
    (an administrator loading data). Raise PermissionDenied when the person may not
    record in the pairing, ValidationError for bad values.
    """
    if not user_can(recorded_by, record.pairing, Action.RECORD):
        raise PermissionDenied
    _refuse_if_locked(record)
    record.kind = _KIND_OF_MODEL[type(record)]
    record.root_id = record.pairing.root_id
    record.side = recorded_by.side or side
    if not record.side:
        raise ValidationError({"side": _("Say which side this record is recorded for.")})
    record.recorded_by = recorded_by
    record.entry_method = entry_method
    record.status = Record.Status.PENDING
    record.full_clean()
    record.save()
    for name, values in (many or {}).items():
        getattr(record, name).set(values)
    refresh_facts(record)
    record_audit_event(actor=recorded_by, action=f"ledger.{record.kind}.recorded", target=record)
    return record


@transaction.atomic
def import_records(
    *,
    records: Sequence[Record],
    recorded_by: User,
    side: str,
    many: Sequence[Mapping[str, Iterable[models.Model]]] = (),
    source: Source | None = None,
) -> None:
    """Store many new records of one kind at once, as an import does: in bulk, same rules.

    Each record is an unsaved Visit, Donation … with its pairing set, already checked with
    clean_fields() and clean() by the caller (an import checks every row before it writes
    any); *many[i]* fills record *i*'s many-to-many fields. The rules of create_record hold:
    the person may record in every pairing, no year is locked. One audit event names the
    source and the count, and the facts move the rollups once per cell.
    """
    if not records:
        return
    model = type(records[0])
    if any(type(r) is not model for r in records):
        raise ValueError("import_records takes records of one kind")
    kind = _KIND_OF_MODEL[model]
    pairings = {r.pairing_id: r.pairing for r in records}
    for pairing_id, pairing in pairings.items():
        if not user_can(recorded_by, pairing, Action.RECORD):
            raise PermissionDenied
        for year in {r.occurred_on.year for r in records if r.pairing_id == pairing_id}:
            _refuse_if_year_locked(pairing, year)
    side = recorded_by.side or side
    if not side:
        raise ValidationError({"side": _("Say which side this record is recorded for.")})
    common = [f for f in Record._meta.concrete_fields if not f.primary_key]
    for record in records:
        record.kind = kind
        record.root_id = pairings[record.pairing_id].root_id
        record.side = side
        record.recorded_by = recorded_by
        record.entry_method = Record.EntryMethod.IMPORT
        record.status = Record.Status.PENDING
        record.source = source
    # Django cannot bulk-insert a model that extends another table: insert the common rows,
    # then each kind's own row under the same id.
    parents = Record.objects.bulk_create(
        [Record(**{f.attname: getattr(r, f.attname) for f in common}) for r in records]
    )
    for record, parent in zip(records, parents, strict=True):
        record.pk = parent.pk
        record.created_at, record.updated_at = parent.created_at, parent.updated_at
    own = model._meta.local_concrete_fields
    for start in range(0, len(records), _BATCH):
        model._base_manager._insert(  # type: ignore[attr-defined]
            records[start : start + _BATCH], fields=own
        )
    for name in {name for values in many for name in values}:
        through = model._meta.get_field(name).remote_field.through  # type: ignore[union-attr]
        field = model._meta.get_field(name)
        own_id = f"{field.m2m_field_name()}_id"  # type: ignore[union-attr]
        other_id = f"{field.m2m_reverse_field_name()}_id"  # type: ignore[union-attr]
        through.objects.bulk_create(
            through(**{own_id: record.pk, other_id: related.pk})
            for record, values in zip(records, many, strict=False)
            for related in dict.fromkeys(values.get(name, ()))
        )
    add_facts(
        source=FACTS_SOURCE,
        facts=(
            (r.pk, record_facts(r, transactions=[] if isinstance(r, AidProject) else None))
            for r in records
        ),
    )
    record_audit_event(
        actor=recorded_by,
        action=f"ledger.{kind}.imported",
        target=source or records[0].pairing,
        details={"count": len(records), "first": records[0].pk, "last": records[-1].pk},
    )


_BATCH = 500


# Who recorded it, for which side, in which pairing and its confirmation are facts about the
# record, not its content: an edit must not move it, or hand it to the other side to confirm.
_NOT_EDITABLE = {
    "id",
    "record_ptr",
    "pairing",
    "root",
    "kind",
    "side",
    "status",
    "confirmed_by",
    "confirmed_at",
    "recorded_by",
    "entry_method",
    "created_at",
    "updated_at",
}


def _shown(value: Any) -> Any:
    """A value as the change history keeps it: text for objects, ISO for dates."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@transaction.atomic
def update_record(
    *,
    record: Record,
    changed_by: User,
    values: Mapping[str, Any],
    many: Mapping[str, Iterable[models.Model]] | None = None,
    loaded_version: datetime | None = None,
) -> Record:
    """Change a record and keep who changed what, from what to what.

    Only the side that recorded it may change it. A confirmed record that changes goes back
    to awaiting confirmation: the other side confirmed the old values, not the new ones.
    *loaded_version* is the version the editor loaded (see core.concurrency): raise
    EditConflictError, writing nothing, if someone saved the record since.
    """
    if not can_edit(changed_by, record):
        raise PermissionDenied
    claim_edit(record, loaded_version)
    fixed = sorted(set(values) & _NOT_EDITABLE)
    if fixed:
        raise ValidationError(
            {name: _("This cannot be changed by editing the record.") for name in fixed}
        )
    _refuse_if_locked(record, *([values["occurred_on"].year] if "occurred_on" in values else []))
    changes: dict[str, list[Any]] = {}
    for name, value in values.items():
        old = getattr(record, name)
        if old != value:
            changes[name] = [_shown(old), _shown(value)]
            setattr(record, name, value)
    for name, new_values in (many or {}).items():
        manager = getattr(record, name)
        old_set, new_set = set(manager.all()), set(new_values)
        if old_set != new_set:
            changes[name] = [sorted(map(str, old_set)), sorted(map(str, new_set))]
            manager.set(new_set)
    if not changes:
        return record
    if record.status == Record.Status.CONFIRMED:
        record.status = Record.Status.PENDING
        record.confirmed_by = None
        record.confirmed_at = None
    record.full_clean()
    record.save()
    refresh_facts(record)
    RecordChange.objects.create(record=record, changed_by=changed_by, changes=changes)
    record_audit_event(
        actor=changed_by,
        action=f"ledger.{record.kind}.changed",
        target=record,
        details={"fields": sorted(changes)},
    )
    return record


@transaction.atomic
def delete_record(*, record: Record, deleted_by: User) -> None:
    """Delete a record made in error; only the recording side may, and only before confirmation.

    Its facts leave the rollups in the same transaction; the audit log keeps its title.
    """
    if not can_edit(deleted_by, record):
        raise PermissionDenied
    if record.status == Record.Status.CONFIRMED:
        raise ValidationError(
            _("A confirmed record cannot be deleted; correct it instead."), code="confirmed"
        )
    _refuse_if_locked(record)
    replace_facts(source=FACTS_SOURCE, source_id=record.pk, rows=[])
    record_audit_event(
        actor=deleted_by,
        action=f"ledger.{record.kind}.deleted",
        target=record,
        details={"title": record.title, "occurred_on": record.occurred_on.isoformat()},
    )
    record.delete()


@transaction.atomic
def confirm_record(*, record: Record, confirmed_by: User, note: str = "") -> Record:
    """Confirm, for the paired side, that the record is right."""
    if not can_confirm(confirmed_by, record):
        raise PermissionDenied
    if record.status == Record.Status.CONFIRMED:
        raise ValidationError(_("This record is already confirmed."), code="already_confirmed")
    record.status = Record.Status.CONFIRMED
    record.confirmed_by = confirmed_by
    record.confirmed_at = timezone.now()
    record.save(update_fields=["status", "confirmed_by", "confirmed_at", "updated_at"])
    _comment(record, confirmed_by, RecordComment.Kind.CONFIRMATION, note)
    record_audit_event(actor=confirmed_by, action="ledger.record.confirmed", target=record)
    return record


@transaction.atomic
def query_record(*, record: Record, queried_by: User, text: str) -> RecordComment:
    """Ask the recording side about the record; it shows as queried until answered."""
    if not can_confirm(queried_by, record):
        raise PermissionDenied
    if not text.strip():
        raise ValidationError({"text": _("Say what is wrong or unclear.")})
    record.status = Record.Status.QUERIED
    record.confirmed_by = None
    record.confirmed_at = None
    record.save(update_fields=["status", "confirmed_by", "confirmed_at", "updated_at"])
    comment = _comment(record, queried_by, RecordComment.Kind.QUERY, text)
    record_audit_event(actor=queried_by, action="ledger.record.queried", target=record)
    return comment


@transaction.atomic
def reply_to_query(*, record: Record, author: User, text: str) -> RecordComment:
    """Answer a query; the record awaits the other side's confirmation again."""
    if not can_reply(author, record):
        raise PermissionDenied
    if not text.strip():
        raise ValidationError({"text": _("Write the answer.")})
    if record.status == Record.Status.QUERIED:
        record.status = Record.Status.PENDING
        record.save(update_fields=["status", "updated_at"])
    comment = _comment(record, author, RecordComment.Kind.REPLY, text)
    record_audit_event(actor=author, action="ledger.record.replied", target=record)
    return comment


def _comment(record: Record, author: User, kind: str, text: str) -> RecordComment:
    comment = RecordComment(record=record, author=author, side=author.side, kind=kind, text=text)
    comment.full_clean()
    comment.save()
    return comment


@transaction.atomic
def attach_evidence(
    *, record: Record, file: UploadedFile[bytes], uploaded_by: User, caption: str = ""
) -> Evidence:
    """Check *file* by its content, store it under its hash and attach it to *record*.

    Images are re-encoded (dropping GPS and other metadata) and get a thumbnail.
    Raise UploadRejected for a file that is not an allowed type, ValidationError when the
    same file is already attached.
    """
    if not can_edit(uploaded_by, record):
        raise PermissionDenied
    _refuse_if_locked(record)
    checked = uploads.check_upload(file)
    if Evidence.objects.filter(record=record, sha256=checked.sha256).exists():
        raise ValidationError(
            _("“%(name)s” is already attached to this record.") % {"name": file.name},
            code="duplicate_evidence",
        )
    content: Any = file
    if checked.is_image:
        content = uploads.reencode_image(file, checked.content_type)
    evidence = Evidence(
        record=record,
        original_name=(file.name or "")[:255],
        content_type=checked.content_type,
        extension=checked.extension,
        size=checked.size,
        sha256=checked.sha256,
        caption=caption,
        uploaded_by=uploaded_by,
    )
    evidence.full_clean(exclude=["file", "thumbnail"])  # nothing is written for a bad caption
    _store_once(evidence.file, f"{checked.sha256}.{checked.extension}", content)
    if checked.is_image:
        file.seek(0)
        _store_once(evidence.thumbnail, f"{checked.sha256}.jpg", uploads.make_thumbnail(file))
    evidence.save()
    record_audit_event(
        actor=uploaded_by,
        action="ledger.evidence.attached",
        target=record,
        details={"file": evidence.original_name, "sha256": checked.sha256},
    )
    return evidence


def _store_once(field_file: FieldFile, name: str, content: Any) -> None:
    """Write *content* under its hash-based name, or point at the copy already stored."""
    path = field_file.field.generate_filename(field_file.instance, name)
    if field_file.storage.exists(path):
        field_file.name = path
    else:
        field_file.save(name, content, save=False)


@transaction.atomic
def remove_evidence(*, evidence: Evidence, removed_by: User) -> None:
    """Detach a file; the change history of the record keeps its name and hash."""
    record = evidence.record
    if not can_edit(removed_by, record):
        raise PermissionDenied
    _refuse_if_locked(record)
    RecordChange.objects.create(
        record=record,
        changed_by=removed_by,
        changes={"evidence": [f"{evidence.original_name} ({evidence.sha256[:12]})", None]},
    )
    record_audit_event(
        actor=removed_by,
        action="ledger.evidence.removed",
        target=record,
        details={"file": evidence.original_name, "sha256": evidence.sha256},
    )
    evidence.delete()


@transaction.atomic
def record_fund_transaction(
    *,
    project: AidProject,
    transaction_kind: str,
    transacted_on: date,
    amount: Decimal,
    recorded_by: User,
    fund_source: str = "",
    note: str = "",
) -> FundTransaction:
    """Add a commitment, disbursement or expenditure to an aid project."""
    if not can_edit(recorded_by, project):
        raise PermissionDenied
    _refuse_if_year_locked(project.pairing, transacted_on.year)  # money counts when it moves
    entry = FundTransaction(
        project=project,
        transaction_kind=transaction_kind,
        transacted_on=transacted_on,
        amount=amount,
        fund_source=fund_source or project.fund_source,
        note=note,
        recorded_by=recorded_by,
    )
    entry.full_clean()
    entry.save()
    refresh_facts(project)
    record_audit_event(
        actor=recorded_by,
        action="ledger.project.transaction",
        target=project,
        details={"kind": transaction_kind, "amount": str(amount), "on": transacted_on.isoformat()},
    )
    return entry
