"""Consumption assistance at scale: suppliers, products, certification, channels, buyers, sales.

Suppliers, products, certificates, linkages, channels and buyers go through the consumption
services one by one (there are thousands, not millions). Sale lines go through
services.ingest_sales, the one path the API, imports and the demo use, in batches of at most
10,000 lines: a channel sends one batch a period (a month or more), in the order it sold, and
the service flags, holds and counts each line as it would a real channel's.

The dirt is planned, not left to chance: a share of the lines sell products that are not
certified (never applied for, or refused), and a share of the lines bought by a named buyer are
reported again by a second channel (which the service holds as probable duplicates). Each
buyer buys through one channel only, so no other line looks like a duplicate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import accumulate

from django.db import transaction

from shanhai.accounts.models import Side, User
from shanhai.consumption import services
from shanhai.consumption.models import (
    BenefitLinkage,
    Buyer,
    Certification,
    Channel,
    Product,
    SaleLine,
    Supplier,
)
from shanhai.synth import shapes
from shanhai.synth.scales import Scale
from shanhai.synth.world import World, WorldPlan

CENT = Decimal("0.01")
BIG = Decimal(10) ** 9  # declared capacities: never the reason for a flag here

# Channel kinds by rank: the biggest is the 832 platform, then an online platform and a hall.
TOP_KINDS = ("832", "platform", "hall")
KIND_CYCLE = (
    "counter",
    "canteen",
    "union",
    "zone",
    "livestream",
    "platform",
    "counter",
    "canteen",
    "expo",
    "ngo",
    "hall",
    "union",
    "other",
)
# Share of a channel's certified lines bought by a named (eastern) buyer; the rest is retail.
BUYER_SHARE = {
    "832": 0.8,
    "canteen": 1.0,
    "union": 1.0,
    "hall": 0.3,
    "counter": 0.3,
    "zone": 0.2,
    "platform": 0.15,
    "expo": 0.3,
    "ngo": 0.2,
    "other": 0.1,
    "livestream": 0.0,
}
BUYER_KIND = {
    "832": Buyer.Kind.BUDGET_UNIT,
    "canteen": Buyer.Kind.CANTEEN,
    "union": Buyer.Kind.UNION,
}
SUPPLIER_KINDS = ("cooperative", "cooperative", "enterprise", "family_farm", "big_grower", "agent")


@dataclass(frozen=True)
class ProductSpec:
    index: int
    supplier: int
    category: str
    name: str
    spec: str
    unit: str
    unit_kg: str
    price: Decimal
    certified: bool
    applied: bool  # for an uncertified product: applied and was refused


@dataclass(frozen=True)
class SupplierSpec:
    index: int
    county: int
    town: str  # place code
    name: str
    kind: str
    registered_on: date


@dataclass(frozen=True)
class ChannelSpec:
    index: int
    code: str
    name: str
    kind: str
    pairing: str
    side: str
    weight: float
    buyers: tuple[int, ...]  # the buyers who buy through it (by index)


@dataclass
class Catalogue:
    suppliers: list[SupplierSpec]
    products: list[ProductSpec]
    channels: list[ChannelSpec]
    buyer_kinds: list[str]  # by buyer index


def plan_catalogue(scale: Scale, world: WorldPlan, seed: int) -> Catalogue:
    """Suppliers, products, channels and buyers of *scale*; sizes do not depend on *seed*."""
    draw = shapes.rng(seed, "catalogue")
    first = world.first_year
    per_county = shapes.apportion(scale.suppliers, [c.weight for c in world.counties])
    suppliers: list[SupplierSpec] = []
    for county, count in zip(world.counties, per_county, strict=True):
        for n in range(count):
            town = county.west_towns[n % len(county.west_towns)]
            kind = draw.choice(SUPPLIER_KINDS)
            label = Supplier.Kind(kind).label
            suppliers.append(
                SupplierSpec(
                    index=len(suppliers),
                    county=county.index,
                    town=town,
                    name=f"合成{county.index + 1}县{n + 1}号{label}",
                    kind=kind,
                    registered_on=date(first - 1, 1 + n % 12, 1 + draw.randrange(28)),
                )
            )
    per_supplier = shapes.apportion(scale.products, [1 + i % 3 for i in range(len(suppliers))])
    categories = [
        category
        for category, n in zip(
            shapes.CATEGORY_WEIGHTS,
            shapes.apportion(scale.products, list(shapes.CATEGORY_WEIGHTS.values())),
            strict=True,
        )
        for _ in range(n)
    ]
    draw.shuffle(categories)
    uncertified = round(scale.products * scale.uncertified_products_share)
    not_certified = set(draw.sample(range(scale.products), uncertified))
    refused = set(sorted(not_certified)[::2])
    products: list[ProductSpec] = []
    for supplier, count in zip(suppliers, per_supplier, strict=True):
        names: set[tuple[str, str]] = set()
        for _ in range(count):
            index = len(products)
            category = categories[index]
            name, spec, unit, kg, (low, high) = draw.choice(shapes.PRODUCTS[category])
            base, n = name, 1
            while (name, spec) in names:
                n += 1
                name = f"{base}{n}号"
            names.add((name, spec))
            products.append(
                ProductSpec(
                    index=index,
                    supplier=supplier.index,
                    category=category,
                    name=name,
                    spec=spec,
                    unit=unit,
                    unit_kg=kg,
                    price=Decimal(draw.randrange(low * 100, high * 100 + 1)) / 100,
                    certified=index not in not_certified,
                    applied=index in refused,
                )
            )
    weights = shapes.zipf_weights(scale.channels, scale.channel_skew)
    kinds = [
        TOP_KINDS[k] if k < len(TOP_KINDS) else KIND_CYCLE[(k - len(TOP_KINDS)) % len(KIND_CYCLE)]
        for k in range(scale.channels)
    ]
    # Buyers: each buys through one channel; channels that sell to buyers get at least one.
    takes = [k for k in range(scale.channels) if BUYER_SHARE[kinds[k]] > 0]
    takes = takes[: scale.buyers]
    counts = shapes.apportion(
        scale.buyers - len(takes), [weights[k] * BUYER_SHARE[kinds[k]] for k in takes]
    )
    buyers_of: dict[int, tuple[int, ...]] = {}
    buyer_kinds: list[str] = []
    for k, extra in zip(takes, counts, strict=True):
        start = len(buyer_kinds)
        buyer_kinds += [BUYER_KIND.get(kinds[k], Buyer.Kind.ENTERPRISE)] * (1 + extra)
        buyers_of[k] = tuple(range(start, len(buyer_kinds)))
    roots = list(dict.fromkeys(c.root for c in world.counties))
    channels = []
    for k in range(scale.channels):
        county = world.counties[k % len(world.counties)]
        pairing = roots[k % len(roots)] if k < len(TOP_KINDS) else county.pairing
        code = f"C{k + 1:04d}"
        channels.append(
            ChannelSpec(
                index=k,
                code=code,
                name=f"合成{Channel.Kind(kinds[k]).label}{code}（{world.tag}）",
                kind=kinds[k],
                pairing=pairing,
                side=Side.WEST if kinds[k] == "expo" else Side.EAST,
                weight=weights[k],
                buyers=buyers_of.get(k, ()),
            )
        )
    return Catalogue(suppliers, products, channels, buyer_kinds)


# Writing the catalogue -------------------------------------------------------------------------


@dataclass
class Stored:
    """The catalogue's rows, by index, for the sales stage."""

    products: list[Product]
    channels: list[Channel]
    buyers: list[Buyer]


