"""Reads for consumption assistance: who may see what, and the sums the pages show.

Sums come from SalesMonth (kept in step by the services), never from scanning sale lines, so a
dashboard reads the same few hundred rows with ten thousand lines or ten million.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from shanhai.accounts.models import Action, User
from shanhai.consumption import rules
from shanhai.consumption.models import (
    Buyer,
    BuyerQuota,
    Certification,
    Channel,
    ChannelToken,
    Demand,
    GuidanceNotice,
    Product,
    SaleFlag,
    SaleLine,
    SalesMonth,
    Supplier,
)
from shanhai.places.models import Pairing
from shanhai.places.selectors import pairings_for_user, user_can


def _scope(user: User, pairing: Pairing | None) -> QuerySet[Pairing, int]:
    """Ids of the pairings *user* may see: all, or *pairing* and those below it."""
    pairings = pairings_for_user(user)
    if pairing is not None:
        pairings = pairings.filter(path__startswith=pairing.path)
    return pairings.values_list("pk", flat=True)


def validities(product_ids: Iterable[int]) -> dict[int, list[rules.Validity]]:
    """The certified days of each product, from its certificates (withdrawn ones cut short)."""
    found: dict[int, list[rules.Validity]] = defaultdict(list)
    rows = Certification.objects.filter(
        product_id__in=set(product_ids),
        status__in=[Certification.Status.CERTIFIED, Certification.Status.WITHDRAWN],
        valid_from__isnull=False,
        valid_to__isnull=False,
    ).values_list("product_id", "valid_from", "valid_to", "withdrawn_on")
    for product_id, valid_from, valid_to, withdrawn_on in rows:
        if valid_from and valid_to:  # always, as filtered above
            found[product_id].append(rules.Validity(valid_from, valid_to, withdrawn_on))
    return found


# Registry ------------------------------------------------------------------------------------


def suppliers_for_user(user: User, *, pairing: Pairing | None = None) -> QuerySet[Supplier]:
    return Supplier.objects.filter(pairing__in=_scope(user, pairing)).select_related(
        "pairing", "place"
    )


def get_supplier_for_user(user: User, supplier_id: int, action: str = Action.VIEW) -> Supplier:
    supplier = Supplier.objects.select_related("pairing", "place").filter(pk=supplier_id).first()
    if supplier is None or not user_can(user, supplier.pairing, action):
        raise Http404
    return supplier


def products_for_user(user: User, *, pairing: Pairing | None = None) -> QuerySet[Product]:
    return Product.objects.filter(supplier__pairing__in=_scope(user, pairing)).select_related(
        "supplier", "origin"
    )


def get_product_for_user(user: User, product_id: int, action: str = Action.VIEW) -> Product:
    product = (
        Product.objects.select_related("supplier__pairing", "origin").filter(pk=product_id).first()
    )
    if product is None or not user_can(user, product.supplier.pairing, action):
        raise Http404
    return product


def certified_product_ids(on: date, product_ids: list[int] | None = None) -> set[int]:
    """Products certified on *on* (among *product_ids*, or all)."""
    spans_q = Certification.objects.filter(
        status__in=[Certification.Status.CERTIFIED, Certification.Status.WITHDRAWN],
        valid_from__lte=on,
        valid_to__gte=on,
    ).filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on))
    if product_ids is not None:
        spans_q = spans_q.filter(product_id__in=product_ids)
    return set(spans_q.values_list("product_id", flat=True))


def is_certified_on(product: Product, day: date) -> bool:
    return rules.is_certified_on(validities([product.pk]).get(product.pk, []), day)


def certifications_for_user(
    user: User, *, pairing: Pairing | None = None, open_only: bool = False
) -> QuerySet[Certification]:
    found = Certification.objects.filter(
        product__supplier__pairing__in=_scope(user, pairing)
    ).select_related("product__supplier")
    if open_only:
        found = found.filter(
            status__in=[
                Certification.Status.APPLIED,
                Certification.Status.REVIEWED,
                Certification.Status.RECHECKED,
                Certification.Status.PUBLICISED,
            ]
        )
    return found


def get_certification_for_user(
    user: User, certification_id: int, action: str = Action.VIEW
) -> Certification:
    cert = (
        Certification.objects.select_related("product__supplier__pairing")
        .filter(pk=certification_id)
        .first()
    )
    if cert is None or not user_can(user, cert.product.supplier.pairing, action):
        raise Http404
    return cert


# Channels, buyers, tokens --------------------------------------------------------------------


def channels_for_user(user: User, *, pairing: Pairing | None = None) -> QuerySet[Channel]:
    return Channel.objects.filter(pairing__in=_scope(user, pairing)).select_related(
        "operator", "pairing"
    )


def get_channel_for_user(user: User, channel_id: int, action: str = Action.VIEW) -> Channel:
    channel = Channel.objects.select_related("pairing").filter(pk=channel_id).first()
    if channel is None or not user_can(user, channel.pairing, action):
        raise Http404
    return channel


def channel_for_key(key: str) -> ChannelToken | None:
    """The live token whose key this is (compared by hash), with its channel."""
    if not key or not key.startswith("sh_"):
        return None
    return (
        ChannelToken.objects.select_related("channel__pairing")
        .filter(key_hash=rules.hash_key(key), revoked_at__isnull=True, channel__is_active=True)
        .first()
    )


def buyers() -> QuerySet[Buyer]:
    return Buyer.objects.all()


@dataclass(frozen=True)
class QuotaProgress:
    buyer: Buyer
    year: int
    reserved: Decimal
    bought: Decimal

    @property
    def percent(self) -> Decimal | None:
        if not self.reserved:
            return None
        return (self.bought * 100 / self.reserved).quantize(Decimal("0.1"))


def quota_progress(year: int) -> list[QuotaProgress]:
    """Each budget unit's reserved 832 share for *year* against what it bought through 832."""
    quotas = list(BuyerQuota.objects.filter(year=year).select_related("buyer"))
    bought = dict(
        SaleLine.objects.filter(
            buyer_id__in=[q.buyer_id for q in quotas],
            channel__kind=Channel.Kind.PLATFORM_832,
            sold_on__year=year,
            is_excluded=False,
        )
        .values_list("buyer_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return [
        QuotaProgress(q.buyer, year, q.reserved_amount, bought.get(q.buyer_id) or Decimal(0))
        for q in quotas
    ]


# Sales ----------------------------------------------------------------------------------------


def sale_lines_for_user(user: User, *, pairing: Pairing | None = None) -> QuerySet[SaleLine]:
    """Lines credited to a pairing *user* may see, or sent by a channel they run."""
    scope = _scope(user, pairing)
    return SaleLine.objects.filter(
        Q(pairing__in=scope) | Q(channel__pairing__in=scope)
    ).select_related("channel", "product", "buyer", "pairing")


def flags_for_user(
    user: User, *, pairing: Pairing | None = None, status: str | None = SaleFlag.Status.OPEN
) -> QuerySet[SaleFlag]:
    scope = _scope(user, pairing)
    found = SaleFlag.objects.filter(
        Q(line__pairing__in=scope) | Q(line__channel__pairing__in=scope)
    ).select_related(
        "line__channel",
        "line__product",
        "line__pairing__east_place",
        "line__pairing__west_place",
        "line__pairing__east_organisation",
        "line__pairing__west_organisation",
        "other_line__channel",
    )
    if status:
        found = found.filter(status=status)
    return found


def flag_counts(user: User, *, pairing: Pairing | None = None) -> dict[str, int]:
    rows = (
        flags_for_user(user, pairing=pairing).values_list("kind").annotate(n=Count("pk")).order_by()
    )
    return dict(rows)


def months_for_user(user: User, *, pairing: Pairing | None = None) -> QuerySet[SalesMonth]:
    """Monthly sums of the lines credited to pairings *user* may see (pairing and below)."""
    return SalesMonth.objects.filter(pairing__in=_scope(user, pairing))


@dataclass(frozen=True)
class SalesTotals:
    counted_amount: Decimal
    counted_lines: int
    uncounted_amount: Decimal
    uncounted_lines: int


def sales_totals(months: QuerySet[SalesMonth]) -> SalesTotals:
    sums = months.aggregate(
        ca=Sum("amount", filter=Q(is_counted=True)),
        cl=Sum("lines", filter=Q(is_counted=True)),
        ua=Sum("amount", filter=Q(is_counted=False)),
        ul=Sum("lines", filter=Q(is_counted=False)),
    )
    return SalesTotals(
        sums["ca"] or Decimal(0), sums["cl"] or 0, sums["ua"] or Decimal(0), sums["ul"] or 0
    )


def sales_by(months: QuerySet[SalesMonth], dimension: str) -> list[dict[str, object]]:
    """Counted and uncounted sums by "month", "channel", "product", "category" or "mode"."""
    field = {
        "month": "month",
        "channel": "channel__name",
        "product": "product__name",
        "category": "product__category",
        "mode": "mode",
        "pairing": "pairing__name",
    }[dimension]
    rows = (
        months.values(field)
        .annotate(
            counted=Sum("amount", filter=Q(is_counted=True)),
            uncounted=Sum("amount", filter=Q(is_counted=False)),
            lines=Sum("lines"),
            quantity=Sum("quantity"),
        )
        .order_by(field if dimension == "month" else "-counted")
    )
    return [
        {
            "key": r[field],
            "counted": r["counted"] or Decimal(0),
            "uncounted": r["uncounted"] or Decimal(0),
            "lines": r["lines"] or 0,
            "quantity": r["quantity"] or Decimal(0),
        }
        for r in rows
    ]


# Demand and guidance -------------------------------------------------------------------------


def demands_for_user(user: User, *, pairing: Pairing | None = None) -> QuerySet[Demand]:
    return Demand.objects.filter(pairing__in=_scope(user, pairing)).select_related(
        "buyer", "matched_supplier"
    )


def get_demand_for_user(user: User, demand_id: int, action: str = Action.VIEW) -> Demand:
    demand = Demand.objects.select_related("pairing", "buyer").filter(pk=demand_id).first()
    if demand is None or not user_can(user, demand.pairing, action):
        raise Http404
    return demand


@dataclass(frozen=True)
class Match:
    product: Product
    supplier: Supplier
    price_per_kg: Decimal | None
    capacity_kg: Decimal | None
    in_season: bool
    score: int


def match_demand(demand: Demand) -> list[Match]:
    """Certified products of the demand's pairing (and those below it) that could meet
    *demand*: same category (and name, when given), certified on the first or the last delivery
    day, best first — in season, price in the band, enough capacity."""
    candidates = Product.objects.filter(
        category=demand.category, supplier__pairing__path__startswith=demand.pairing.path
    ).select_related("supplier", "origin")
    if demand.product_name:
        candidates = candidates.filter(name__contains=demand.product_name)
    ids = [p.pk for p in candidates]
    certified = certified_product_ids(demand.deliver_from, ids)
    certified |= certified_product_ids(demand.deliver_to, ids)
    window = _months_between(demand.deliver_from, demand.deliver_to)
    found: list[Match] = []
    for product in candidates:
        if product.pk not in certified:
            continue
        kg = rules.kg_per_unit(product.unit, product.unit_kg)
        price_kg = (product.reference_price / kg).quantize(Decimal("0.01")) if kg else None
        capacity_kg = product.capacity_quantity * kg if kg else None
        season = set(product.season_months or range(1, 13))
        in_season = bool(season & window)
        score = 0
        score += 2 if in_season else 0
        if price_kg is not None:
            low = demand.price_min if demand.price_min is not None else Decimal(0)
            high = demand.price_max if demand.price_max is not None else price_kg
            score += 2 if low <= price_kg <= high else 0
        if capacity_kg is not None and capacity_kg >= demand.quantity_kg:
            score += 1
        found.append(Match(product, product.supplier, price_kg, capacity_kg, in_season, score))
    found.sort(key=lambda m: (-m.score, -(m.capacity_kg or 0), m.product.pk))
    return found


def _months_between(start: date, end: date) -> set[int]:
    months: set[int] = set()
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month) and len(months) < 12:
        months.add(month)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def notices_for_pairing(
    pairing: Pairing, *, published_only: bool = True
) -> QuerySet[GuidanceNotice]:
    found = GuidanceNotice.objects.filter(pairing__path__startswith=pairing.path)
    if published_only:
        found = found.filter(published_on__isnull=False)
    return found.select_related("town")
