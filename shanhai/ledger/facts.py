"""What each kind of record contributes to indicators (the facts), by month and dimension.

Metrics are named "<kind>" for a count of records and "<kind>.<measure>" for a sum, e.g.
"visit" (1 per visit), "talent.people", "funds.amount", "training.person_times".
Reported figures are claims of a source, not activity, so they contribute nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal

from shanhai.facts.services import FactRow, replace_facts
from shanhai.ledger.models import (
    KIND_MODELS,
    Agreement,
    AidProject,
    Donation,
    FundAllocation,
    FundTransaction,
    IndustryCooperation,
    Meeting,
    Record,
    SalesEvent,
    TalentExchange,
    Training,
    Visit,
)

SOURCE = "ledger.record"


def record_facts(
    record: Record, *, transactions: Iterable[FundTransaction] | None = None
) -> list[FactRow]:
    """Return the facts *record* (as its own kind) contributes.

    *transactions* are a project's money when the caller has them (a new project has none).
    """
    base = {"pairing_id": record.pairing_id, "on": record.occurred_on}
    direction, level = record.direction, record.level
    rows: list[FactRow] = []

    def add(metric: str, value: Decimal | int | None = 1, /, **dims: str) -> None:
        if value is None:
            return
        rows.append(FactRow(metric=metric, value=Decimal(value), **base, **dims))  # type: ignore[arg-type]

    match record:
        case Visit():
            add("visit", direction=direction, level=level)
            add("visit.people", record.member_count, direction=direction, level=level)
        case Meeting():
            add("meeting", level=level, category=record.meeting_kind)
        case Agreement():
            add("agreement", category=record.agreement_kind)
        case FundAllocation():
            add("funds.amount", record.amount, category=record.fund_source)
        case AidProject():
            add("project", category=record.sector)
            add("project.budget", record.budget_amount, category=record.sector)
            add("project.households", record.households, category=record.sector)
            add("project.poverty_exited_households", record.poverty_exited_households)
            for entry in record.transactions.all() if transactions is None else transactions:
                rows.append(
                    FactRow(
                        pairing_id=record.pairing_id,
                        on=entry.transacted_on,
                        metric=f"project.{entry.transaction_kind}",
                        value=entry.amount,
                        category=entry.fund_source,
                    )
                )
        case Donation():
            add("donation", direction=direction, category=record.donation_kind)
            add("donation.value", record.value_amount, direction=direction,
                category=record.donation_kind)  # fmt: skip
            add("donation.quantity", record.quantity, direction=direction,
                category=record.donation_kind)  # fmt: skip
        case TalentExchange():
            dims = {"direction": direction, "category": record.sector, "subcategory": record.form}
            add("talent", **dims)
            add("talent.people", record.headcount, **dims)
        case Training():
            add("training", direction=direction)
            add("training.sessions", record.sessions, direction=direction)
            add("training.person_times", record.person_times, direction=direction)
        case IndustryCooperation():
            dims = {"category": record.cooperation_kind}
            add("industry", **dims)
            add("industry.investment_agreed", record.investment_agreed_amount, **dims)
            add("industry.investment_in_place", record.investment_in_place_amount, **dims)
            add("industry.jobs", record.jobs_created, **dims)
            add("industry.poverty_exited_employed", record.poverty_exited_employed, **dims)
        case SalesEvent():
            add("sales_event", category=record.event_kind)
            add("sales_event.amount", record.sales_amount, category=record.event_kind)
    return rows


def refresh_facts(record: Record) -> None:
    """Bring the facts and rollups of *record* up to date (call inside its transaction)."""
    fresh = KIND_MODELS[record.kind].objects.get(pk=record.pk)  # no stale prefetched money
    replace_facts(source=SOURCE, source_id=record.pk, rows=record_facts(fresh))


def all_record_facts() -> Iterator[tuple[int, list[FactRow]]]:
    """Every record's facts, recomputed from the ledger (for verify and rebuild)."""
    for model in KIND_MODELS.values():
        records: Iterable[Record] = (
            AidProject.objects.prefetch_related("transactions").iterator(chunk_size=2000)
            if model is AidProject
            else model.objects.iterator(chunk_size=2000)
        )
        for record in records:
            yield record.pk, record_facts(record)