def certify_product(
    product: Product,
    *,
    county: User,
    rechecker: User,
    applied_on: date,
    certificate_number: str,
    valid_to: date,
    refuse: bool = False,
) -> Certification:
    """Take *product* through the whole certification workflow, as the offices would: applied
    for and reviewed by *county* (the county commerce bureau), re-checked by *rechecker*, a
    week's public notice, certified ten days after the notice began, valid until *valid_to*;
    or, with *refuse*, refused after the review (the value threshold is not met)."""
    criteria = [c for c in Certification.CRITERIA if not (refuse and c == "meets_value_threshold")]
    cert = services.apply_for_certification(
        product=product, applied_by=county, applied_on=applied_on, criteria=criteria
    )
    cert = services.advance_certification(
        certification=cert, step="reviewed", by=county, on=applied_on + timedelta(days=10)
    )
    if refuse:
        return services.advance_certification(
            certification=cert,
            step="rejected",
            by=county,
            on=applied_on + timedelta(days=12),
            note="年产值未达到50万元的认定条件（合成数据）。",
        )
    cert = services.advance_certification(
        certification=cert, step="rechecked", by=rechecker, on=applied_on + timedelta(days=20)
    )
    notice = applied_on + timedelta(days=30)
    cert = services.advance_certification(
        certification=cert,
        step="publicised",
        by=county,
        on=notice,
        publicity_to=notice + timedelta(days=6),
    )
    return services.advance_certification(
        certification=cert,
        step="certified",
        by=county,
        on=notice + timedelta(days=10),
        certificate_number=certificate_number,
        valid_from=notice + timedelta(days=10),
        valid_to=valid_to,
    )


