"""Reads of consumption assistance for the annual report and the indicator drill-down.

Both start from pairing ids (the scope the indicators already worked out for the reader) and a
period, and select exactly what the facts of consumption.facts count, so a figure and the rows
listed behind it always agree:

- "consumption.sales": sale lines certified on the day sold, not excluded and not held, in the
  months of the period, by mode (the facts' direction), channel kind (category) and product
  category (subcategory);
- "consumption.certified": certificates granted (first valid day) in the period;
- "consumption.suppliers": suppliers registered in the period, by kind;
- "consumption.households…": each supplier's benefit linkage of a year in the period.

Sums by channel and product come from SalesMonth, never from scanning the lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from shanhai.consumption.models import (
    COUNTED_LINES,
    BenefitLinkage,
    Certification,
    SaleFlag,
    SaleLine,
    SalesMonth,
    Supplier,
)

SALES_METRIC = "consumption.sales"
CERTIFIED_METRIC = "consumption.certified"
SUPPLIERS_METRIC = "consumption.suppliers"

# The facts' dimensions of each metric, as lookups on the rows behind them.
SALES_DIMENSIONS = {
    "direction": "mode",
    "category": "channel__kind",
    "subcategory": "product__category",
}
CERTIFIED_DIMENSIONS = {"category": "product__category"}
SUPPLIER_DIMENSIONS = {"category": "kind"}
LINKAGE_FIELDS = {
    "consumption.households": "households",
    "consumption.households.poverty_exited": "poverty_exited_households",
    "consumption.households.monitored": "monitored_households",
    "consumption.households.paid": "paid_amount",
}


def _month_after(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def _days(start: date, end: date) -> tuple[date, date]:
    """The first day counted and the first day no longer counted: whole months, as facts are."""
    return start.replace(day=1), _month_after(end)


def _matching(
    rows: QuerySet[Any], filters: Mapping[str, object] | None, dimensions: Mapping[str, str]
) -> QuerySet[Any]:
    """Narrow *rows* to the indicator's filters ("a|b" lists alternatives), as the facts do.

    A dimension the metric leaves blank matches only a filter that allows a blank value.
    """
    for name, value in (filters or {}).items():
        wanted = str(value).split("|")
        lookup = dimensions.get(name)
        if lookup is not None:
            rows = rows.filter(**{f"{lookup}__in": wanted})
        elif "" not in wanted:
            return rows.none()
    return rows


def counted_lines_behind(
    pairing_ids: Iterable[int],
    start: date,
    end: date,
    filters: Mapping[str, object] | None = None,
) -> QuerySet[SaleLine]:
    """The counted sale lines behind a "consumption.sales" figure, oldest first."""
    first, after = _days(start, end)
    lines = SaleLine.objects.filter(
        COUNTED_LINES, pairing_id__in=list(pairing_ids), sold_on__gte=first, sold_on__lt=after
    )
    return (
        _matching(lines, filters, SALES_DIMENSIONS)
        .select_related(
            "channel",
            "product__supplier",
            "buyer",
            "sales_event",
            # what the pairing's name is made of
            "pairing__east_place",
            "pairing__west_place",
            "pairing__east_organisation",
            "pairing__west_organisation",
        )
        .order_by("sold_on", "id")
    )


def certifications_behind(
    pairing_ids: Iterable[int],
    start: date,
    end: date,
    filters: Mapping[str, object] | None = None,
) -> QuerySet[Certification]:
    """The certificates behind a "consumption.certified" figure: granted in the period."""
    first, after = _days(start, end)
    found = Certification.objects.filter(
        product__supplier__pairing_id__in=list(pairing_ids),
        status__in=[Certification.Status.CERTIFIED, Certification.Status.WITHDRAWN],
        valid_from__gte=first,
        valid_from__lt=after,
    )
    return (
        _matching(found, filters, CERTIFIED_DIMENSIONS)
        .select_related("product__supplier")
        .order_by("valid_from", "id")
    )


def suppliers_behind(
    pairing_ids: Iterable[int],
    start: date,
    end: date,
    filters: Mapping[str, object] | None = None,
) -> QuerySet[Supplier]:
    """The suppliers behind a "consumption.suppliers" figure: registered in the period."""
    first, after = _days(start, end)
    found = Supplier.objects.filter(
        pairing_id__in=list(pairing_ids), registered_on__gte=first, registered_on__lt=after
    )
    return (
        _matching(found, filters, SUPPLIER_DIMENSIONS)
        .select_related(
            "place",
            "pairing__east_place",
            "pairing__west_place",
            "pairing__east_organisation",
            "pairing__west_organisation",
        )
        .order_by("registered_on", "id")
    )


def linkages_behind(
    pairing_ids: Iterable[int],
    start: date,
    end: date,
    metric: str = "consumption.households",
    filters: Mapping[str, object] | None = None,
) -> QuerySet[BenefitLinkage]:
    """The benefit linkages behind a "consumption.households…" figure: years in the period
    (a linkage counts on 1 January of its year) with something to count for *metric*."""
    first, after = _days(start, end)
    years = [y for y in range(first.year, after.year + 1) if first <= date(y, 1, 1) < after]
    value_field = LINKAGE_FIELDS.get(metric, "households")
    found = BenefitLinkage.objects.filter(
        supplier__pairing_id__in=list(pairing_ids), year__in=years, **{f"{value_field}__gt": 0}
    )
    return (
        _matching(found, filters, {})
        .select_related("supplier__place")
        .order_by("year", "supplier__name", "id")
    )


@dataclass(frozen=True)
class Behind:
    """What stands behind a consumption indicator: which rows, how many, and their sum."""

    kind: str  # "sales", "certifications", "suppliers" or "linkages"
    rows: QuerySet[Any]
    count: int
    total: Decimal  # yuan for sales and money paid, households for linkages, else the count


def rows_behind(
    metric: str,
    pairing_ids: Iterable[int],
    start: date,
    end: date,
    filters: Mapping[str, object] | None = None,
) -> Behind | None:
    """The rows behind a consumption metric's figure; None for a metric not of this module."""
    ids = list(pairing_ids)
    if metric == SALES_METRIC:
        lines = counted_lines_behind(ids, start, end, filters)
        sums = lines.aggregate(n=Count("pk"), total=Sum("amount"))
        return Behind("sales", lines, sums["n"] or 0, sums["total"] or Decimal(0))
    if metric == CERTIFIED_METRIC:
        certificates = certifications_behind(ids, start, end, filters)
        n = certificates.count()
        return Behind("certifications", certificates, n, Decimal(n))
    if metric == SUPPLIERS_METRIC:
        suppliers = suppliers_behind(ids, start, end, filters)
        n = suppliers.count()
        return Behind("suppliers", suppliers, n, Decimal(n))
    if metric in LINKAGE_FIELDS:
        linkages = linkages_behind(ids, start, end, metric, filters)
        sums = linkages.aggregate(n=Count("pk"), total=Sum(LINKAGE_FIELDS[metric]))
        return Behind("linkages", linkages, sums["n"] or 0, Decimal(sums["total"] or 0))
    return None


