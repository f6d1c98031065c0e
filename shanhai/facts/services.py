"""Keep facts and rollups in step with the ledgers, inside the ledgers' own transactions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction

from shanhai.facts.models import Fact, Rollup

DIMENSIONS = ("direction", "level", "category", "subcategory")


@dataclass(frozen=True)
class FactRow:
    """What a ledger says one of its rows contributes; *on* may be any day of the month."""

    pairing_id: int
    on: date
    metric: str
    value: Decimal = Decimal(1)
    direction: str = ""
    level: str = ""
    category: str = ""
    subcategory: str = ""

    @property
    def month(self) -> date:
        return self.on.replace(day=1)

    def cell(self) -> tuple[int, date, str, str, str, str, str]:
        return (self.pairing_id, self.month, self.metric, *(getattr(self, d) for d in DIMENSIONS))


Cell = tuple[int, date, str, str, str, str, str]


def _as_row(fact: Fact) -> FactRow:
    return FactRow(
        pairing_id=fact.pairing_id,
        on=fact.month,
        metric=fact.metric,
        value=fact.value,
        **{d: getattr(fact, d) for d in DIMENSIONS},
    )


def _apply(changes: dict[Cell, tuple[int, Decimal]]) -> None:
    """Add (count, total) deltas to their rollup cells; a cell left with no facts goes.

    The sums are made in Python with Decimal on a locked row: SQLite would add the totals as
    floating point (0.10 + 0.20 − 0.10 − 0.20 ≠ 0) and leave "empty" rows behind.
    """
    for cell, (count, total) in changes.items():
        if count == 0 and total == 0:
            continue
        pairing_id, month, metric, *dims = cell
        key = {
            "pairing_id": pairing_id,
            "month": month,
            "metric": metric,
            **dict(zip(DIMENSIONS, dims, strict=True)),
        }
        rollup = Rollup.objects.select_for_update().filter(**key).first()
        if rollup is None:
            Rollup.objects.create(**key, count=count, total=total)
            continue
        rollup.count += count
        rollup.total = Decimal(rollup.total) + total
        if rollup.count == 0:
            rollup.delete()
        else:
            rollup.save(update_fields=["count", "total"])


@transaction.atomic
def replace_facts(*, source: str, source_id: int, rows: Iterable[FactRow]) -> None:
    """Make *rows* the facts of one source row, moving the rollups by the difference.

    Call it in the same transaction as the change to the source row; with no rows it removes
    the source's facts (the row was deleted).
    """
    stored = Fact.objects.select_for_update().filter(source=source, source_id=source_id)
    old = [_as_row(fact) for fact in stored]
    new = list(rows)
    counts: dict[Cell, int] = defaultdict(int)
    totals: dict[Cell, Decimal] = defaultdict(Decimal)
    for row, sign in [*((r, -1) for r in old), *((r, 1) for r in new)]:
        counts[row.cell()] += sign
        totals[row.cell()] += sign * row.value
    stored.delete()
    Fact.objects.bulk_create(
        Fact(
            source=source,
            source_id=source_id,
            pairing_id=row.pairing_id,
            month=row.month,
            metric=row.metric,
            value=row.value,
            **{d: getattr(row, d) for d in DIMENSIONS},
        )
        for row in new
    )
    _apply({cell: (counts[cell], totals[cell]) for cell in counts})


@transaction.atomic
def rebuild_rollups() -> int:
    """Throw away every fact and rollup and replay all registered sources; return fact count."""
    from shanhai.facts.registry import sources

    Fact.objects.all().delete()
    Rollup.objects.all().delete()
    written = 0
    for source, all_facts in sources().items():
        for source_id, rows in all_facts():
            replace_facts(source=source, source_id=source_id, rows=rows)
            written += len(rows)
    return written