def write_catalogue(
    catalogue: Catalogue,
    world: World,
    *,
    years: list[int],
    seed: int,
    progress: Callable[[int], None],
) -> Stored:
    """Register suppliers (with a linkage a year), products and their certification, channels
    and buyers; what is already there is left as it is."""
    plan = world.plan
    counties = {c.index: c for c in plan.counties}
    by_supplier: dict[int, list[ProductSpec]] = {}
    for spec in catalogue.products:
        by_supplier.setdefault(spec.supplier, []).append(spec)
    products: dict[int, Product] = {}
    for supplier_spec in catalogue.suppliers:
        county = counties[supplier_spec.county]
        pairing_code = county.town_pairings.get(supplier_spec.town, county.pairing)
        if supplier_spec.index % 2:
            pairing_code = county.pairing
        pairing = world.pairings[pairing_code]
        west = world.office(county.root, Side.WEST)
        with transaction.atomic():
            supplier = Supplier.objects.filter(pairing=pairing, name=supplier_spec.name).first()
            if supplier is None:
                supplier = services.register_supplier(
                    pairing=pairing,
                    recorded_by=west,
                    name=supplier_spec.name,
                    kind=supplier_spec.kind,
                    place=world.places[supplier_spec.town],
                    registered_on=supplier_spec.registered_on,
                    is_illustrative=True,
                    source=world.source,
                )
            draw = shapes.rng(seed, "linkage", supplier_spec.index)
            linked = set(
                BenefitLinkage.objects.filter(supplier=supplier).values_list("year", flat=True)
            )
            households = draw.randrange(20, 300)
            for year in years:
                households = int(households * (1 + draw.random() * 0.3))
                if year in linked:
                    continue
                services.record_linkage(
                    supplier=supplier,
                    year=year,
                    recorded_by=west,
                    kinds=draw.sample(list(BenefitLinkage.Kind.values), 2),
                    households=households,
                    poverty_exited_households=households * 2 // 5,
                    monitored_households=households // 20,
                    paid_amount=Decimal(households * draw.randrange(1500, 6000)),
                )
            stored = {(p.name, p.spec): p for p in Product.objects.filter(supplier=supplier)}
            for spec in by_supplier.get(supplier_spec.index, []):
                product = stored.get((spec.name, spec.spec))
                if product is None:
                    product = services.register_product(
                        supplier=supplier,
                        recorded_by=west,
                        name=spec.name,
                        category=spec.category,
                        spec=spec.spec,
                        unit=spec.unit,
                        unit_kg=Decimal(spec.unit_kg) if spec.unit_kg else None,
                        reference_price=spec.price,
                        season_months=shapes.SUPPLY_MONTHS.get(spec.category, []),
                        capacity_quantity=BIG,
                        capacity_amount=BIG * 100,
                        trace_code=f"{plan.tag}-{spec.index + 1:06d}",
                        is_illustrative=True,
                    )
                    if spec.certified or spec.applied:
                        applied_on = date(years[0] - 1, 9, 1) + timedelta(days=spec.index * 7 % 60)
                        certify_product(
                            product,
                            county=west,
                            rechecker=world.office(county.root, Side.EAST),
                            applied_on=applied_on,
                            certificate_number=f"合成认〔{years[0] - 1}〕{spec.index + 1:06d}号",
                            valid_to=date(years[-1], 12, 31),
                            refuse=not spec.certified,
                        )
                products[spec.index] = product
        progress(len(by_supplier.get(supplier_spec.index, [])))
    channels: list[Channel] = []
    for channel_spec in catalogue.channels:
        channel = Channel.objects.filter(name=channel_spec.name).first()
        pairing = world.pairings[channel_spec.pairing]
        root = pairing.code if pairing.code in plan.roots else _root_of(plan, pairing.code)
        if channel is None:
            channel = services.register_channel(
                pairing=pairing,
                recorded_by=world.office(root, Side.EAST),
                name=channel_spec.name,
                kind=channel_spec.kind,
                side=channel_spec.side,
                is_illustrative=True,
            )
        channels.append(channel)
    buyers: list[Buyer] = []
    east_root = next(iter(plan.roots))
    for n, kind in enumerate(catalogue.buyer_kinds):
        name = f"合成{Buyer.Kind(kind).label}{n + 1:05d}（{plan.tag}）"
        buyer = Buyer.objects.filter(name=name).first() or services.register_buyer(
            recorded_by=world.office(east_root, Side.EAST),
            pairing=world.pairings[east_root],
            name=name,
            kind=kind,
            side=Side.EAST,
            is_illustrative=True,
        )
        buyers.append(buyer)
    return Stored([products[i] for i in range(len(catalogue.products))], channels, buyers)


