"""Reads for labor cooperation, and who may see a worker's personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from shanhai.accounts.models import Action, Role, User
from shanhai.labor.models import FollowUp, Placement, Posting, SubsidyClaim, TransferBatch, Worker
from shanhai.labor.rules import STABLE_MONTHS, milestones
from shanhai.places.models import Pairing
from shanhai.places.selectors import pairings_for_user, roles_in_pairing, user_can

# Who may see ID numbers and phones unmasked (each time logged): the offices that run the
# labor ledger, never viewers or liaisons of other departments.
UNMASKING_ROLES = frozenset({Role.COOPERATION_OFFICE, Role.ADMINISTRATOR})


def may_unmask(user: User, pairing: Pairing) -> bool:
    """Whether *user* may see the personal data of *pairing*'s workers (and export it)."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(UNMASKING_ROLES & set(roles_in_pairing(user, pairing)))


def _scope(user: User, pairing: Pairing | None) -> QuerySet[Pairing, int]:
    """Ids of the pairings *user* may see: all, or *pairing* and those below it."""
    pairings = pairings_for_user(user)
    if pairing is not None:
        pairings = pairings.filter(path__startswith=pairing.path)
    return pairings.values_list("pk", flat=True)


def workers_for_user(user: User, *, pairing: Pairing | None = None) -> QuerySet[Worker]:
    return Worker.objects.filter(pairing__in=_scope(user, pairing)).select_related(
        "origin", "pairing"
    )


def get_worker_for_user(user: User, worker_id: int, action: str = Action.VIEW) -> Worker:
    """The worker *worker_id* if *user* may *action* their pairing; 404 otherwise."""
    worker = Worker.objects.select_related("pairing", "origin").filter(pk=worker_id).first()
    if worker is None or not user_can(user, worker.pairing, action):
        raise Http404
    return worker


def find_worker_by_id_number(id_number_hash: str) -> Worker | None:
    if not id_number_hash:
        return None
    return Worker.objects.filter(id_number_hash=id_number_hash).first()


def postings_for_user(user: User, *, pairing: Pairing | None = None) -> QuerySet[Posting]:
    return Posting.objects.filter(pairing__in=_scope(user, pairing)).select_related(
        "employer", "work_place"
    )


def open_postings(on: date) -> QuerySet[Posting]:
    """Postings open on *on*, for everyone (the public board shows no personal data)."""
    return Posting.objects.filter(valid_from__lte=on, valid_to__gte=on).select_related(
        "employer", "work_place"
    )


def placements_for_user(user: User, *, pairing: Pairing | None = None) -> QuerySet[Placement]:
    return Placement.objects.filter(pairing__in=_scope(user, pairing)).select_related(
        "worker", "worker__origin", "employer", "work_place", "posting"
    )


def batches_for_user(user: User, *, pairing: Pairing | None = None) -> QuerySet[TransferBatch]:
    return TransferBatch.objects.filter(pairing__in=_scope(user, pairing)).select_related(
        "destination"
    )


def claims_for_user(user: User, *, pairing: Pairing | None = None) -> QuerySet[SubsidyClaim]:
    return SubsidyClaim.objects.filter(placement__pairing__in=_scope(user, pairing)).select_related(
        "rule", "placement", "placement__worker"
    )


def confirmed_months(placement: Placement, followups: list[FollowUp]) -> dict[int, date]:
    """The milestones (3, 6, 12 months) a placement has been confirmed to reach, and when.

    A milestone counts when a follow-up on or after its day says the worker is still in work,
    and the placement had not ended before that day.
    """
    reached: dict[int, date] = {}
    for months, day in milestones(placement.started_on).items():
        if placement.ended_on is not None and placement.ended_on < day:
            continue
        if any(f.is_employed and f.checked_on >= day for f in followups):
            reached[months] = day
    return reached


@dataclass(frozen=True)
class DueFollowUp:
    placement: Placement
    months: int
    due_on: date


def due_followups(
    user: User, *, pairing: Pairing | None = None, today: date, days: int = 7
) -> list[DueFollowUp]:
    """Placements reaching 3, 6 or 12 months up to *days* ahead (or overdue), not yet confirmed.

    The liaison's weekly list: "these workers reach 3 months this week — confirm".
    """
    longest = max(STABLE_MONTHS)
    placements = (
        placements_for_user(user, pairing=pairing)
        .filter(
            ended_on__isnull=True, started_on__gte=today - timedelta(days=366 * longest // 12 + 31)
        )
        .prefetch_related(Prefetch("followups", queryset=FollowUp.objects.order_by("checked_on")))
    )
    due: list[DueFollowUp] = []
    horizon = today + timedelta(days=days)
    for placement in placements:
        followups = list(placement.followups.all())
        confirmed = confirmed_months(placement, followups)
        for months, day in milestones(placement.started_on).items():
            if months not in confirmed and day <= horizon:
                due.append(DueFollowUp(placement=placement, months=months, due_on=day))
                break  # the earliest milestone still open is the one to check
    return sorted(due, key=lambda d: (d.due_on, d.placement.pk))
