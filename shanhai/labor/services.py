"""Writes for labor cooperation: register workers, post jobs, place, follow up, pay subsidies.

Personal data goes in plain and is stored encrypted; it comes out only through
reveal_personal_data, which checks the role and logs who saw it and why.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shanhai.accounts.models import Action, User
from shanhai.core import personal
from shanhai.core.concurrency import claim_edit
from shanhai.core.models import Source
from shanhai.core.services import hold_lock, record_audit_event
from shanhai.facts.services import add_facts
from shanhai.labor import facts, rules
from shanhai.labor.models import (
    FollowUp,
    Placement,
    Posting,
    SubsidyClaim,
    SubsidyRule,
    TransferBatch,
    Worker,
)
from shanhai.labor.selectors import (
    confirmed_months,
    expired_workers,
    find_worker_by_id_number,
    may_unmask,
)
from shanhai.places.models import Organisation, Pairing, Place
from shanhai.places.selectors import user_can


def _require(user: User, pairing: Pairing, action: str = Action.RECORD) -> None:
    if not user_can(user, pairing, action):
        raise PermissionDenied


def _set_personal(worker: Worker, *, id_number: str, phone: str) -> None:
    worker.id_number_encrypted = personal.encrypt(id_number)
    worker.id_number_hash = personal.lookup_hash(id_number)
    worker.id_number_masked = personal.mask_id_number(id_number) if id_number else ""
    worker.phone_encrypted = personal.encrypt(phone)
    worker.phone_masked = personal.mask_phone(phone) if phone else ""
    if id_number:
        worker.birth_date, worker.sex = rules.birth_date_and_sex(id_number)


@transaction.atomic
def register_worker(
    *,
    pairing: Pairing,
    name: str,
    origin: Place,
    recorded_by: User,
    id_number: str = "",
    phone: str = "",
    existing: Worker | None = None,
    loaded_version: datetime | None = None,
    **fields: Any,
) -> Worker:
    """Register a worker, or update *existing*; the ID number identifies a person once.

    *id_number* and *phone* arrive checked and normalised (core.parsing) and are stored
    encrypted; the birth date and sex come from the ID number. Other *fields* are Worker
    fields (household_type, skills, willingness …). Raise ValidationError when another worker
    already has the ID number. Editing *existing*, raise EditConflictError if it changed since
    *loaded_version* (core.concurrency).
    """
    _require(recorded_by, pairing)
    if existing is not None:
        claim_edit(existing, loaded_version)
    if id_number:
        _lock_id_numbers()
        other = find_worker_by_id_number(personal.lookup_hash(id_number))
        if other is not None and other != existing:
            raise ValidationError(
                {"id_number": _("A worker with this ID number is already registered.")}
            )
    worker = existing or Worker()
    worker.pairing, worker.name, worker.origin = pairing, name, origin
    worker.root_id = pairing.root_id
    for key, value in fields.items():
        setattr(worker, key, value)
    if id_number or existing is None:
        _set_personal(
            worker,
            id_number=id_number,
            phone=phone or (personal.decrypt(worker.phone_encrypted) if existing else ""),
        )
    elif phone:
        worker.phone_encrypted = personal.encrypt(phone)
        worker.phone_masked = personal.mask_phone(phone)
    worker.full_clean()
    worker.save()
    record_audit_event(  # never the personal data itself
        actor=recorded_by,
        action="labor.worker.updated" if existing else "labor.worker.registered",
        target=worker,
    )
    return worker


# The database holds "an ID number is one worker" and "one job at a time" within a root only
# (for Citus, docs/scaling.md); the services hold them in every root, under these locks.
def _lock_id_numbers() -> None:
    """Hold the lock under which ID numbers are looked up and stored, till the transaction ends."""
    hold_lock("labor.id-numbers")


def _lock_workers(worker_ids: Sequence[int]) -> None:
    """Lock these workers' rows till the transaction ends, before looking for their open jobs."""
    list(Worker.objects.select_for_update().filter(pk__in=worker_ids).values_list("pk"))


