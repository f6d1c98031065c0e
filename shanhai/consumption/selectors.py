"""Reads for consumption assistance: who may see what, and the sums the pages show.

Sums come from SalesMonth (kept in step by the services), never from scanning sale lines, so a
dashboard reads the same few hundred rows with ten thousand lines or ten million.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Min, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shanhai.accounts.models import Action, Side, User
from shanhai.consumption import rules
from shanhai.consumption.models import (
    COUNTED_LINES,
    BenefitLinkage,
    Buyer,
    BuyerQuota,
    Certification,
    CertificationStep,
    Channel,
    ChannelToken,
    Demand,
    GuidanceNotice,
    Product,
    SaleFlag,
    SaleLine,
    SalesBatch,
    SalesMonth,
    Supplier,
)
from shanhai.ledger.models import Record
from shanhai.ledger.selectors import get_record_for_user
from shanhai.places.models import Pairing, Place
from shanhai.places.selectors import get_pairing_for_user, pairings_for_user, user_can

# An application still on its way to a decision.
OPEN_STATUSES = (
    Certification.Status.APPLIED,
    Certification.Status.REVIEWED,
    Certification.Status.RECHECKED,
    Certification.Status.PUBLICISED,
)
# A sale line that counts: certified on the day sold, not excluded, not held as a duplicate.


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


def _certificates_valid_on(on: date) -> QuerySet[Certification]:
    """Certificates that cover *on*: granted, in their dates, not withdrawn by then."""
    return Certification.objects.filter(
        status__in=[Certification.Status.CERTIFIED, Certification.Status.WITHDRAWN],
        valid_from__lte=on,
        valid_to__gte=on,
    ).filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on))


def certified_product_ids(on: date, product_ids: list[int] | None = None) -> set[int]:
    """Products certified on *on* (among *product_ids*, or all)."""
    spans_q = _certificates_valid_on(on)
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
        found = found.filter(status__in=OPEN_STATUSES)
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


def _month_sums() -> dict[str, Sum]:
    """What a table of monthly sums shows: counted and uncounted yuan, and lines."""
    return {
        "counted": Sum("amount", filter=Q(is_counted=True)),
        "uncounted": Sum("amount", filter=Q(is_counted=False)),
        "lines": Sum("lines"),
    }


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
        .annotate(**_month_sums(), quantity=Sum("quantity"))
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


# Pages ----------------------------------------------------------------------------------------
# The reads behind the consumption pages (views.py, views_market.py): each a query or two, shaped
# for a page. Objects given back "with" something carry it as an attribute the templates read.


def get_step_for_user(user: User, step_id: int) -> CertificationStep:
    """The certification step *step_id*, if *user* may see its certification (else 404)."""
    step = CertificationStep.objects.filter(pk=step_id).first()
    if step is None:
        raise Http404
    get_certification_for_user(user, step.certification_id)
    return step


def get_token_for_user(user: User, token_id: int) -> ChannelToken:
    """The API key *token_id*, if *user* may see its channel (else 404)."""
    token = ChannelToken.objects.filter(pk=token_id).first()
    if token is None:
        raise Http404
    token.channel = get_channel_for_user(user, token.channel_id)
    return token


def get_shown_pairing_for_user(user: User, code: str = "", action: str = Action.VIEW) -> Pairing:
    """The pairing *code*, else the widest one *user* may see: the pairing a market page shows.

    Raise Http404 when there is none to see, PermissionDenied when *user* may see it but not do
    *action* in it.
    """
    if code:
        return get_pairing_for_user(user, code, action)
    pairing = pairings_for_user(user).order_by("depth", "path").first()
    if pairing is None:
        raise Http404
    if action != Action.VIEW and not user_can(user, pairing, action):
        raise PermissionDenied
    return pairing


def get_public_pairing(code: str) -> Pairing:
    """The pairing *code*, for the growers' page, which anyone may read (404 if none)."""
    pairing = Pairing.objects.select_related("east_place", "west_place").filter(code=code).first()
    if pairing is None:
        raise Http404
    return pairing