def _root_of(plan: WorldPlan, code: str) -> str:
    return next(c.root for c in plan.counties if c.pairing == code)


# Sales -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelYear:
    """One channel's sales of one year: the unit made (and resumed) together."""

    channel: int
    year: int
    lines: int
    uncertified: int
    bought: int  # certified lines with a named buyer
    copies: int  # of those, reported again by another channel

    def order_id(self, code: str, n: int) -> str:
        return f"{code}-{self.year}-{n:07d}"

    def copy_id(self, code: str, n: int) -> str:
        return f"R{code}-{self.year}-{n:06d}"

    def copy_target(self, channels: int) -> int:
        """The channel that reports some of these lines again: never this one."""
        return (self.channel + 1 + (self.year * 7 + self.channel) % (channels - 1)) % channels


def plan_sales(scale: Scale, catalogue: Catalogue, years: list[int]) -> list[ChannelYear]:
    """Every channel-year with its exact counts, in the order they are written (by year)."""
    totals = shapes.apportion(
        scale.sale_lines_per_year * len(years), shapes.growth_weights(years, scale.sales_growth)
    )
    weights = [c.weight for c in catalogue.channels]
    has_uncertified = any(not p.certified for p in catalogue.products)
    plans = []
    for year, total in zip(years, totals, strict=True):
        for channel, lines in zip(
            catalogue.channels, shapes.apportion(total, weights), strict=True
        ):
            uncertified = round(lines * scale.uncertified_share) if has_uncertified else 0
            share = BUYER_SHARE[channel.kind] if channel.buyers else 0.0
            bought = round((lines - uncertified) * share)
            copies = round(bought * scale.duplicate_share) if len(catalogue.channels) > 1 else 0
            plans.append(ChannelYear(channel.index, year, lines, uncertified, bought, copies))
    return plans


def _assortment(catalogue: Catalogue, channel: ChannelSpec, seed: int) -> tuple[list[int], ...]:
    """The products a channel sells, certified and not, bestsellers first."""
    draw = shapes.rng(seed, "assortment", channel.index)
    count = len(catalogue.products)
    size = min(count, max(4, round(count * (0.02 + 2 * channel.weight / _weight_sum(catalogue)))))
    chosen = draw.sample(range(count), size)
    good = [i for i in chosen if catalogue.products[i].certified]
    bad = [i for i in chosen if not catalogue.products[i].certified]
    if not good:
        good = [next(p.index for p in catalogue.products if p.certified)]
    if not bad:
        bad = [next((p.index for p in catalogue.products if not p.certified), good[0])]
    return good, bad


def _weight_sum(catalogue: Catalogue) -> float:
    return sum(c.weight for c in catalogue.channels)


@dataclass(frozen=True)
class Line:
    sold_on: date
    product: int
    quantity: Decimal
    amount: Decimal
    buyer: int | None


def make_lines(unit: ChannelYear, catalogue: Catalogue, seed: int) -> tuple[list[Line], list[int]]:
    """The lines of one channel-year in the order sold, and which of them are copied."""
    channel = catalogue.channels[unit.channel]
    good, bad = _assortment(catalogue, channel, seed)
    draw = shapes.rng(seed, "sales", unit.year, unit.channel)
    good_weights = list(accumulate(shapes.zipf_weights(len(good), 0.8)))
    bad_weights = list(accumulate(shapes.zipf_weights(len(bad), 0.8)))
    flagged = set(draw.sample(range(unit.lines), unit.uncertified))
    clean = [i for i in range(unit.lines) if i not in flagged]
    bought = set(draw.sample(clean, unit.bought))
    made: list[tuple[date, int, Line]] = []
    for i in range(unit.lines):
        if i in flagged:
            product = catalogue.products[draw.choices(bad, cum_weights=bad_weights)[0]]
        else:
            product = catalogue.products[draw.choices(good, cum_weights=good_weights)[0]]
        sold_on = shapes.day_in(draw, unit.year, shapes.month_of(draw, product.category))
        buyer = draw.choice(channel.buyers) if i in bought else None
        quantity = Decimal(
            draw.randrange(10, 201) if buyer is not None else draw.choice((1, 1, 1, 2, 2, 3, 5))
        )
        price = product.price * Decimal(draw.randrange(90, 113)) / 100
        amount = (quantity * price).quantize(CENT)
        made.append((sold_on, i, Line(sold_on, product.index, quantity, amount, buyer)))
    made.sort(key=lambda item: (item[0], item[1]))
    lines = [line for _day, _i, line in made]
    position = {i: n for n, (_day, i, _line) in enumerate(made)}
    copies = sorted(position[i] for i in draw.sample(sorted(bought), unit.copies))
    return lines, copies