@dataclass(frozen=True)
class NewWorker:
    """A worker an import registers: the unsaved Worker and its personal data, in plain."""

    worker: Worker
    id_number: str = ""
    phone: str = ""


_BATCH = 2000


@transaction.atomic
def import_workers(
    *, workers: Sequence[NewWorker], recorded_by: User, source: Source | None = None
) -> list[Worker]:
    """Register many new workers at once, as an import does: in bulk, same rules.

    Each worker is unsaved, with its pairing, name, origin and other fields set and already
    checked by the caller (clean_fields()); the ID number and phone arrive checked and
    normalised and are stored encrypted, hashed and masked exactly as register_worker stores
    them. Raise PermissionDenied when *recorded_by* may not record in a pairing, and
    ValidationError when an ID number is already registered or appears twice. One audit event
    names the source and the count, never the personal data.
    """
    if not workers:
        return []
    pairings = {new.worker.pairing_id: new.worker.pairing for new in workers}
    for pairing in pairings.values():
        _require(recorded_by, pairing)
    _lock_id_numbers()
    for new in workers:
        _set_personal(new.worker, id_number=new.id_number, phone=new.phone)
        new.worker.source = source or new.worker.source
        new.worker.root_id = pairings[new.worker.pairing_id].root_id
    hashes = [new.worker.id_number_hash for new in workers if new.worker.id_number_hash]
    taken = len(hashes) != len(set(hashes))
    for start in range(0, len(hashes), _BATCH):
        chunk = hashes[start : start + _BATCH]
        taken = taken or Worker.objects.filter(id_number_hash__in=chunk).exists()
    if taken:
        raise ValidationError(
            {"id_number": _("A worker with this ID number is already registered.")}
        )
    created = Worker.objects.bulk_create([new.worker for new in workers], batch_size=_BATCH)
    record_audit_event(
        actor=recorded_by,
        action="labor.worker.imported",
        target=source or created[0].pairing,
        details={"count": len(created), "first": created[0].pk, "last": created[-1].pk},
    )
    return created


def reveal_personal_data(*, worker: Worker, user: User, reason: str) -> dict[str, str]:
    """Return the worker's ID number and phone in full, logging who asked and why."""
    if worker.anonymised_at is not None:
        return {"id_number": "", "phone": ""}
    if not may_unmask(user, worker.pairing):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": _("Say why you need to see the personal data.")})
    record_audit_event(
        actor=user, action="labor.worker.unmasked", target=worker, details={"reason": reason}
    )
    return {
        "id_number": personal.decrypt(worker.id_number_encrypted),
        "phone": personal.decrypt(worker.phone_encrypted),
    }


@transaction.atomic
def anonymise_worker(*, worker: Worker, user: User, reason: str) -> Worker:
    """Delete a worker's personal data on request; placements and counts stay, anonymous."""
    if not may_unmask(user, worker.pairing):
        raise PermissionDenied
    _anonymise(worker, _("(deleted on request)"))
    record_audit_event(
        actor=user, action="labor.worker.anonymised", target=worker, details={"reason": reason}
    )
    return worker


def _anonymise(worker: Worker, name: str) -> None:
    worker.name = name
    _set_personal(worker, id_number="", phone="")
    worker.birth_date = None
    worker.skills = worker.certificates = worker.trainings = ""
    worker.has_consented = False
    worker.anonymised_at = timezone.now()
    worker.save()


def expire_personal_data(*, before: date) -> int:
    """Delete the personal data of every worker `expired_workers(before)` finds (the retention
    period has passed), keeping them and their placements for the anonymous counts; one audit
    event each. Returns how many. Each chunk of workers is its own transaction."""
    done = 0
    while True:
        with transaction.atomic():
            chunk = list(expired_workers(before).select_for_update().order_by("pk")[:500])
            for worker in chunk:
                _anonymise(worker, _("(deleted: retention period over)"))
                record_audit_event(
                    actor=None,
                    action="labor.worker.expired",
                    target=worker,
                    details={"no_work_since_before": before.isoformat()},
                )
        done += len(chunk)
        if len(chunk) < 500:
            return done