def pairing_choices_for_user(user: User, limit: int = 300) -> list[Pairing]:
    """The pairings *user* may switch a market page to, in the tree's order."""
    return list(pairings_for_user(user).order_by("path")[:limit])


def west_places(pairings: Iterable[Pairing]) -> QuerySet[Place]:
    """Towns and villages on the western side of *pairings*: where suppliers produce."""
    roots: list[str] = []
    for path in sorted({p.west_place.path for p in pairings}):
        if not any(path.startswith(root) for root in roots):
            roots.append(path)
    if not roots:
        return Place.objects.none()
    return Place.objects.filter(
        reduce(or_, (Q(path__startswith=root) for root in roots)),
        side=Side.WEST,
        level__in=[Place.Level.TOWN, Place.Level.VILLAGE],
    ).order_by("path")


def west_towns(pairings: Iterable[Pairing]) -> QuerySet[Place]:
    """The towns among west_places(*pairings*)."""
    return west_places(pairings).filter(level=Place.Level.TOWN)


def townships(pairing: Pairing) -> list[Place]:
    """The townships of the pairing's western place (the place itself when it is one)."""
    west = pairing.west_place
    return list(
        Place.objects.filter(path__startswith=west.path, level=Place.Level.TOWN).order_by("path")
    )


# Certification badges and the queue


@dataclass(frozen=True)
class Badge:
    """A product's certification as a list shows it: 已认定 until …, 公示中, 审核中, 未认定 …"""

    state: str  # certified, notice, review, none, rejected, withdrawn, expired
    until: date | None = None
    certification_id: int | None = None

    @property
    def label(self) -> str:
        if self.state == "certified" and self.until:
            return _("Certified until %(day)s") % {"day": _date_text(self.until)}
        return {
            "notice": _("Under public notice"),
            "review": _("Under review"),
            "none": _("Not certified"),
            "rejected": _("Not certified"),
            "withdrawn": _("Certificate withdrawn"),
            "expired": _("Certificate expired"),
        }.get(self.state, _("Not certified"))

    @property
    def css(self) -> str:
        colour = {"certified": "status-confirmed", "notice": "status-pending"}.get(self.state)
        colour = colour or ("status-pending" if self.state == "review" else "muted")
        return f"cert-{self.state} {colour}"


