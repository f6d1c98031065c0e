"""What consumption assistance contributes to the indicators.

"consumption.sales": the counted sales of a batch (certified on the day sold, not excluded, not
held), in yuan, summed per pairing and month, by mode (direction: purchased / helped), channel
kind (category) and product category (subcategory); "consumption.sales.lines" beside it says
how many lines, so an indicator's "records behind it" counts lines, not facts. A batch is the
unit of facts, so a batch of 10,000 lines adds a handful of facts, and a flag resolved on one
line refreshes its batch.
"consumption.certified": one per certification, in the month it was certified.
"consumption.suppliers": one per supplier, in the month it was registered.
"consumption.households" / ".poverty_exited" / ".monitored" / ".paid": benefit linkage of a
supplier in a year, dated 1 January of that year.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth

from shanhai.consumption.models import (
    COUNTED_LINES,
    BenefitLinkage,
    Certification,
    SaleLine,
    SalesBatch,
    Supplier,
)
from shanhai.facts.services import FactRow, replace_facts

SALES_SOURCE = "consumption.batch"
FEN = Decimal("0.01")
CERTIFICATION_SOURCE = "consumption.certification"
SUPPLIER_SOURCE = "consumption.supplier"
LINKAGE_SOURCE = "consumption.linkage"


def batch_facts(batch_id: int) -> list[FactRow]:
    groups = (
        SaleLine.objects.filter(COUNTED_LINES, batch_id=batch_id)
        .annotate(month=TruncMonth("sold_on"))
        .values("pairing_id", "month", "mode", "channel__kind", "product__category")
        .annotate(total=Sum("amount"), lines=Count("pk"))
        .order_by()
    )
    rows = []
    for g in groups:
        cell = {
            "pairing_id": g["pairing_id"],
            "on": g["month"],
            "direction": g["mode"],
            "category": g["channel__kind"],
            "subcategory": g["product__category"],
        }
        # SQLite sums decimals as floating point (825188.209999999): back to whole fen, as
        # every amount is, so a recompute equals the stored rollups on every database.
        total = (g["total"] or Decimal(0)).quantize(FEN)
        rows.append(FactRow(metric="consumption.sales", value=total, **cell))
        rows.append(FactRow(metric="consumption.sales.lines", value=Decimal(g["lines"]), **cell))
    return rows


def refresh_batch_facts(batch_ids: Iterable[int]) -> None:
    for batch_id in sorted(set(batch_ids)):
        replace_facts(source=SALES_SOURCE, source_id=batch_id, rows=batch_facts(batch_id))


def all_batch_facts() -> Iterator[tuple[int, list[FactRow]]]:
    for batch_id in SalesBatch.objects.values_list("pk", flat=True).iterator(chunk_size=2000):
        yield batch_id, batch_facts(batch_id)


def certification_facts(certification: Certification) -> list[FactRow]:
    if (
        certification.status
        not in {
            Certification.Status.CERTIFIED,
            Certification.Status.WITHDRAWN,
        }
        or not certification.valid_from
    ):
        return []
    supplier = certification.product.supplier
    return [
        FactRow(
            pairing_id=supplier.pairing_id,
            on=certification.valid_from,
            metric="consumption.certified",
            category=certification.product.category,
        )
    ]


def refresh_certification_facts(certification: Certification) -> None:
    replace_facts(
        source=CERTIFICATION_SOURCE,
        source_id=certification.pk,
        rows=certification_facts(certification),
    )


def all_certification_facts() -> Iterator[tuple[int, list[FactRow]]]:
    certifications = Certification.objects.select_related("product__supplier")
    for certification in certifications.iterator(chunk_size=2000):
        yield certification.pk, certification_facts(certification)


def supplier_facts(supplier: Supplier) -> list[FactRow]:
    return [
        FactRow(
            pairing_id=supplier.pairing_id,
            on=supplier.registered_on,
            metric="consumption.suppliers",
            category=supplier.kind,
        )
    ]


def refresh_supplier_facts(supplier: Supplier) -> None:
    replace_facts(source=SUPPLIER_SOURCE, source_id=supplier.pk, rows=supplier_facts(supplier))


def all_supplier_facts() -> Iterator[tuple[int, list[FactRow]]]:
    for supplier in Supplier.objects.iterator(chunk_size=2000):
        yield supplier.pk, supplier_facts(supplier)


def linkage_facts(linkage: BenefitLinkage) -> list[FactRow]:
    base = {"pairing_id": linkage.supplier.pairing_id, "on": date(linkage.year, 1, 1)}
    values = {
        "consumption.households": linkage.households,
        "consumption.households.poverty_exited": linkage.poverty_exited_households,
        "consumption.households.monitored": linkage.monitored_households,
        "consumption.households.paid": linkage.paid_amount,
    }
    return [
        FactRow(metric=metric, value=Decimal(value), **base)  # type: ignore[arg-type]
        for metric, value in values.items()
        if value
    ]


def refresh_linkage_facts(linkage: BenefitLinkage) -> None:
    replace_facts(source=LINKAGE_SOURCE, source_id=linkage.pk, rows=linkage_facts(linkage))


def remove_linkage_facts(linkage_id: int) -> None:
    replace_facts(source=LINKAGE_SOURCE, source_id=linkage_id, rows=[])


def all_linkage_facts() -> Iterator[tuple[int, list[FactRow]]]:
    for linkage in BenefitLinkage.objects.select_related("supplier").iterator(chunk_size=2000):
        yield linkage.pk, linkage_facts(linkage)