@transaction.atomic
def rotate_personal_data_keys() -> int:
    """Re-encrypt every worker's personal data with the current key; return how many."""
    count = 0
    for worker in Worker.objects.exclude(id_number_encrypted="", phone_encrypted="").iterator():
        Worker.objects.filter(pk=worker.pk).update(
            id_number_encrypted=personal.rotate(worker.id_number_encrypted),
            phone_encrypted=personal.rotate(worker.phone_encrypted),
        )
        count += 1
    return count


@transaction.atomic
def post_job(
    *, posting: Posting, posted_by: User, loaded_version: datetime | None = None
) -> Posting:
    """Store a new job posting (or changes to one, checked against *loaded_version*)."""
    _require(posted_by, posting.pairing)
    if posting.pk is not None:
        claim_edit(posting, loaded_version)
    created = posting.pk is None
    posting.full_clean()
    posting.save()
    record_audit_event(
        actor=posted_by,
        action="labor.posting.created" if created else "labor.posting.updated",
        target=posting,
    )
    return posting


@transaction.atomic
def record_placement(
    *,
    worker: Worker,
    started_on: date,
    work_place: Place,
    channel: str,
    recorded_by: User,
    posting: Posting | None = None,
    employer: Organisation | None = None,
    employer_name: str = "",
    monthly_wage: int | None = None,
    batch: TransferBatch | None = None,
    source: Source | None = None,
    is_illustrative: bool = False,
) -> Placement:
    """Record that *worker* started work; the destination class follows from the places."""
    _require(recorded_by, worker.pairing)
    if posting is not None:
        employer = employer or posting.employer
    placement = Placement(
        worker=worker,
        pairing=worker.pairing,
        root_id=worker.pairing.root_id,
        posting=posting,
        employer=employer,
        employer_name=employer_name if employer is None else "",
        work_place=work_place,
        destination=rules.destination(worker.origin, work_place),
        started_on=started_on,
        monthly_wage=monthly_wage,
        channel=channel,
        batch=batch,
        recorded_by=recorded_by,
        source=source,
        is_illustrative=is_illustrative,
    )
    _lock_workers([worker.pk])
    placement.full_clean()  # also "one job at a time", in the worker's root
    if Placement.objects.filter(worker=worker, ended_on__isnull=True).exists():  # in any root
        raise ValidationError(_("This worker is already recorded as in work."))
    placement.save()
    Worker.objects.filter(pk=worker.pk).update(status=Worker.Status.PLACED)
    facts.refresh_placement_facts(placement)
    record_audit_event(actor=recorded_by, action="labor.placement.recorded", target=placement)
    return placement


