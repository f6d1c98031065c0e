"""Read totals from the rollups, list the rows behind a figure, and check rollups are exact."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum

from shanhai.facts.models import Fact, Rollup
from shanhai.facts.registry import sources
from shanhai.facts.services import DIMENSIONS, Cell
from shanhai.places.models import Pairing


def _where(
    pairing_ids: Iterable[int], metric: str, start: date, end: date, filters: Mapping[str, str]
) -> Q:
    """Facts or rollups of *metric* in these pairings, months start..end, matching *filters*.

    A filter value may list alternatives separated by "|" (e.g. sector "education|health").
    """
    query = Q(pairing_id__in=list(pairing_ids), metric=metric, month__gte=start.replace(day=1))
    query &= Q(month__lte=end)
    for name, value in filters.items():
        if name not in DIMENSIONS:
            raise ValueError(f"unknown dimension {name!r}")
        query &= Q(**{f"{name}__in": value.split("|")})
    return query


def total(
    pairing_ids: Iterable[int],
    metric: str,
    start: date,
    end: date,
    filters: Mapping[str, str] | None = None,
) -> tuple[int, Decimal]:
    """Return (number of facts, sum of their values) from the rollups."""
    row = Rollup.objects.filter(_where(pairing_ids, metric, start, end, filters or {})).aggregate(
        count=Sum("count"), total=Sum("total")
    )
    return int(row["count"] or 0), Decimal(row["total"] or 0)


class Totals:
    """Many metrics' totals over the same months, from one rollup query.

    A dashboard asks for dozens of (metric, filters) totals over one scope; asking the database
    once for every cell of those metrics (summed over months, kept by pairing and dimensions)
    and filtering in Python keeps a page at a few queries whatever the number of indicators,
    and an overview of many pairings at the same few queries whatever the number of columns.
    """

    def __init__(
        self, pairing_ids: Iterable[int], metrics: Iterable[str], start: date, end: date
    ) -> None:
        rows = (
            Rollup.objects.filter(
                pairing_id__in=list(pairing_ids),
                metric__in=sorted(set(metrics)),
                month__gte=start.replace(day=1),
                month__lte=end,
            )
            .values("pairing_id", "metric", *DIMENSIONS)
            .annotate(count=Sum("count"), total=Sum("total"))
            .order_by()
        )
        self._cells: dict[str, list[dict[str, object]]] = defaultdict(list)
        for row in rows:
            self._cells[str(row["metric"])].append(row)

    def total(
        self,
        metric: str,
        filters: Mapping[str, str] | None = None,
        pairing_ids: Collection[int] | None = None,
    ) -> tuple[int, Decimal]:
        """(number of facts, sum of their values), as `total` would answer it; over
        *pairing_ids* only when given (a column of an overview), else over every pairing."""
        wanted = {}
        for name, value in (filters or {}).items():
            if name not in DIMENSIONS:
                raise ValueError(f"unknown dimension {name!r}")
            wanted[name] = set(value.split("|"))
        count, summed = 0, Decimal(0)
        for row in self._cells.get(metric, ()):
            if pairing_ids is not None and row["pairing_id"] not in pairing_ids:
                continue
            if all(row[name] in values for name, values in wanted.items()):
                count += int(str(row["count"] or 0))
                summed += Decimal(str(row["total"] or 0))
        return count, summed


def monthly(
    pairing_ids: Iterable[int],
    metric: str,
    start: date,
    end: date,
    filters: Mapping[str, str] | None = None,
) -> dict[date, tuple[int, Decimal]]:
    """Return (count, total) per month, for charts."""
    rows = (
        Rollup.objects.filter(_where(pairing_ids, metric, start, end, filters or {}))
        .values("month")
        .annotate(count=Sum("count"), total=Sum("total"))
        .order_by("month")
    )
    return {r["month"]: (int(r["count"]), Decimal(r["total"])) for r in rows}


def by_pairing(
    pairing_ids: Iterable[int],
    metric: str,
    start: date,
    end: date,
    filters: Mapping[str, str] | None = None,
) -> dict[int, tuple[int, Decimal]]:
    rows = (
        Rollup.objects.filter(_where(pairing_ids, metric, start, end, filters or {}))
        .values("pairing_id")
        .annotate(count=Sum("count"), total=Sum("total"))
    )
    return {r["pairing_id"]: (int(r["count"]), Decimal(r["total"])) for r in rows}


def source_ids(
    pairing_ids: Iterable[int],
    metric: str,
    start: date,
    end: date,
    filters: Mapping[str, str] | None = None,
    *,
    source: str,
) -> QuerySet[Fact, int]:
    """The ids of the source rows behind a figure: the drill-down to the 台账."""
    facts = Fact.objects.filter(_where(pairing_ids, metric, start, end, filters or {}))
    return facts.filter(source=source).values_list("source_id", flat=True).distinct()


@dataclass(frozen=True)
class Difference:
    cell: Cell
    stored: tuple[int, Decimal]
    expected: tuple[int, Decimal]


def expected_rollups() -> dict[Cell, tuple[int, Decimal]]:
    """Recompute every rollup cell from the ledgers themselves, not from stored facts."""
    counts: dict[Cell, int] = defaultdict(int)
    totals: dict[Cell, Decimal] = defaultdict(Decimal)
    for all_facts in sources().values():
        for _source_id, rows in all_facts():
            for row in rows:
                counts[row.cell()] += 1
                totals[row.cell()] += row.value
    return {cell: (counts[cell], totals[cell]) for cell in counts}


def stored_rollups() -> dict[Cell, tuple[int, Decimal]]:
    fields = ("pairing_id", "month", "metric", *DIMENSIONS)
    return {
        tuple(values[:7]): (values[7], values[8])
        for values in Rollup.objects.values_list(*fields, "count", "total")
    }


def rollup_differences() -> list[Difference]:
    """Every cell where the stored rollups and a recompute from the ledgers disagree."""
    expected, stored = expected_rollups(), stored_rollups()
    zero = (0, Decimal(0))
    return [
        Difference(cell, stored.get(cell, zero), expected.get(cell, zero))
        for cell in sorted(set(expected) | set(stored), key=str)
        if stored.get(cell, zero) != expected.get(cell, zero)
    ]


def years_with_facts(pairing_ids: Iterable[int]) -> list[int]:
    """The years from the first month with a fact to the last, newest first.

    Read as the first and the last rollup month of each pairing: two probes of the rollups'
    unique index (pairing, month, …) per pairing, so the answer costs the same however many
    facts there are (a DISTINCT over the months read every rollup row of the tree: 50 of the
    county dashboard's 90 ms). A year in between with no fact at all is included: the pairings
    were at work, and the pages show it as zero.
    """
    months = Rollup.objects.filter(pairing=OuterRef("pk")).values("month")
    spans = [
        (first, last)
        for first, last in Pairing.objects.filter(pk__in=list(pairing_ids))
        .annotate(
            first=Subquery(months.order_by("month")[:1]),
            last=Subquery(months.order_by("-month")[:1]),
        )
        .values_list("first", "last")
        if first is not None
    ]
    if not spans:
        return []
    first, last = min(f for f, _l in spans), max(last for _f, last in spans)
    return list(range(last.year, first.year - 1, -1))


def fact_count() -> int:
    return Fact.objects.aggregate(n=Count("pk"))["n"] or 0


def recount_sql() -> tuple[str, str]:
    """The rollup table's columns, and the SELECT … GROUP BY over the facts that fills them.

    Built from the models' own column names, never from input; every rollup key column is a
    fact column of the same name.
    """
    quote = connection.ops.quote_name
    keys = ", ".join(
        quote(str(f.column))
        for f in Rollup._meta.concrete_fields
        if f.name not in {"id", "count", "total"}
    )
    value = quote(str(Fact._meta.get_field("value").column))
    # SQLite adds decimals as floating point: round the sums back to the cent.
    total = f"ROUND(SUM({value}), 2)" if connection.vendor == "sqlite" else f"SUM({value})"
    select = (
        f"SELECT {keys}, COUNT(*), {total} "  # noqa: S608 - model names only
        f"FROM {quote(Fact._meta.db_table)} GROUP BY {keys}"
    )
    return f"{keys}, {quote('count')}, {quote('total')}", select