# The annual report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SalesCell:
    """Counted and uncounted sums of one channel or product over the period."""

    key: int
    name: str
    kind: str  # the channel's kind, or the product's category
    counted_amount: Decimal
    counted_lines: int
    counted_quantity: Decimal
    uncounted_amount: Decimal
    uncounted_lines: int
    unit: str = ""
    supplier: str = ""
    is_illustrative: bool = False


@dataclass
class SalesSummary:
    """A pairing's sales over a period, by mode, channel and product (from SalesMonth)."""

    counted_amount: Decimal = Decimal(0)
    counted_lines: int = 0
    uncounted_amount: Decimal = Decimal(0)
    uncounted_lines: int = 0
    by_mode: dict[str, tuple[int, Decimal]] = field(default_factory=dict)  # counted only
    by_channel_kind: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    by_category: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    channels: list[SalesCell] = field(default_factory=list)
    products: list[SalesCell] = field(default_factory=list)


def _add(table: dict[str, tuple[int, Decimal]], key: str, lines: int, amount: Decimal) -> None:
    n, total = table.get(key, (0, Decimal(0)))
    table[key] = (n + lines, total + amount)


def consumption_summary(pairing_ids: Iterable[int], start: date, end: date) -> SalesSummary:
    """Sum the SalesMonth cells of these pairings in start..end (whole months)."""
    first, after = _days(start, end)
    cells = (
        SalesMonth.objects.filter(
            pairing_id__in=list(pairing_ids), month__gte=first, month__lt=after
        )
        .values(
            "channel_id",
            "channel__name",
            "channel__kind",
            "channel__is_illustrative",
            "product_id",
            "product__name",
            "product__spec",
            "product__unit",
            "product__category",
            "product__is_illustrative",
            "product__supplier__name",
            "mode",
            "is_counted",
        )
        .annotate(lines=Sum("lines"), quantity=Sum("quantity"), amount=Sum("amount"))
        .order_by()
    )
    summary = SalesSummary()
    channels: dict[int, dict[str, Any]] = {}
    products: dict[int, dict[str, Any]] = {}
    for cell in cells:
        lines, quantity, amount = cell["lines"] or 0, cell["quantity"], cell["amount"]
        counted = cell["is_counted"]
        channel = channels.setdefault(
            cell["channel_id"],
            _tally(
                cell["channel_id"],
                cell["channel__name"],
                cell["channel__kind"],
                is_illustrative=cell["channel__is_illustrative"],
            ),
        )
        spec = cell["product__spec"]
        product = products.setdefault(
            cell["product_id"],
            _tally(
                cell["product_id"],
                f"{cell['product__name']}（{spec}）" if spec else cell["product__name"],
                cell["product__category"],
                unit=cell["product__unit"],
                supplier=cell["product__supplier__name"],
                is_illustrative=cell["product__is_illustrative"],
            ),
        )
        for tally in (channel, product):
            prefix = "counted" if counted else "uncounted"
            tally[f"{prefix}_lines"] += lines
            tally[f"{prefix}_amount"] += amount
            if counted:
                tally["counted_quantity"] += quantity
        if counted:
            summary.counted_lines += lines
            summary.counted_amount += amount
            _add(summary.by_mode, cell["mode"], lines, amount)
            _add(summary.by_channel_kind, cell["channel__kind"], lines, amount)
            _add(summary.by_category, cell["product__category"], lines, amount)
        else:
            summary.uncounted_lines += lines
            summary.uncounted_amount += amount

    def ordered(tallies: dict[int, dict[str, Any]]) -> list[SalesCell]:
        found = [SalesCell(**tally) for tally in tallies.values()]
        return sorted(found, key=lambda c: (-c.counted_amount, -c.uncounted_amount, c.name))

    summary.channels, summary.products = ordered(channels), ordered(products)
    return summary