@transaction.atomic
def import_placements(
    *,
    placements: Sequence[Placement],
    recorded_by: User,
    followups: Sequence[Sequence[FollowUp]] = (),
    source: Source | None = None,
) -> list[Placement]:
    """Record many placements, with their follow-ups, at once, as an import does: in bulk.

    Each placement is unsaved, with its (stored) worker, work place, start, wage, channel and,
    for one that ended, its end set; *followups[i]* are placement i's follow-ups, unsaved. The
    rules of record_placement and record_followup hold: the pairing is the worker's, the
    destination follows from the places, no follow-up is before the job started, and a worker
    is in at most one job at a time. A worker ends up "in work" when one of their placements is
    open, else "looking for work". The facts move the rollups once per cell.
    """
    if not placements:
        return []
    for pairing in {p.worker.pairing_id: p.worker.pairing for p in placements}.values():
        _require(recorded_by, pairing)
    checks = [list(f) for f in followups] + [[] for _ in range(len(placements) - len(followups))]
    open_by_worker: dict[int, int] = {}
    for placement, found in zip(placements, checks, strict=True):
        if placement.ended_on is not None and placement.ended_on < placement.started_on:
            raise ValidationError({"ended_on": _("A job cannot end before it starts.")})
        if any(check.checked_on < placement.started_on for check in found):
            raise ValidationError(
                {"checked_on": _("A follow-up cannot be before the job started.")}
            )
        if placement.ended_on is None:
            open_by_worker[placement.worker_id] = open_by_worker.get(placement.worker_id, 0) + 1
    worker_ids = sorted({p.worker_id for p in placements})
    already_open: set[int] = set()
    for start in range(0, len(worker_ids), _BATCH):
        _lock_workers(worker_ids[start : start + _BATCH])
        already_open |= set(
            Placement.objects.filter(
                worker_id__in=worker_ids[start : start + _BATCH], ended_on__isnull=True
            ).values_list("worker_id", flat=True)
        )
    if any(n > 1 for n in open_by_worker.values()) or already_open & set(open_by_worker):
        raise ValidationError(_("This worker is already recorded as in work."))
    for placement in placements:
        worker = placement.worker
        placement.pairing_id = worker.pairing_id
        placement.root_id = worker.pairing.root_id
        placement.destination = rules.destination(worker.origin, placement.work_place)
        if placement.posting is not None and placement.employer_id is None:
            placement.employer_id = placement.posting.employer_id
        placement.recorded_by = recorded_by
        placement.source = source or placement.source
    created = Placement.objects.bulk_create(placements, batch_size=_BATCH)
    for placement, found in zip(created, checks, strict=True):
        for check in found:
            check.placement = placement
            check.root_id = placement.root_id
            check.recorded_by = recorded_by
    FollowUp.objects.bulk_create([check for found in checks for check in found], batch_size=_BATCH)
    in_work = set(open_by_worker) | already_open
    for status, ids in (
        (Worker.Status.PLACED, sorted(in_work)),
        (Worker.Status.SEEKING, sorted(set(worker_ids) - in_work)),
    ):
        for start in range(0, len(ids), _BATCH):
            Worker.objects.filter(pk__in=ids[start : start + _BATCH]).update(status=status)
    add_facts(
        source=facts.SOURCE,
        facts=(
            (p.pk, facts.placement_facts(p, followups=found))
            for p, found in zip(created, checks, strict=True)
        ),
    )
    record_audit_event(
        actor=recorded_by,
        action="labor.placement.imported",
        target=source or created[0].pairing,
        details={"count": len(created), "first": created[0].pk, "last": created[-1].pk},
    )
    return created


@transaction.atomic
def end_placement(*, placement: Placement, ended_on: date, reason: str, user: User) -> Placement:
    _require(user, placement.pairing)
    placement.ended_on = ended_on
    placement.end_reason = reason
    placement.full_clean()
    placement.save()
    if not placement.worker.placements.filter(ended_on__isnull=True).exists():
        Worker.objects.filter(pk=placement.worker_id).update(status=Worker.Status.SEEKING)
    facts.refresh_placement_facts(placement)
    record_audit_event(
        actor=user, action="labor.placement.ended", target=placement, details={"reason": reason}
    )
    return placement


@transaction.atomic
def record_followup(
    *,
    placement: Placement,
    checked_on: date,
    is_employed: bool,
    recorded_by: User,
    employer_name: str = "",
    monthly_income: int | None = None,
    note: str = "",
) -> FollowUp:
    """Record a follow-up (回访); one that finds the worker out of work ends the placement."""
    _require(recorded_by, placement.pairing)
    if checked_on < placement.started_on:
        raise ValidationError({"checked_on": _("A follow-up cannot be before the job started.")})
    followup = FollowUp(
        placement=placement,
        root_id=placement.root_id,
        checked_on=checked_on,
        is_employed=is_employed,
        employer_name=employer_name,
        monthly_income=monthly_income,
        note=note,
        recorded_by=recorded_by,
    )
    followup.full_clean()
    followup.save()
    if not is_employed and placement.ended_on is None:
        end_placement(
            placement=placement,
            ended_on=checked_on,
            reason=note or _("Out of work at the follow-up"),
            user=recorded_by,
        )
    facts.refresh_placement_facts(placement)
    record_audit_event(actor=recorded_by, action="labor.followup.recorded", target=placement)
    return followup


