"""What labor cooperation contributes to the indicators.

"labor.placed": one per placement, in the month it started, by destination (category) and
household type (subcategory). "labor.stable_3" / "_6" / "_12": one per placement confirmed in
work at that milestone, in the milestone's month. "labor.batch" and "labor.batch.people":
organised transfers and the people in them, in the month they left. "labor.subsidy_paid":
subsidies paid, in yuan, by kind.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal

from shanhai.facts.services import FactRow, replace_facts
from shanhai.labor.models import FollowUp, Placement, SubsidyClaim, TransferBatch
from shanhai.labor.selectors import confirmed_months

SOURCE = "labor.placement"
BATCH_SOURCE = "labor.batch"
SUBSIDY_SOURCE = "labor.subsidy"


def placement_facts(
    placement: Placement, *, followups: Sequence[FollowUp] | None = None
) -> list[FactRow]:
    """Return the facts of *placement*; *followups* are its follow-ups when the caller has them
    (an import writing placements and follow-ups together), else they are read."""

    def fact(metric: str, on: date) -> FactRow:
        return FactRow(
            pairing_id=placement.pairing_id,
            on=on,
            metric=metric,
            category=placement.destination,
            subcategory=placement.worker.household_type,
        )

    rows = [fact("labor.placed", placement.started_on)]
    checks = list(placement.followups.all()) if followups is None else list(followups)
    for months, day in confirmed_months(placement, checks).items():
        rows.append(fact(f"labor.stable_{months}", day))
    return rows


def batch_facts(batch: TransferBatch) -> list[FactRow]:
    base = {"pairing_id": batch.pairing_id, "on": batch.departed_on}
    people = batch.workers.count()
    return [
        FactRow(metric="labor.batch", **base),  # type: ignore[arg-type]
        FactRow(metric="labor.batch.people", value=Decimal(people), **base),  # type: ignore[arg-type]
    ]


def refresh_placement_facts(placement: Placement) -> None:
    fresh = Placement.objects.select_related("worker").get(pk=placement.pk)
    replace_facts(source=SOURCE, source_id=fresh.pk, rows=placement_facts(fresh))


def refresh_batch_facts(batch: TransferBatch) -> None:
    replace_facts(source=BATCH_SOURCE, source_id=batch.pk, rows=batch_facts(batch))


def all_placement_facts() -> Iterator[tuple[int, list[FactRow]]]:
    placements = Placement.objects.select_related("worker").prefetch_related("followups")
    for placement in placements.iterator(chunk_size=2000):
        yield placement.pk, placement_facts(placement)


def all_batch_facts() -> Iterator[tuple[int, list[FactRow]]]:
    for batch in TransferBatch.objects.iterator(chunk_size=2000):
        yield batch.pk, batch_facts(batch)


def subsidy_facts(claim: SubsidyClaim) -> list[FactRow]:
    """A paid subsidy: "labor.subsidy_paid", its amount, in the month it was paid, by kind."""
    if claim.status != SubsidyClaim.Status.PAID or claim.paid_on is None:
        return []
    return [
        FactRow(
            pairing_id=claim.placement.pairing_id,
            on=claim.paid_on,
            metric="labor.subsidy_paid",
            value=Decimal(claim.amount),
            category=claim.rule.kind,
        )
    ]


def refresh_subsidy_facts(claim: SubsidyClaim) -> None:
    replace_facts(source=SUBSIDY_SOURCE, source_id=claim.pk, rows=subsidy_facts(claim))


def all_subsidy_facts() -> Iterator[tuple[int, list[FactRow]]]:
    claims = SubsidyClaim.objects.select_related("placement", "rule")
    for claim in claims.iterator(chunk_size=2000):
        yield claim.pk, subsidy_facts(claim)