def parts(unit: ChannelYear, lines: list[Line], months: int) -> list[tuple[int, int]]:
    """(start, stop) of each batch: one a period of *months*, split at the batch limit."""
    found: list[tuple[int, int]] = []
    start = 0
    while start < len(lines):
        period = (lines[start].sold_on.month - 1) // months
        stop = start
        while stop < len(lines) and (lines[stop].sold_on.month - 1) // months == period:
            stop += 1
        pieces = math.ceil((stop - start) / services.MAX_BATCH_LINES)
        sizes = shapes.apportion(stop - start, [1.0] * pieces)
        for size in sizes:
            found.append((start, start + size))
            start += size
    return found


def _inputs(
    unit: ChannelYear, lines: list[Line], stored: Stored, ids: Iterator[str]
) -> list[services.SaleInput]:
    return [
        services.SaleInput(
            order_id=next(ids),
            sold_on=line.sold_on,
            product_id=stored.products[line.product].pk,
            quantity=line.quantity,
            amount=line.amount,
            buyer_id=stored.buyers[line.buyer].pk if line.buyer is not None else None,
        )
        for line in lines
    ]


def write_sales(
    unit: ChannelYear,
    catalogue: Catalogue,
    stored: Stored,
    world: World,
    *,
    seed: int,
    months: int,
    ingest: Callable[..., services.IngestOutcome],
    pick: Callable[[], bool] = lambda: True,
) -> tuple[int, int]:
    """Send one channel-year's batches (and the copies another channel reports) that are not
    in the database yet; return (lines written, lines found already written).

    *pick* is asked before each batch still to send: a partial run sends only some (the
    copies wait until every batch they copy from is in).
    """
    channel = stored.channels[unit.channel]
    code = catalogue.channels[unit.channel].code
    target = stored.channels[unit.copy_target(len(stored.channels))]
    if unit.lines == 0:
        return 0, 0
    last = unit.order_id(code, unit.lines - 1)
    done = SaleLine.objects.filter(channel=channel, order_id=last).exists()
    copied = unit.copies == 0 or (
        SaleLine.objects.filter(channel=target, order_id=unit.copy_id(code, 0)).exists()
    )
    if done and copied:
        return 0, unit.lines + unit.copies
    lines, copies = make_lines(unit, catalogue, seed)
    spans = parts(unit, lines, months)
    firsts = [unit.order_id(code, start) for start, _stop in spans]
    present = set(
        SaleLine.objects.filter(channel=channel, order_id__in=firsts).values_list(
            "order_id", flat=True
        )
    )
    root = _channel_root(world, catalogue.channels[unit.channel])
    user = world.office(root, Side.EAST)
    written = skipped = left = 0
    for (start, stop), first in zip(spans, firsts, strict=True):
        if first in present:
            skipped += stop - start
            continue
        if not pick():
            left += 1
            continue
        ids = (unit.order_id(code, n) for n in range(start, stop))
        ingest(
            channel=channel,
            sales=_inputs(unit, lines[start:stop], stored, ids),
            entry_method="import",
            user=user,
            is_illustrative=True,
        )
        written += stop - start
    if unit.copies and not copied and not left:
        ids = (unit.copy_id(code, n) for n in range(len(copies)))
        target_root = _channel_root(
            world, catalogue.channels[unit.copy_target(len(stored.channels))]
        )
        ingest(
            channel=target,
            sales=_inputs(unit, [lines[i] for i in copies], stored, ids),
            entry_method="import",
            user=world.office(target_root, Side.EAST),
            is_illustrative=True,
        )
        written += len(copies)
    elif copied:
        skipped += unit.copies
    return written, skipped


def _channel_root(world: World, spec: ChannelSpec) -> str:
    if spec.pairing in world.plan.roots:
        return spec.pairing
    return _root_of(world.plan, spec.pairing)