@transaction.atomic
def record_transfer_batch(
    *, batch: TransferBatch, workers: Iterable[Worker], recorded_by: User
) -> TransferBatch:
    """Record an organised transfer and the workers in it."""
    _require(recorded_by, batch.pairing)
    batch.full_clean()
    batch.save()
    batch.workers.set(workers)
    facts.refresh_batch_facts(batch)
    record_audit_event(actor=recorded_by, action="labor.batch.recorded", target=batch)
    return batch


def _rule_applies(rule: SubsidyRule, placement: Placement, on: date) -> bool:
    if on < rule.valid_from or (rule.valid_to is not None and on > rule.valid_to):
        return False
    if rule.destinations and placement.destination not in rule.destinations:
        return False
    return not rule.household_types or placement.worker.household_type in rule.household_types


def eligible_on(rule: SubsidyRule, placement: Placement, reached: dict[int, date]) -> date | None:
    """The day *placement* became eligible under *rule*, or None."""
    if rule.kind == SubsidyRule.Kind.STABLE:
        day = reached.get(rule.months or 0)
    elif rule.kind == SubsidyRule.Kind.TRANSPORT:
        day = placement.started_on if placement.destination in ("shanghai", "other_east") else None
    else:
        day = placement.started_on
    return day if day is not None and _rule_applies(rule, placement, day) else None


@transaction.atomic
def compute_subsidies(*, pairing: Pairing, user: User) -> int:
    """Add an eligible claim for every placement and rule it qualifies under; return how many.

    Eligibility is computed from the placements and their follow-ups; existing claims are
    never touched, so running it again adds only what became due since.
    """
    _require(user, pairing)
    rules_ = list(SubsidyRule.objects.all())
    placements = (
        Placement.objects.filter(pairing__path__startswith=pairing.path)
        .select_related("worker")
        .prefetch_related("followups", "subsidy_claims")
    )
    added = 0
    for placement in placements:
        reached = confirmed_months(placement, list(placement.followups.all()))
        claimed = {claim.rule_id for claim in placement.subsidy_claims.all()}
        for rule in rules_:
            if rule.pk in claimed:
                continue
            day = eligible_on(rule, placement, reached)
            if day is None:
                continue
            SubsidyClaim.objects.create(
                rule=rule, placement=placement, amount=rule.amount, eligible_on=day
            )
            added += 1
    if added:
        record_audit_event(
            actor=user, action="labor.subsidies.computed", target=pairing, details={"added": added}
        )
    return added


_CLAIM_MOVES = {
    SubsidyClaim.Status.ELIGIBLE: {SubsidyClaim.Status.CLAIMED, SubsidyClaim.Status.REJECTED},
    SubsidyClaim.Status.CLAIMED: {SubsidyClaim.Status.APPROVED, SubsidyClaim.Status.REJECTED},
    SubsidyClaim.Status.APPROVED: {SubsidyClaim.Status.PAID, SubsidyClaim.Status.REJECTED},
    SubsidyClaim.Status.PAID: set(),
    SubsidyClaim.Status.REJECTED: set(),
}


@transaction.atomic
def move_claim(
    *, claim: SubsidyClaim, status: str, user: User, paid_on: date | None = None, note: str = ""
) -> SubsidyClaim:
    """Move a subsidy claim on: claimed → approved → paid (or rejected)."""
    _require(user, claim.placement.pairing)
    if status not in _CLAIM_MOVES[SubsidyClaim.Status(claim.status)]:
        raise ValidationError(
            _("A claim that is “%(now)s” cannot become “%(next)s”.")
            % {
                "now": SubsidyClaim.Status(claim.status).label,
                "next": SubsidyClaim.Status(status).label,
            }
        )
    claim.status = status
    claim.paid_on = paid_on if status == SubsidyClaim.Status.PAID else None
    claim.note = note or claim.note
    claim.full_clean()
    claim.save()
    facts.refresh_subsidy_facts(claim)
    record_audit_event(
        actor=user, action="labor.subsidy.moved", target=claim, details={"status": status}
    )
    return claim