def _tally(key: int, name: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "key": key,
        "name": name,
        "kind": kind,
        "counted_amount": Decimal(0),
        "counted_lines": 0,
        "counted_quantity": Decimal(0),
        "uncounted_amount": Decimal(0),
        "uncounted_lines": 0,
        **extra,
    }


@dataclass(frozen=True)
class Uncounted:
    """Why lines of the period are not counted, each reason with lines and yuan.

    A line not certified on the day sold is "uncertified" whatever else; a certified line an
    operator excluded is "excluded"; a certified line held as a probable duplicate is "held".
    """

    uncertified: tuple[int, Decimal]
    excluded: tuple[int, Decimal]
    held: tuple[int, Decimal]


def uncounted_lines(pairing_ids: Iterable[int], start: date, end: date) -> Uncounted:
    first, after = _days(start, end)
    reasons = {
        "uncertified": Q(is_certified=False),
        "excluded": Q(is_certified=True, is_excluded=True),
        "held": Q(is_certified=True, is_excluded=False, is_held=True),
    }
    aggregates: dict[str, Any] = {}
    for name, condition in reasons.items():
        aggregates[f"{name}_n"] = Count("pk", filter=condition)
        aggregates[f"{name}_a"] = Sum("amount", filter=condition)
    sums = SaleLine.objects.filter(
        pairing_id__in=list(pairing_ids), sold_on__gte=first, sold_on__lt=after
    ).aggregate(**aggregates)
    found = {name: (sums[f"{name}_n"] or 0, sums[f"{name}_a"] or Decimal(0)) for name in reasons}
    return Uncounted(**found)


def flag_tally(pairing_ids: Iterable[int], start: date, end: date) -> dict[tuple[str, str], int]:
    """Flags on the period's lines, counted by (kind, status)."""
    first, after = _days(start, end)
    rows = (
        SaleFlag.objects.filter(
            line__pairing_id__in=list(pairing_ids),
            line__sold_on__gte=first,
            line__sold_on__lt=after,
        )
        .values_list("kind", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(kind, status): n for kind, status, n in rows}
