"""Keep facts and rollups in step with the ledgers, inside the ledgers' own transactions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, connection, transaction

from shanhai.core.copy import copy_rows, update_rows
from shanhai.facts.models import Fact, Rollup
from shanhai.places.selectors import root_ids

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


_deferred: ContextVar[dict[Cell, tuple[int, Decimal]] | None] = ContextVar(
    "deferred_rollups", default=None
)


@contextmanager
def rollups_moved_once() -> Iterator[None]:
    """Sum the rollup changes made inside the block and apply them once, at its end.

    For a long import written in chunks inside one transaction: each rollup cell is then
    locked and written once, not once per chunk. Use it inside that transaction.
    """
    if _deferred.get() is not None:
        yield
        return
    pending: dict[Cell, tuple[int, Decimal]] = {}
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    _apply(pending)


def _fill_roots(rows: Sequence[Fact | Rollup], roots: dict[int, int]) -> None:
    """Give each row its pairing's root, looking up in one query the pairings not in *roots*."""
    missing = {row.pairing_id for row in rows} - roots.keys()
    if missing:
        roots.update(root_ids(missing))
    for row in rows:
        row.root_id = roots[row.pairing_id]


def _apply(changes: dict[Cell, tuple[int, Decimal]], roots: dict[int, int] | None = None) -> None:
    """Add (count, total) deltas to their rollup cells; a cell left with no facts goes.

    The cells are read in one locked query and written back in bulk. The sums are made in
    Python with Decimal: SQLite would add the totals as floating point (0.10 + 0.20 − 0.10 −
    0.20 ≠ 0) and leave "empty" rows behind.
    """
    pending = _deferred.get()
    if pending is not None:
        for cell, (count, total) in changes.items():
            old_count, old_total = pending.get(cell, (0, Decimal(0)))
            pending[cell] = (old_count + count, old_total + total)
        return
    changes = {cell: (n, t) for cell, (n, t) in changes.items() if n or t}
    if not changes:
        return
    stored = {
        _cell_of(rollup): rollup
        for rollup in Rollup.objects.select_for_update()
        .filter(
            pairing_id__in={cell[0] for cell in changes},
            month__in={cell[1] for cell in changes},
            metric__in={cell[2] for cell in changes},
            # Without these, a batch of 50 cells read the ~5,000 cells of its pairings' months
            # (every category ever sold there), more as the ledger grew.
            **{f"{d}__in": {cell[3 + n] for cell in changes} for n, d in enumerate(DIMENSIONS)},
        )
        .order_by("pk")  # every writer locks rows in the same order
    }
    created: list[Rollup] = []
    updated: list[Rollup] = []
    emptied: list[Rollup] = []
    for cell, (count, total) in changes.items():
        rollup = stored.get(cell)
        if rollup is None:
            pairing_id, month, metric, *dims = cell
            created.append(
                Rollup(
                    pairing_id=pairing_id,
                    month=month,
                    metric=metric,
                    count=count,
                    total=total,
                    **dict(zip(DIMENSIONS, dims, strict=True)),
                )
            )
            continue
        rollup.count += count
        rollup.total = Decimal(rollup.total) + total
        (emptied if rollup.count == 0 else updated).append(rollup)
    _fill_roots(created, {} if roots is None else roots)
    try:
        with transaction.atomic():  # a savepoint: the insert alone is undone if it collides
            Rollup.objects.bulk_create(created)
    except IntegrityError:
        # Another transaction created one of these cells after we looked: our insert waited
        # for it to commit, then hit the cell's key. Add to the cells as they now are (read
        # again, locked), so two imports starting the same month both count.
        _apply({_cell_of(rollup): (rollup.count, Decimal(rollup.total)) for rollup in created})
    update_rows(Rollup, updated, ["count", "total"])
    Rollup.objects.filter(pk__in=[r.pk for r in emptied]).delete()


def _cell_of(rollup: Rollup) -> Cell:
    return (
        rollup.pairing_id,
        rollup.month,
        rollup.metric,
        *(getattr(rollup, d) for d in DIMENSIONS),
    )


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
    facts = [
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
    ]
    roots: dict[int, int] = {}
    _fill_roots(facts, roots)
    copy_rows(Fact, facts)
    _apply({cell: (counts[cell], totals[cell]) for cell in counts}, roots)


@transaction.atomic
def add_facts(
    *, source: str, facts: Iterable[tuple[int, Iterable[FactRow]]], batch_size: int = 2000
) -> int:
    """Add the facts of many new source rows at once (an import); return how many.

    The source rows must have no facts yet. The rollups move once per cell, however many
    rows fall into it, so a 200,000-row import touches a few hundred rollup rows.
    """
    counts: dict[Cell, int] = defaultdict(int)
    totals: dict[Cell, Decimal] = defaultdict(Decimal)
    batch: list[Fact] = []
    roots: dict[int, int] = {}
    written = 0
    for source_id, rows in facts:
        for row in rows:
            counts[row.cell()] += 1
            totals[row.cell()] += row.value
            batch.append(
                Fact(
                    source=source,
                    source_id=source_id,
                    pairing_id=row.pairing_id,
                    month=row.month,
                    metric=row.metric,
                    value=row.value,
                    **{d: getattr(row, d) for d in DIMENSIONS},
                )
            )
        if len(batch) >= batch_size:
            _fill_roots(batch, roots)
            copy_rows(Fact, batch)
            written += len(batch)
            batch.clear()
    _fill_roots(batch, roots)
    copy_rows(Fact, batch)
    written += len(batch)
    _apply({cell: (counts[cell], totals[cell]) for cell in counts}, roots)
    return written


@transaction.atomic
def recount_rollups() -> int:
    """Replace every rollup with a recount of the stored facts in one INSERT … SELECT … GROUP BY;
    return the number of cells. The facts are trusted as they stand (`rebuild_rollups` replays
    the ledgers instead): this is the fast repair after rollups alone were lost or doubted.
    """
    from shanhai.facts.selectors import recount_sql

    columns, select = recount_sql()
    Rollup.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(Rollup._meta.db_table)} ({columns}) {select}"
        )
        return int(cursor.rowcount)


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