def _date_text(day: date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def product_badges(product_ids: list[int], today: date) -> dict[int, Badge]:
    """The badge of each product, from all its certifications, in one query."""
    badges: dict[int, Badge] = dict.fromkeys(product_ids, Badge("none"))
    latest: dict[int, Certification] = {}
    valid: dict[int, Certification] = {}
    certifications = Certification.objects.filter(product_id__in=product_ids).order_by(
        "applied_on", "id"
    )
    for cert in certifications:
        latest[cert.product_id] = cert
        if (
            cert.status == Certification.Status.CERTIFIED
            and cert.valid_from is not None
            and cert.valid_to is not None
            and cert.valid_from <= today <= cert.valid_to
        ):
            valid[cert.product_id] = cert
    for product_id, cert in latest.items():
        current = valid.get(product_id)
        if current is not None:  # a renewal under way does not hide a valid certificate
            badges[product_id] = Badge("certified", current.valid_to, current.pk)
            continue
        status = cert.status
        if status == Certification.Status.PUBLICISED:
            badges[product_id] = Badge("notice", cert.publicity_to, cert.pk)
        elif status in OPEN_STATUSES:
            badges[product_id] = Badge("review", None, cert.pk)
        elif status == Certification.Status.CERTIFIED:
            expired = cert.valid_to is not None and cert.valid_to < today
            state = "expired" if expired else "certified"
            badges[product_id] = Badge(state, cert.valid_to, cert.pk)
        elif status == Certification.Status.WITHDRAWN:
            badges[product_id] = Badge("withdrawn", cert.withdrawn_on, cert.pk)
        else:
            badges[product_id] = Badge("rejected", None, cert.pk)
    return badges


def with_badges(products: Iterable[Product], today: date) -> list[Product]:
    """*products*, each with its .badge (one query for them all)."""
    found = list(products)
    badges = product_badges([product.pk for product in found], today)
    for product in found:
        product.badge = badges[product.pk]  # type: ignore[attr-defined]
    return found


def certified_product_count(user: User, today: date) -> int:
    """How many of the products *user* may see are certified *today*."""
    certified = _certificates_valid_on(today).values("product_id")
    return products_for_user(user).filter(pk__in=certified).count()


def open_certification(certifications: Iterable[Certification]) -> Certification | None:
    """The first of *certifications* still waiting for a decision."""
    return next((c for c in certifications if c.status in OPEN_STATUSES), None)


def waiting_for(cert: Certification, today: date, *, unanswered: int = 0) -> str:
    """What an open application waits for, in a few words (*unanswered*: objections)."""
    status = cert.status
    if status == Certification.Status.APPLIED:
        return _("The county's review and stamp")
    if status == Certification.Status.REVIEWED:
        return _("The re-check")
    if status == Certification.Status.RECHECKED:
        return _("The public notice to start")
    if unanswered > 0:
        return ngettext(
            "An answer to %(count)d objection",
            "Answers to %(count)d objections",
            unanswered,
        ) % {"count": unanswered}
    if cert.publicity_to and today <= cert.publicity_to:
        return _("The public notice to end on %(day)s") % {"day": _date_text(cert.publicity_to)}
    if cert.unmet_criteria:
        return _("Criteria still unmet: %(count)d") % {"count": len(cert.unmet_criteria)}
    return _("The decision: ready to certify")


def is_ready_to_certify(cert: Certification, today: date, *, unanswered: int = 0) -> bool:
    """Whether the public notice is over, every criterion met and every objection answered."""
    return (
        cert.status == Certification.Status.PUBLICISED
        and cert.publicity_to is not None
        and today > cert.publicity_to
        and not cert.unmet_criteria
        and unanswered <= 0
    )


def _status_counts(certifications: QuerySet[Certification]) -> dict[str, int]:
    return dict(certifications.values_list("status").annotate(n=Count("pk")).order_by())


def open_certification_counts(user: User) -> dict[str, int]:
    """Open applications *user* may see, counted by status."""
    return _status_counts(certifications_for_user(user, open_only=True))


@dataclass
class QueueGroup:
    status: str
    label: str
    count: int
    items: list[Certification] = field(default_factory=list)


@dataclass(frozen=True)
class CertificationQueue:
    groups: list[QueueGroup]
    total: int  # open applications
    shown: int  # of which listed


def certification_queue_for_user(user: User, *, today: date, limit: int) -> CertificationQueue:
    """Open applications *user* may see by status, oldest first, at most *limit* listed; each
    with .waiting_for (in words) and .is_ready (to certify)."""
    open_ones = certifications_for_user(user, open_only=True)
    counts = _status_counts(open_ones)
    items = list(
        open_ones.select_related("product__supplier__pairing")
        .annotate(
            objections=Count("steps", filter=Q(steps__kind=CertificationStep.Kind.OBJECTION)),
            answers=Count("steps", filter=Q(steps__kind=CertificationStep.Kind.ANSWERED)),
        )
        .order_by("applied_on", "id")[:limit]
    )
    groups: dict[str, QueueGroup] = {
        status: QueueGroup(status, str(Certification.Status(status).label), counts.get(status, 0))
        for status in OPEN_STATUSES
    }
    for cert in items:
        unanswered = cert.objections - cert.answers
        cert.waiting_for = waiting_for(  # type: ignore[attr-defined]
            cert, today, unanswered=unanswered
        )
        cert.is_ready = is_ready_to_certify(  # type: ignore[attr-defined]
            cert, today, unanswered=unanswered
        )
        groups[cert.status].items.append(cert)
    return CertificationQueue(list(groups.values()), sum(counts.values()), len(items))


@dataclass(frozen=True)
class StepHistory:
    """The steps of one application so far, and its objections."""

    steps: list[CertificationStep]
    objections: int
    answers: int

    @property
    def unanswered(self) -> int:
        return max(self.objections - self.answers, 0)


def certification_history(certification: Certification) -> StepHistory:
    steps = list(certification.steps.select_related("done_by"))
    return StepHistory(
        steps,
        objections=sum(1 for s in steps if s.kind == CertificationStep.Kind.OBJECTION),
        answers=sum(1 for s in steps if s.kind == CertificationStep.Kind.ANSWERED),
    )


def product_certifications(product: Product) -> list[Certification]:
    """The product's applications, newest first, with their steps and who took them."""
    return list(
        product.certifications.prefetch_related(
            Prefetch("steps", queryset=CertificationStep.objects.select_related("done_by"))
        )
    )


# Suppliers and their products


def suppliers_with_products(suppliers: QuerySet[Supplier]) -> QuerySet[Supplier]:
    """*suppliers* with their products, in name order, and the parties their pairing is named
    by (a line shows the pairing: without them, two queries a supplier)."""
    return suppliers.select_related(
        "pairing__east_place",
        "pairing__west_place",
        "pairing__east_organisation",
        "pairing__west_organisation",
    ).prefetch_related(
        Prefetch("products", queryset=Product.objects.order_by("name", "spec", "id"))
    )


def suppliers_with_badges(suppliers: Iterable[Supplier], today: date) -> list[Supplier]:
    """*suppliers* (from suppliers_with_products), each product with its .badge."""
    found = list(suppliers)
    with_badges([product for supplier in found for product in supplier.products.all()], today)
    return found


def supplier_products(
    supplier: Supplier, *, months: QuerySet[SalesMonth], today: date
) -> list[Product]:
    """The supplier's products, each with its .badge and its .sums in *months*."""
    products = with_badges(
        supplier.products.select_related("origin").order_by("name", "spec", "id"), today
    )
    sums = _sums_by(months, "product_id")
    for product in products:
        product.sums = sums.get(product.pk, {})  # type: ignore[attr-defined]
    return products


def supplier_linkages(supplier: Supplier) -> list[BenefitLinkage]:
    """How the supplier linked farmers, year by year, latest first."""
    return list(supplier.linkages.all())


def supplier_linkage(supplier: Supplier, year: int) -> BenefitLinkage | None:
    return supplier.linkages.filter(year=year).first()


# Sales: monthly sums, channels, lines and flags


def sales_months(
    months: QuerySet[SalesMonth],
    *,
    year: int | None = None,
    supplier: Supplier | None = None,
    product: Product | None = None,
    channel: Channel | None = None,
    mode: str | None = None,
) -> QuerySet[SalesMonth]:
    """The monthly sums among *months* of a year, supplier, product, channel or sale mode."""
    wanted = {
        "product__supplier": supplier,
        "product": product,
        "channel": channel,
        "month__year": year,
        "mode": mode,
    }
    for lookup, value in wanted.items():
        if value is not None:
            months = months.filter(**{lookup: value})
    return months


def channel_months(channels: Channel | QuerySet[Channel]) -> QuerySet[SalesMonth]:
    """Monthly sums of the lines *channels* sent, whichever pairing they are credited to."""
    if isinstance(channels, Channel):
        return SalesMonth.objects.filter(channel=channels)
    return SalesMonth.objects.filter(channel__in=channels.values("pk"))


def sales_years(months: QuerySet[SalesMonth]) -> list[int]:
    """The years from the first month of *months* with sales to the last, latest first.

    One MIN and MAX over the monthly sums, computed by the database itself (a DISTINCT over
    the months' years called a Python function per row on SQLite: half the consumption home
    page at county scale). A year in between with no sale is offered too, and shows zero.
    """
    span = months.aggregate(first=Min("month"), last=Max("month"))
    if span["first"] is None:
        return []
    return list(range(span["last"].year, span["first"].year - 1, -1))


def _sums_by(months: QuerySet[SalesMonth], key: str) -> dict[int, dict[str, Any]]:
    """Counted and uncounted amounts and lines of *months*, by *key* ("channel_id" …)."""
    rows = months.values(key).annotate(**_month_sums()).order_by()
    return {row[key]: row for row in rows}


def channel_sums(channel_ids: list[int], year: int) -> dict[int, dict[str, Any]]:
    """Counted and uncounted amounts and lines each channel sent in *year*."""
    months = SalesMonth.objects.filter(channel_id__in=channel_ids, month__year=year)
    return _sums_by(months, "channel_id")


def open_flags_by_channel(channel_ids: list[int]) -> dict[int, int]:
    rows = (
        SaleFlag.objects.filter(status=SaleFlag.Status.OPEN, line__channel_id__in=channel_ids)
        .values_list("line__channel_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return dict(rows)


def channels_with_figures(channels: Iterable[Channel], year: int) -> list[Channel]:
    """*channels*, each with its .sums in *year* and its .open_flags."""
    found = list(channels)
    ids = [channel.pk for channel in found]
    sums = channel_sums(ids, year)
    flags = open_flags_by_channel(ids)
    for channel in found:
        channel.sums = sums.get(channel.pk, {})  # type: ignore[attr-defined]
        channel.open_flags = flags.get(channel.pk, 0)  # type: ignore[attr-defined]
    return found


def channel_batches(channel: Channel) -> QuerySet[SalesBatch]:
    """What the channel sent, batch by batch, latest first."""
    return channel.batches.select_related("received_by", "token").order_by("-received_at", "-id")


def channel_tokens(channel: Channel) -> list[ChannelToken]:
    return list(channel.tokens.select_related("created_by"))


def batches_for_user(user: User) -> QuerySet[SalesBatch]:
    """Batches sent by the channels *user* may see."""
    channels = channels_for_user(user).values("pk")
    return SalesBatch.objects.filter(channel__in=channels).select_related("channel")


@dataclass(frozen=True)
class Overview:
    """What the pairings *user* may see hold, and what waits for them."""

    suppliers: int
    products: int
    certified: int  # products certified today
    open_certifications: dict[str, int]  # by status
    open_flags: dict[str, int]  # by kind
    batches: list[SalesBatch]  # the latest received


def overview_for_user(user: User, *, today: date, batches: int = 8) -> Overview:
    return Overview(
        suppliers=suppliers_for_user(user).count(),
        products=products_for_user(user).count(),
        certified=certified_product_count(user, today),
        open_certifications=open_certification_counts(user),
        open_flags=flag_counts(user),
        batches=list(batches_for_user(user).select_related("received_by")[:batches]),
    )


def product_choices_for_user(user: User) -> QuerySet[Product]:
    """The products *user* may record sales of, by name."""
    return products_for_user(user).select_related("supplier").order_by("name", "spec", "id")


def buyer_choices() -> QuerySet[Buyer]:
    return buyers().order_by("name")


def find_product_for_user(user: User, product_id: int) -> Product | None:
    """The product *product_id* if *user* may see it; None, not 404, for a filter's heading."""
    return products_for_user(user).filter(pk=product_id).first()


def sale_lines_matching(
    user: User,
    *,
    channel: int | None = None,
    product: int | None = None,
    q: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    counted: str = "",
    event: int | None = None,
) -> QuerySet[SaleLine]:
    """The sale lines *user* may see of a channel, a product (by id or a part of its name), a
    sales event (a livestream, an expo), sold in a period, counted ("yes") or not ("no")."""
    lines = sale_lines_for_user(user)
    if event:
        lines = lines.filter(sales_event_id=event)
    if channel:
        lines = lines.filter(channel_id=channel)
    if product:
        lines = lines.filter(product_id=product)
    if q:
        lines = lines.filter(product__name__contains=q.strip())
    if date_from:
        lines = lines.filter(sold_on__gte=date_from)
    if date_to:
        lines = lines.filter(sold_on__lte=date_to)
    if counted == "yes":
        lines = lines.filter(COUNTED_LINES)
    elif counted == "no":
        lines = lines.exclude(COUNTED_LINES)
    return lines


@dataclass
class LinePage:
    """A page of sale lines without counting them all: the table can hold millions."""

    lines: list[SaleLine]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def sale_lines_page(lines: QuerySet[SaleLine], *, number: int, per_page: int) -> LinePage:
    """Page *number* of *lines*, latest first, with their flags: one row more tells if there
    is a next page."""
    start = (number - 1) * per_page
    rows = list(
        lines.prefetch_related(
            Prefetch("flags", queryset=SaleFlag.objects.order_by("id"))
        ).order_by("-sold_on", "-id")[start : start + per_page + 1]
    )
    return LinePage(rows[:per_page], number, len(rows) > per_page)


def flags_of_lines(line_ids: list[int]) -> dict[int, list[SaleFlag]]:
    """The flags raised on each of *line_ids*, oldest first."""
    found: dict[int, list[SaleFlag]] = defaultdict(list)
    for flag in SaleFlag.objects.filter(line_id__in=line_ids).order_by("id"):
        found[flag.line_id].append(flag)
    return found


def flags_matching(
    user: User, *, status: str, kind: str = "", channel: int | None = None
) -> QuerySet[SaleFlag]:
    """The flags *user* may see in *status*, of a kind and a channel, latest first, with what
    the queue shows of their lines."""
    flags = flags_for_user(user, status=None)
    if kind:
        flags = flags.filter(kind=kind)
    if channel:
        flags = flags.filter(line__channel_id=channel)
    return (
        flags.filter(status=status)
        .select_related(
            "line__buyer",
            "line__pairing__east_place",
            "line__pairing__west_place",
            "line__pairing__east_organisation",
            "line__pairing__west_organisation",
            "resolved_by",
        )
        .order_by("-id")
    )


def chosen_flags_for_user(user: User, flag_ids: Iterable[int]) -> QuerySet[SaleFlag]:
    """The flags among *flag_ids* that *user* may see, whatever their status."""
    return flags_for_user(user, status=None).filter(pk__in=list(flag_ids))


def open_flag_count(user: User) -> int:
    return flags_for_user(user).count()


# The market pages


def quota_years() -> list[int]:
    """The years some reserved 832 share is set for, latest first."""
    return sorted(set(BuyerQuota.objects.values_list("year", flat=True).distinct()), reverse=True)


def open_demand(pairing: Pairing) -> list[Demand]:
    """Open demand posted in *pairing* and below, soonest first."""
    return list(
        Demand.objects.filter(
            pairing__path__startswith=pairing.path, status=Demand.Status.OPEN
        ).order_by("deliver_from", "id")
    )


@dataclass(frozen=True)
class EventSales:
    """A sales event (livestream, expo) of the ledger and the sale lines linked to it."""

    event: Record
    counted_amount: Decimal
    counted_lines: int
    lines: int


def event_sales_for_user(user: User, event_id: int) -> EventSales:
    """The sales event *event_id* (404 unless *user* may see it) and its linked sales."""
    event = get_record_for_user(user, event_id)
    if event.kind != Record.Kind.SALES_EVENT:
        raise Http404
    sums = SaleLine.objects.filter(sales_event_id=event.pk).aggregate(
        amount=Sum("amount", filter=COUNTED_LINES),
        counted=Count("pk", filter=COUNTED_LINES),
        lines=Count("pk"),
    )
    return EventSales(event, sums["amount"] or Decimal(0), sums["counted"], sums["lines"])
