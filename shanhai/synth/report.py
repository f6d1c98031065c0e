"""What a synthetic database should hold (planned), what it holds (found), and its digest.

Planned sizes come from the scale alone: the main tables exactly, the few whose size depends on
drawn dates (follow-ups, project money, batches) as estimates. Found sizes count only the rows of
one synthetic dataset, so it can sit beside the demo. The digest hashes the key columns of every
synthetic row in a fixed order (no ids, no timestamps, no ciphertext, whose IV is random), so
two runs with the same seed give the same digest, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from shanhai.accounts.models import User
from shanhai.consumption.models import (
    COUNTED_LINES,
    BenefitLinkage,
    Buyer,
    Certification,
    CertificationStep,
    Channel,
    Product,
    SaleFlag,
    SaleLine,
    SalesBatch,
    SalesMonth,
    Supplier,
)
from shanhai.core.models import Source
from shanhai.facts.models import Rollup
from shanhai.labor.models import FollowUp, Placement, Posting, TransferBatch, Worker
from shanhai.ledger.models import FundTransaction, Record
from shanhai.places.models import Organisation, Pairing, Place
from shanhai.synth import consumption, labor, ledger
from shanhai.synth.scales import Scale
from shanhai.synth.world import WorldPlan, plan_world


@dataclass(frozen=True)
class Row:
    table: str
    count: int
    exact: bool = True
    note: str = ""


@dataclass
class Plan:
    """Everything the stages make, laid out from the scale (no database, no generator)."""

    scale: Scale
    seed: int
    years: list[int]
    tag: str
    world: WorldPlan
    catalogue: consumption.Catalogue
    records: dict[str, list[int]]
    people: list[labor.LaborUnit]
    sales: list[consumption.ChannelYear]


def tag_of(scale: Scale, seed: int) -> str:
    return f"synth-{scale.name}-{seed}"


def make_plan(scale: Scale, *, seed: int, years: list[int]) -> Plan:
    tag = tag_of(scale, seed)
    world = plan_world(scale, tag, years[0])
    catalogue = consumption.plan_catalogue(scale, world, seed)
    return Plan(
        scale=scale,
        seed=seed,
        years=years,
        tag=tag,
        world=world,
        catalogue=catalogue,
        records=ledger.plan_records(world, scale.records_per_pairing_year),
        people=labor.plan_labor(scale, world, years),
        sales=consumption.plan_sales(scale, catalogue, years),
    )


def planned(plan: Plan) -> list[Row]:
    """The rows each table will hold."""
    scale, years = plan.scale, len(plan.years)
    counts = plan.world.counts()
    records = {kind: sum(parts) * years for kind, parts in plan.records.items()}
    projects = records.get("project", 0)
    certified = sum(1 for p in plan.catalogue.products if p.certified)
    refused = sum(1 for p in plan.catalogue.products if p.applied)
    lines = sum(u.lines for u in plan.sales)
    copies = sum(u.copies for u in plan.sales)
    uncertified = sum(u.uncertified for u in plan.sales)
    placements = sum(u.placements for u in plan.people)
    periods = 12 // scale.batch_months
    batches = sum(
        min(u.lines, periods) + max(0, -(-u.lines // 10_000) - periods) + (1 if u.copies else 0)
        for u in plan.sales
    )
    kinds = ", ".join(f"{kind} {n:,}" for kind, n in records.items() if n)
    return [
        Row("places.Pairing", counts["places.Pairing"]),
        Row("places.Place", counts["places.Place"]),
        Row("places.Organisation", counts["places.Organisation"]),
        Row("accounts.User", counts["accounts.User"], note="office accounts"),
        Row("ledger.Record", sum(records.values()), note=kinds),
        Row("ledger.FundTransaction", round(projects * 1.7), exact=False),
        Row("labor.Worker", sum(u.workers for u in plan.people)),
        Row("labor.Placement", placements),
        Row("labor.FollowUp", round(placements * 2.4), exact=False),
        Row(
            "labor.TransferBatch",
            sum(u.batches(scale.transfers_per_county_year) for u in plan.people),
        ),
        Row("labor.Posting", sum(len(c.employers) for c in plan.world.counties) * years),
        Row("consumption.Supplier", len(plan.catalogue.suppliers)),
        Row("consumption.BenefitLinkage", len(plan.catalogue.suppliers) * years),
        Row("consumption.Product", len(plan.catalogue.products)),
        Row(
            "consumption.Certification",
            certified + refused,
            note=f"{certified:,} certified, {refused:,} refused",
        ),
        Row("consumption.CertificationStep", 5 * certified + 3 * refused),
        Row("consumption.Channel", len(plan.catalogue.channels)),
        Row("consumption.Buyer", len(plan.catalogue.buyer_kinds)),
        Row("consumption.SalesBatch", batches, exact=False),
        Row(
            "consumption.SaleLine",
            lines + copies,
            note=f"{lines:,} sales + {copies:,} reported again by a second channel",
        ),
        Row("consumption.SaleLine uncertified", uncertified, note="shown, never counted"),
        Row("consumption.SaleLine held", copies, note="probable duplicates, not counted"),
        Row("consumption.SaleFlag", uncertified + copies),
    ]


def _of(plan: Plan) -> dict[str, QuerySet[Any]]:
    source = Source.objects.filter(key=plan.tag).first()
    pairings = Pairing.objects.filter(code__startswith=f"{plan.tag}-")
    channels = Channel.objects.filter(name__endswith=f"（{plan.tag}）")
    return {
        "places.Pairing": pairings,
        "places.Place": Place.objects.filter(code__in=[p.code for p in plan.world.places]),
        "places.Organisation": Organisation.objects.filter(source=source),
        "accounts.User": User.objects.filter(username__startswith=f"{plan.tag}-"),
        "ledger.Record": Record.objects.filter(source=source),
        "ledger.FundTransaction": FundTransaction.objects.filter(project__source=source),
        "labor.Worker": Worker.objects.filter(source=source),
        "labor.Placement": Placement.objects.filter(source=source),
        "labor.FollowUp": FollowUp.objects.filter(placement__source=source),
        "labor.TransferBatch": TransferBatch.objects.filter(pairing__in=pairings),
        "labor.Posting": Posting.objects.filter(pairing__in=pairings),
        "consumption.Supplier": Supplier.objects.filter(source=source),
        "consumption.BenefitLinkage": BenefitLinkage.objects.filter(supplier__source=source),
        "consumption.Product": Product.objects.filter(supplier__source=source),
        "consumption.Certification": Certification.objects.filter(product__supplier__source=source),
        "consumption.CertificationStep": CertificationStep.objects.filter(
            certification__product__supplier__source=source
        ),
        "consumption.Channel": channels,
        "consumption.Buyer": Buyer.objects.filter(name__endswith=f"（{plan.tag}）"),
        "consumption.SalesBatch": SalesBatch.objects.filter(channel__in=channels),
        "consumption.SaleLine": SaleLine.objects.filter(channel__in=channels),
        "consumption.SaleLine uncertified": SaleLine.objects.filter(
            channel__in=channels, is_certified=False
        ),
        "consumption.SaleLine held": SaleLine.objects.filter(channel__in=channels, is_held=True),
        "consumption.SaleFlag": SaleFlag.objects.filter(line__channel__in=channels),
    }


def found(plan: Plan) -> dict[str, int]:
    """The rows of this dataset each table holds."""
    return {table: rows.count() for table, rows in _of(plan).items()}


def _text(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def _feed(digest: Any, name: str, rows: Iterable[tuple[Any, ...]]) -> None:
    digest.update(f"\n[{name}]".encode())
    for row in rows:
        digest.update(("\n" + "\t".join(map(_text, row))).encode())


def digest(plan: Plan) -> str:
    """SHA-256 of the key columns of every row of the dataset, in a fixed order."""
    of = _of(plan)
    h = hashlib.sha256()
    columns: list[tuple[str, tuple[str, ...]]] = [
        (
            "places.Pairing",
            (
                "code",
                "kind",
                "parent__code",
                "east_place__code",
                "west_place__code",
                "east_organisation__name",
            ),
        ),
        (
            "ledger.Record",
            ("pairing__code", "occurred_on", "kind", "title", "side", "direction", "level"),
        ),
        (
            "ledger.FundTransaction",
            (
                "project__title",
                "project__occurred_on",
                "transaction_kind",
                "transacted_on",
                "amount",
            ),
        ),
        (
            "labor.Worker",
            (
                "id_number_hash",
                "id_number_masked",
                "phone_masked",
                "name",
                "origin__code",
                "household_type",
                "status",
                "birth_date",
                "sex",
            ),
        ),
        (
            "labor.Placement",
            (
                "worker__id_number_hash",
                "started_on",
                "ended_on",
                "destination",
                "channel",
                "monthly_wage",
                "employer__name",
                "batch__departed_on",
            ),
        ),
        (
            "labor.FollowUp",
            (
                "placement__worker__id_number_hash",
                "placement__started_on",
                "checked_on",
                "is_employed",
            ),
        ),
        ("consumption.Supplier", ("name", "pairing__code", "kind", "registered_on")),
        ("consumption.BenefitLinkage", ("supplier__name", "year", "households", "paid_amount")),
        ("consumption.Product", ("trace_code", "name", "spec", "category", "reference_price")),
        (
            "consumption.Certification",
            (
                "product__trace_code",
                "status",
                "applied_on",
                "valid_from",
                "valid_to",
                "certificate_number",
            ),
        ),
        ("consumption.Channel", ("name", "kind", "pairing__code", "side")),
        ("consumption.Buyer", ("name", "kind")),
        (
            "consumption.SaleLine",
            (
                "channel__name",
                "order_id",
                "sold_on",
                "product__trace_code",
                "quantity",
                "amount",
                "buyer__name",
                "pairing__code",
                "mode",
                "is_certified",
                "is_held",
            ),
        ),
        ("consumption.SaleFlag", ("line__channel__name", "line__order_id", "kind", "status")),
    ]
    for table, fields in columns:
        rows = of[table].order_by(*fields).values_list(*fields)
        _feed(h, table, rows.iterator(chunk_size=5000))
    rollups = Rollup.objects.filter(Q(pairing__code__startswith=f"{plan.tag}-"))
    fields = (
        "pairing__code",
        "month",
        "metric",
        "direction",
        "level",
        "category",
        "subcategory",
        "count",
        "total",
    )
    _feed(h, "facts.Rollup", rollups.order_by(*fields).values_list(*fields).iterator(5000))
    return h.hexdigest()


FEN = Decimal("0.01")


def sales_months_agree() -> bool:
    """Whether the monthly sales sums (what the dashboards read) equal the sale lines, per
    pairing, month, channel, product and mode, counted and not."""
    fields = ("pairing_id", "channel_id", "product_id", "mode")
    cells = {
        (*row[:4], row[4].replace(day=1), row[5]): (row[6], row[7])
        for row in SalesMonth.objects.values_list(
            *fields, "month", "is_counted", "lines", "amount"
        ).iterator(5000)
    }
    recount: dict[tuple[Any, ...], tuple[int, Decimal]] = {}
    rows = (
        SaleLine.objects.annotate(month=TruncMonth("sold_on"))
        .values(*fields, "month")
        .annotate(
            n=Count("pk"),
            total=Sum("amount"),
            counted_n=Count("pk", filter=COUNTED_LINES),
            counted_total=Sum("amount", filter=COUNTED_LINES),
        )
        .order_by()
    )
    for row in rows.iterator(5000):
        key = (*(row[f] for f in fields), row["month"])
        # SQLite sums decimals as floating point: back to whole fen, as every amount is.
        counted = (row["counted_n"], (row["counted_total"] or Decimal(0)).quantize(FEN))
        rest = (row["n"] - counted[0], row["total"].quantize(FEN) - counted[1])
        for is_counted, (n, amount) in ((True, counted), (False, rest)):
            if n:
                recount[(*key, is_counted)] = (n, amount)
    return cells == recount
