"""Reads for labor cooperation, and who may see a worker's personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from shanhai.accounts.models import Action, Role, User
from shanhai.facts import selectors as facts_selectors
from shanhai.labor.models import (
    Destination,
    FollowUp,
    HouseholdType,
    Placement,
    Posting,
    SubsidyClaim,
    TransferBatch,
    Worker,
)
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


# ---------------------------------------------------------------------------------------------
# One object of each kind, for the pages; a pairing's figures, from the facts


def visible_pairing_ids(user: User, pairing: Pairing) -> list[int]:
    """The pairing and the sub-pairings below it that *user* may see."""
    below = pairings_for_user(user).filter(path__startswith=pairing.path)
    return list(below.values_list("pk", flat=True))


def _refuse_unless(user: User, pairing: Pairing, action: str) -> None:
    if action != Action.VIEW and not user_can(user, pairing, action):
        raise PermissionDenied


def get_placement_for_user(user: User, placement_id: int, action: str = Action.VIEW) -> Placement:
    placement = placements_for_user(user).select_related("pairing").filter(pk=placement_id).first()
    if placement is None:
        raise Http404
    _refuse_unless(user, placement.pairing, action)
    return placement


def get_posting_for_user(user: User, posting_id: int, action: str = Action.VIEW) -> Posting:
    posting = postings_for_user(user).select_related("pairing").filter(pk=posting_id).first()
    if posting is None:
        raise Http404
    _refuse_unless(user, posting.pairing, action)
    return posting


def get_batch_for_user(user: User, batch_id: int) -> TransferBatch:
    batch = batches_for_user(user).select_related("pairing").filter(pk=batch_id).first()
    if batch is None:
        raise Http404
    return batch


def get_claim_for_user(user: User, claim_id: int, action: str = Action.VIEW) -> SubsidyClaim:
    claim = claims_for_user(user).select_related("placement__pairing").filter(pk=claim_id).first()
    if claim is None:
        raise Http404
    _refuse_unless(user, claim.placement.pairing, action)
    return claim


def worker_counts(user: User, pairing: Pairing) -> dict[str, int]:
    """How many workers there are in each status (one query)."""
    rows = (
        workers_for_user(user, pairing=pairing)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    return dict(rows)


def postings_in_state(user: User, pairing: Pairing, state: str, today: date) -> QuerySet[Posting]:
    postings = postings_for_user(user, pairing=pairing).annotate(placed=Count("placements"))
    if state == "closed":
        return postings.filter(valid_to__lt=today).order_by("-valid_to", "id")
    return postings.filter(valid_to__gte=today).order_by("valid_to", "id")


@dataclass(frozen=True)
class LaborFigures:
    """A pairing's labor figures for one year, read from the facts' monthly rollups."""

    placed: int
    by_destination: list[tuple[str, str, int]]  # (value, label, people)
    by_month: dict[str, list[int]]  # destination → people in each month
    poverty_exited: int
    batches: int
    batch_people: int
    stable_3: int
    stable_6: int
    subsidies_paid: Decimal


def labor_figures(pairing_ids: list[int], year: int) -> LaborFigures:
    start, end = date(year, 1, 1), date(year, 12, 31)
    by_month: dict[str, list[int]] = {}
    for destination in Destination.values:
        months = facts_selectors.monthly(
            pairing_ids, "labor.placed", start, end, {"category": destination}
        )
        by_month[destination] = [
            months.get(date(year, m, 1), (0, Decimal(0)))[0] for m in range(1, 13)
        ]
    labels = dict(Destination.choices)
    by_destination = [(d, str(labels[d]), sum(counts)) for d, counts in by_month.items()]

    def count(metric: str, **filters: str) -> int:
        return facts_selectors.total(pairing_ids, metric, start, end, filters)[0]

    return LaborFigures(
        placed=sum(people for _d, _l, people in by_destination),
        by_destination=by_destination,
        by_month=by_month,
        poverty_exited=count("labor.placed", subcategory=HouseholdType.POVERTY_EXITED),
        batches=count("labor.batch"),
        batch_people=int(facts_selectors.total(pairing_ids, "labor.batch.people", start, end)[1]),
        stable_3=count("labor.stable_3"),
        stable_6=count("labor.stable_6"),
        subsidies_paid=facts_selectors.total(pairing_ids, "labor.subsidy_paid", start, end)[1],
    )


def expired_workers(before: date) -> QuerySet[Worker]:
    """Workers whose personal data is no longer needed: registered before *before*, not in a
    job now, and every job they had ended before *before*."""
    recent = Placement.objects.filter(worker=OuterRef("pk")).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=before) | Q(started_on__gte=before)
    )
    return Worker.objects.filter(anonymised_at__isnull=True, created_at__date__lt=before).exclude(
        Exists(recent)
    )
