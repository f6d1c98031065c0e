"""Writes for labor cooperation: register workers, post jobs, place, follow up, pay subsidies.

Personal data goes in plain and is stored encrypted; it comes out only through
reveal_personal_data, which checks the role and logs who saw it and why.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shanhai.accounts.models import Action, User
from shanhai.core import personal
from shanhai.core.models import Source
from shanhai.core.services import record_audit_event
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
from shanhai.labor.selectors import confirmed_months, find_worker_by_id_number, may_unmask
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
    **fields: Any,
) -> Worker:
    """Register a worker, or update *existing*; the ID number identifies a person once.

    *id_number* and *phone* arrive checked and normalised (core.parsing) and are stored
    encrypted; the birth date and sex come from the ID number. Other *fields* are Worker
    fields (household_type, skills, willingness …). Raise ValidationError when another worker
    already has the ID number.
    """
    _require(recorded_by, pairing)
    if id_number:
        other = find_worker_by_id_number(personal.lookup_hash(id_number))
        if other is not None and other != existing:
            raise ValidationError(
                {"id_number": _("A worker with this ID number is already registered.")}
            )
    worker = existing or Worker()
    worker.pairing, worker.name, worker.origin = pairing, name, origin
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
    worker.name = _("(deleted on request)")
    _set_personal(worker, id_number="", phone="")
    worker.birth_date = None
    worker.skills = worker.certificates = worker.trainings = ""
    worker.has_consented = False
    worker.anonymised_at = timezone.now()
    worker.save()
    record_audit_event(
        actor=user, action="labor.worker.anonymised", target=worker, details={"reason": reason}
    )
    return worker


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
def post_job(*, posting: Posting, posted_by: User) -> Posting:
    """Store a new job posting (or changes to one)."""
    _require(posted_by, posting.pairing)
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
    placement.full_clean()
    placement.save()
    Worker.objects.filter(pk=worker.pk).update(status=Worker.Status.PLACED)
    facts.refresh_placement_facts(placement)
    record_audit_event(actor=recorded_by, action="labor.placement.recorded", target=placement)
    return placement


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
