"""Writes for consumption assistance: register suppliers and products, run certification, take in
sales from every channel (idempotently, flagged, counted only when certified), resolve flags, post
demand and publish guidance.

Every write keeps three things in step in its own transaction: the sale lines, their monthly sums
(SalesMonth, read by the dashboards) and the facts the indicators read.
"""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import BooleanField, Count, F, Func, Q, QuerySet, Sum, Value
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from shanhai.accounts.models import Action, Side, User
from shanhai.consumption import facts, rules
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
    SaleMode,
    SalesBatch,
    SalesMonth,
    Supplier,
)
from shanhai.consumption.selectors import OPEN_STATUSES, validities
from shanhai.core import uploads
from shanhai.core.concurrency import claim_edit
from shanhai.core.copy import copy_rows, update_rows
from shanhai.core.formats import partial_date
from shanhai.core.services import record_audit_event
from shanhai.ledger.models import SalesEvent
from shanhai.places.models import Pairing, Place
from shanhai.places.selectors import is_year_locked, root_ids, user_can

MAX_BATCH_LINES = 10_000
EARLIEST_SALE = date(2000, 1, 1)


def _require(user: User, pairing: Pairing, action: str = Action.RECORD) -> None:
    if not user_can(user, pairing, action):
        raise PermissionDenied


def _save(obj: Any) -> None:
    obj.full_clean()
    obj.save()


# Suppliers and products ---------------------------------------------------------------------


@transaction.atomic
def register_supplier(*, pairing: Pairing, recorded_by: User, **fields: Any) -> Supplier:
    """Register a western supplier in *pairing* (name, kind, place, credit code, contact …)."""
    _require(recorded_by, pairing)
    fields.setdefault("registered_on", timezone.localdate())
    supplier = Supplier(pairing=pairing, **fields)
    _save(supplier)
    facts.refresh_supplier_facts(supplier)
    record_audit_event(actor=recorded_by, action="consumption.supplier.register", target=supplier)
    return supplier


@transaction.atomic
def update_supplier(
    *, supplier: Supplier, changed_by: User, loaded_version: datetime | None = None, **fields: Any
) -> Supplier:
    """Correct a supplier; raise EditConflictError if it changed since *loaded_version*."""
    _require(changed_by, supplier.pairing)
    claim_edit(supplier, loaded_version)
    for name, value in fields.items():
        setattr(supplier, name, value)
    _save(supplier)
    facts.refresh_supplier_facts(supplier)
    record_audit_event(
        actor=changed_by,
        action="consumption.supplier.update",
        target=supplier,
        details={"fields": sorted(fields)},
    )
    return supplier


@transaction.atomic
def record_linkage(
    *, supplier: Supplier, year: int, recorded_by: User, **fields: Any
) -> BenefitLinkage:
    """Record (or correct) how *supplier* linked farmers in *year* and what it paid them."""
    _require(recorded_by, supplier.pairing)
    linkage = BenefitLinkage.objects.filter(supplier=supplier, year=year).first()
    linkage = linkage or BenefitLinkage(supplier=supplier, year=year)
    for name, value in fields.items():
        setattr(linkage, name, value)
    _save(linkage)
    facts.refresh_linkage_facts(linkage)
    record_audit_event(
        actor=recorded_by,
        action="consumption.linkage.record",
        target=supplier,
        details={"year": year},
    )
    return linkage


@transaction.atomic
def register_product(*, supplier: Supplier, recorded_by: User, **fields: Any) -> Product:
    """Register a product of *supplier*: name, category, spec, unit, price, season, capacity."""
    _require(recorded_by, supplier.pairing)
    fields.setdefault("origin", supplier.place)
    product = Product(supplier=supplier, **fields)
    product.season_months = sorted(set(product.season_months or []))
    _save(product)
    record_audit_event(actor=recorded_by, action="consumption.product.register", target=product)
    return product


@transaction.atomic
def update_product(
    *, product: Product, changed_by: User, loaded_version: datetime | None = None, **fields: Any
) -> Product:
    """Correct a product; raise EditConflictError if it changed since *loaded_version*."""
    _require(changed_by, product.supplier.pairing)
    claim_edit(product, loaded_version)
    for name, value in fields.items():
        setattr(product, name, value)
    product.season_months = sorted(set(product.season_months or []))
    _save(product)
    record_audit_event(
        actor=changed_by,
        action="consumption.product.update",
        target=product,
        details={"fields": sorted(fields)},
    )
    return product


# Certification -------------------------------------------------------------------------------

Status = Certification.Status
Step = CertificationStep.Kind

# Which step may follow which status: the county reviews and stamps, the city (or the eastern
# side) re-checks, a public notice runs, then the product is certified or rejected.
NEXT_STEPS: dict[str, set[str]] = {
    Status.APPLIED: {Step.REVIEWED, Step.REJECTED},
    Status.REVIEWED: {Step.RECHECKED, Step.REJECTED},
    Status.RECHECKED: {Step.PUBLICISED, Step.REJECTED},
    Status.PUBLICISED: {Step.CERTIFIED, Step.REJECTED, Step.OBJECTION, Step.ANSWERED},
    Status.CERTIFIED: {Step.WITHDRAWN},
    Status.REJECTED: set(),
    Status.WITHDRAWN: set(),
}


@transaction.atomic
def apply_for_certification(
    *,
    product: Product,
    applied_by: User,
    applied_on: date | None = None,
    criteria: Iterable[str] = (),
    note: str = "",
    evidence: Any = None,
) -> Certification:
    """Open a certification application for *product*, with the criteria the applicant claims."""
    _require(applied_by, product.supplier.pairing)
    day = applied_on or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError({"applied_on": _("A step cannot be dated in the future.")})
    if Certification.objects.filter(
        product=product,
        status__in=OPEN_STATUSES,
    ).exists():
        raise ValidationError(_("This product already has an application in progress."))
    claimed = set(criteria)
    unknown = claimed - set(Certification.CRITERIA)
    if unknown:
        raise ValidationError(_("Unknown criteria: %(names)s") % {"names": ", ".join(unknown)})
    certification = Certification(product=product, applied_on=day, **dict.fromkeys(claimed, True))
    _save(certification)
    _add_step(certification, Step.APPLIED, applied_by, day, note, evidence)
    return certification


def _add_step(
    certification: Certification,
    kind: str,
    by: User,
    day: date,
    note: str = "",
    evidence: Any = None,
) -> CertificationStep:
    step = CertificationStep(
        certification=certification, kind=kind, done_by=by, done_on=day, note=note
    )
    if evidence:
        # Checked by content and stored under its hash, never under the uploader's name.
        checked = uploads.check_upload(evidence)
        content: Any = evidence
        if checked.is_image:
            content = uploads.reencode_image(evidence, checked.content_type)
        step.evidence.save(f"{checked.sha256}.{checked.extension}", content, save=False)
    _save(step)
    record_audit_event(
        actor=by,
        action=f"consumption.certification.{kind}",
        target=certification,
        details={"on": day.isoformat(), "note": note[:200]},
    )
    return step


@transaction.atomic
def advance_certification(
    *,
    certification: Certification,
    step: str,
    by: User,
    on: date | None = None,
    note: str = "",
    evidence: Any = None,
    criteria: Iterable[str] | None = None,
    publicity_to: date | None = None,
    certificate_number: str = "",
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> Certification:
    """Take *certification* one step on (review, re-check, notice, objection, certify …)."""
    certification = Certification.objects.select_for_update().get(pk=certification.pk)
    product = certification.product
    # Deciding on a certification is an office's work (the county commerce bureau), not a
    # liaison's: the same permission as setting targets.
    _require(by, product.supplier.pairing, Action.PLAN)
    day = on or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError({"on": _("A step cannot be dated in the future.")})
    if step not in NEXT_STEPS[certification.status]:
        raise ValidationError(
            _("A certification that is “%(status)s” cannot go to “%(step)s”.")
            % {"status": certification.get_status_display(), "step": Step(step).label}
        )
    if criteria is not None:
        checked = set(criteria)
        for name in Certification.CRITERIA:
            setattr(certification, name, name in checked)
    if step == Step.REVIEWED or step == Step.RECHECKED:
        certification.status = step
    elif step == Step.PUBLICISED:
        if publicity_to is None or publicity_to < day:
            raise ValidationError(
                {"publicity_to": _("Give the last day of the public notice, on or after today.")}
            )
        certification.status = Status.PUBLICISED
        certification.publicity_from, certification.publicity_to = day, publicity_to
    elif step == Step.OBJECTION or step == Step.ANSWERED:
        if not note.strip():
            raise ValidationError({"note": _("Say what the objection is, or how it was checked.")})
    elif step == Step.CERTIFIED:
        _check_can_certify(certification, day, certificate_number, valid_from, valid_to)
        certification.status = Status.CERTIFIED
        certification.certificate_number = certificate_number.strip()
        certification.valid_from, certification.valid_to = valid_from, valid_to
    elif step == Step.REJECTED:
        if not note.strip():
            raise ValidationError({"note": _("Give the reason for rejecting.")})
        certification.status = Status.REJECTED
    elif step == Step.WITHDRAWN:
        if not note.strip():
            raise ValidationError({"note": _("Give the reason for withdrawing.")})
        certification.status = Status.WITHDRAWN
        certification.withdrawn_on = day
    _save(certification)
    _add_step(certification, step, by, day, note, evidence)
    if step in {Step.CERTIFIED, Step.WITHDRAWN}:
        facts.refresh_certification_facts(certification)
        recount_product(product)
    return certification


def _check_can_certify(
    certification: Certification,
    day: date,
    number: str,
    valid_from: date | None,
    valid_to: date | None,
) -> None:
    errors: dict[str, str] = {}
    if certification.unmet_criteria:
        labels = [
            str(getattr(Certification._meta.get_field(name), "verbose_name", name))
            for name in certification.unmet_criteria
        ]
        errors["criteria"] = _("Criteria not met: %(names)s.") % {"names": "、".join(labels)}
    if certification.publicity_to and day <= certification.publicity_to:
        errors["on"] = _("The public notice runs until %(day)s; certify after it ends.") % {
            "day": partial_date(certification.publicity_to)
        }
    objections = certification.steps.filter(kind=Step.OBJECTION).count()
    answered = certification.steps.filter(kind=Step.ANSWERED).count()
    if objections > answered:
        errors["note"] = _(
            "%(count)s objection(s) raised during the public notice are not answered yet."
        ) % {"count": objections - answered}
    if not number.strip():
        errors["certificate_number"] = _("Give the certificate number.")
    elif (
        Certification.objects.filter(certificate_number=number.strip())
        .exclude(pk=certification.pk)
        .exists()
    ):
        errors["certificate_number"] = _("This certificate number is already used.")
    if valid_from is None or valid_to is None:
        errors["valid_to"] = _("Give the dates the certificate is valid from and to.")
    elif valid_to < valid_from:
        errors["valid_to"] = _("A certificate cannot end before it starts.")
    if errors:
        raise ValidationError(errors)


def _certified_q(spans: list[rules.Validity]) -> Q:
    q = Q(pk__in=[])
    for span in spans:
        part = Q(sold_on__gte=span.valid_from, sold_on__lte=span.valid_to)
        if span.withdrawn_on is not None:
            part &= Q(sold_on__lt=span.withdrawn_on)
        q |= part
    return q


def recount_product(product: Product) -> int:
    """Recompute which of *product*'s lines were certified when sold; return how many changed."""
    spans = validities([product.pk]).get(product.pk, [])
    certified = _certified_q(spans)
    lines = SaleLine.objects.filter(product=product)
    now_certified = list(lines.filter(certified, is_certified=False).values_list("pk", flat=True))
    roots = dict(lines.filter(~certified, is_certified=True).values_list("pk", "root"))
    now_not = list(roots)

    def change() -> None:
        SaleLine.objects.filter(pk__in=now_certified).update(is_certified=True)
        SaleLine.objects.filter(pk__in=now_not).update(is_certified=False)
        SaleFlag.objects.filter(
            line_id__in=now_certified, kind=SaleFlag.Kind.UNCERTIFIED, status="open"
        ).update(
            status=SaleFlag.Status.ACCEPTED,
            resolved_at=timezone.now(),
            note=_("The product's certificate covers the date sold."),
        )
        detail = _("The certificate was withdrawn or does not cover the date sold.")
        SaleFlag.objects.bulk_create(
            [
                SaleFlag(
                    line_id=pk, root_id=roots[pk], kind=SaleFlag.Kind.UNCERTIFIED, detail=detail
                )
                for pk in now_not
            ],
            ignore_conflicts=True,
        )
        SaleFlag.objects.filter(line_id__in=now_not, kind=SaleFlag.Kind.UNCERTIFIED).update(
            status=SaleFlag.Status.OPEN, resolved_at=None, resolved_by=None
        )

    _recount([*now_certified, *now_not], change)
    return len(now_certified) + len(now_not)


# Channels, tokens, buyers ----------------------------------------------------------------------


@transaction.atomic
def register_channel(*, pairing: Pairing, recorded_by: User, **fields: Any) -> Channel:
    _require(recorded_by, pairing, Action.PLAN)
    channel = Channel(pairing=pairing, **fields)
    _save(channel)
    record_audit_event(actor=recorded_by, action="consumption.channel.register", target=channel)
    return channel


@transaction.atomic
def issue_channel_token(
    *, channel: Channel, name: str, issued_by: User
) -> tuple[ChannelToken, str]:
    """Make an API key for *channel*; return it with the key, which is shown this once only."""
    _require(issued_by, channel.pairing, Action.PLAN)
    key = "sh_" + secrets.token_urlsafe(32)
    token = ChannelToken(
        channel=channel,
        name=name,
        prefix=key[:11],
        key_hash=rules.hash_key(key),
        created_by=issued_by,
    )
    _save(token)
    record_audit_event(
        actor=issued_by, action="consumption.token.issue", target=channel, details={"name": name}
    )
    return token, key


@transaction.atomic
def revoke_channel_token(*, token: ChannelToken, revoked_by: User) -> ChannelToken:
    _require(revoked_by, token.channel.pairing, Action.PLAN)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_audit_event(
            actor=revoked_by,
            action="consumption.token.revoke",
            target=token.channel,
            details={"name": token.name, "prefix": token.prefix},
        )
    return token


@transaction.atomic
def register_buyer(*, recorded_by: User, pairing: Pairing, **fields: Any) -> Buyer:
    _require(recorded_by, pairing)
    buyer = Buyer(**fields)
    _save(buyer)
    record_audit_event(actor=recorded_by, action="consumption.buyer.register", target=buyer)
    return buyer


@transaction.atomic
def set_quota(
    *, buyer: Buyer, year: int, reserved_amount: Decimal, set_by: User, pairing: Pairing
) -> BuyerQuota:
    """Set *buyer*'s reserved 832 share for *year* (预留份额)."""
    _require(set_by, pairing, Action.PLAN)
    quota = BuyerQuota.objects.filter(buyer=buyer, year=year).first()
    quota = quota or BuyerQuota(buyer=buyer, year=year, reserved_amount=reserved_amount)
    quota.reserved_amount = reserved_amount
    _save(quota)
    record_audit_event(
        actor=set_by,
        action="consumption.quota.set",
        target=buyer,
        details={"year": year, "reserved": str(reserved_amount)},
    )
    return quota


# Sales ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SaleInput:
    """One sale line as a channel sends it, already parsed (references as ids)."""

    order_id: str
    sold_on: date
    product_id: int
    quantity: Decimal
    amount: Decimal
    pairing_id: int | None = None  # None: the pairing the product comes from
    buyer_id: int | None = None
    sales_event_id: int | None = None


@dataclass(frozen=True)
class LineError:
    index: int  # position in the batch, from 0
    order_id: str
    field: str
    message: str


@dataclass(frozen=True)
class LineResult:
    index: int
    order_id: str
    status: str  # "created", "replayed", "rejected"
    line_id: int | None = None
    is_counted: bool = False
    flags: tuple[str, ...] = ()


@dataclass
class IngestOutcome:
    batch: SalesBatch | None
    results: list[LineResult] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def created(self) -> int:
        return self.count("created")

    @property
    def replayed(self) -> int:
        return self.count("replayed")

    @property
    def rejected(self) -> int:
        return self.count("rejected")

    @property
    def flag_counts(self) -> dict[str, int]:
        return dict(Counter(kind for r in self.results for kind in r.flags))


def sale_mode(buyer: Buyer | None) -> str:
    """Purchased: an eastern body bought it. Helped: sold to the market through the channel."""
    if buyer is not None and buyer.side == Side.EAST and buyer.kind != Buyer.Kind.PUBLIC:
        return SaleMode.PURCHASED
    return SaleMode.HELPED


def _same_sale(line: SaleLine, sale: SaleInput, pairing_id: int) -> bool:
    return (
        line.sold_on == sale.sold_on
        and line.product_id == sale.product_id
        and line.quantity == sale.quantity
        and line.amount == sale.amount
        and line.buyer_id == sale.buyer_id
        and line.pairing_id == pairing_id
    )


def _dup_key(product_id: int, sold_on: date, quantity: Decimal, amount: Decimal, buyer: Any) -> Any:
    return (product_id, sold_on, Decimal(quantity).normalize(), Decimal(amount).normalize(), buyer)


Flag = tuple[str, str, int | None]  # kind, detail, the other channel's line


class _AnyOf(Func):
    """`expression = ANY(array)`: true when the value is one of the array's."""

    arg_joiner = " = ANY("
    template = "%(expressions)s)"
    output_field = BooleanField()


def _order_id_in(order_ids: set[str]) -> Q | Func:
    """SaleLine.order_id IN order_ids. On PostgreSQL `order_id = ANY(%s)`, one array parameter:
    for a batch of 10,000, a third of the time Django and psycopg take over 10,000 placeholders."""
    if connection.vendor != "postgresql":
        return Q(order_id__in=order_ids)
    return _AnyOf(F("order_id"), Value(sorted(order_ids)))


@dataclass
class _Batch:
    """What a batch refers to, each loaded with one query before any line is checked."""

    channel: Channel
    products: dict[int, Product]
    pairings: dict[int, Pairing]
    buyers: dict[int, Buyer]
    events: set[int]
    existing: dict[str, SaleLine]
    existing_flags: dict[int, tuple[str, ...]]
    locked: dict[tuple[int, int], bool] = field(default_factory=dict)

    @classmethod
    def load(cls, channel: Channel, sales: Sequence[SaleInput]) -> _Batch:
        # One batch per channel at a time: the order ids it looks up below are unique per
        # channel in every root, which the database checks only within a root.
        list(Channel.objects.select_for_update().filter(pk=channel.pk).values_list("pk"))
        products = Product.objects.select_related("supplier__pairing").in_bulk(
            {s.product_id for s in sales}
        )
        pairing_ids = {s.pairing_id for s in sales if s.pairing_id}
        pairing_ids |= {p.supplier.pairing_id for p in products.values()}
        existing = {
            line.order_id: line
            for line in SaleLine.objects.filter(
                _order_id_in({s.order_id.strip() for s in sales}), channel=channel
            )
        }
        flags: dict[int, list[str]] = defaultdict(list)
        for line_id, kind in SaleFlag.objects.filter(
            line_id__in=[line.pk for line in existing.values()]
        ).values_list("line_id", "kind"):
            flags[line_id].append(kind)
        events = SalesEvent.objects.filter(pk__in={s.sales_event_id for s in sales})
        return cls(
            channel=channel,
            products=products,
            pairings=Pairing.objects.in_bulk(pairing_ids),
            buyers=Buyer.objects.in_bulk({s.buyer_id for s in sales if s.buyer_id}),
            events=set(events.values_list("pk", flat=True)),
            existing=existing,
            existing_flags={pk: tuple(kinds) for pk, kinds in flags.items()},
        )

    def is_locked(self, pairing: Pairing, year: int) -> bool:
        key = (pairing.pk, year)
        if key not in self.locked:
            self.locked[key] = is_year_locked(pairing, year)
        return self.locked[key]


def _check_line(
    sale: SaleInput, refs: _Batch, seen: dict[str, tuple[SaleInput, int]], today: date
) -> tuple[str, str] | LineResult | tuple[Product, Pairing]:
    """Check one line: (field, message) when it is refused, a LineResult when it is a replay,
    or the product and the pairing credited when it is new."""
    order_id = sale.order_id.strip()
    if not order_id or len(order_id) > 64:
        return "order_id", _("Give the channel's order id (at most 64 characters).")
    product = refs.products.get(sale.product_id)
    if product is None:
        return "product", _("No product with this id.")
    pairing = refs.pairings.get(sale.pairing_id or product.supplier.pairing_id)
    if pairing is None:
        return "pairing", _("No pairing with this id.")
    previous = refs.existing.get(order_id)
    if previous is not None:
        if not _same_sale(previous, sale, pairing.pk):
            return "order_id", _(
                "This order was already reported with other values; it is not changed."
            )
        flags = refs.existing_flags.get(previous.pk, ())
        return LineResult(-1, order_id, "replayed", previous.pk, previous.is_counted, flags)
    if order_id in seen:
        if seen[order_id] != (sale, pairing.pk):
            return "order_id", _("The same order id appears twice in this batch.")
        return LineResult(-1, order_id, "replayed")
    if (message := _line_problem(sale, refs, today)) is not None:
        return message
    if refs.is_locked(pairing, sale.sold_on.year):
        return "sold_on", _(
            "%(year)s is locked for this pairing; its sales can no longer change."
        ) % {"year": sale.sold_on.year}
    seen[order_id] = (sale, pairing.pk)
    return product, pairing


MAX_NUMBER = Decimal(10) ** 12  # DecimalField(max_digits=14, decimal_places=2)


def _is_money(value: Decimal) -> bool:
    """Whether *value* fits the stored columns exactly: finite, below 10¹², two decimals."""
    return (
        value.is_finite() and abs(value) < MAX_NUMBER and value == value.quantize(Decimal("0.01"))
    )


def _line_problem(sale: SaleInput, refs: _Batch, today: date) -> tuple[str, str] | None:
    """The first thing wrong with a line's own values, as (field, message), or None.

    Messages are translated only for a line that fails: a clean batch of 10,000 lines costs no
    gettext call."""
    if sale.sold_on > today:
        return "sold_on", _("The date sold is in the future.")
    if sale.sold_on < EARLIEST_SALE:
        return "sold_on", _("The date sold is before 2000.")
    for field_name, value in (("quantity", sale.quantity), ("amount", sale.amount)):
        if not _is_money(value):
            return field_name, _("Give at most two decimals and less than 10¹².")
    if sale.quantity <= 0:
        return "quantity", _("The quantity must be more than zero.")
    if sale.amount < 0:
        return "amount", _("The amount cannot be negative.")
    if sale.buyer_id and sale.buyer_id not in refs.buyers:
        return "buyer", _("No buyer with this id.")
    if sale.sales_event_id and sale.sales_event_id not in refs.events:
        return "sales_event", _("No sales event with this id.")
    return None


@dataclass
class _Flagger:
    """Finds what is doubtful about new lines, remembering quantities sold so far this year."""

    spans: dict[int, list[rules.Validity]]
    used: dict[tuple[int, int], Decimal]
    elsewhere: dict[Any, tuple[int, str]]
    # Answers that depend on the product and the day, or the product and the pairing credited,
    # only: a batch of 10,000 lines asks about a few hundred of each.
    certified: dict[tuple[int, date], bool] = field(default_factory=dict)
    related: dict[tuple[int, int], bool] = field(default_factory=dict)

    def flags(self, sale: SaleInput, product: Product, pairing: Pairing) -> list[Flag]:
        found: list[Flag] = []
        on_day = (product.pk, sale.sold_on)
        certified = self.certified.get(on_day)
        if certified is None:
            spans = self.spans.get(product.pk, [])
            certified = self.certified[on_day] = rules.is_certified_on(spans, sale.sold_on)
        if not certified:
            found.append((SaleFlag.Kind.UNCERTIFIED, _("Not certified on the date sold."), None))
        if rules.price_is_off(
            amount=sale.amount, quantity=sale.quantity, reference=product.reference_price
        ):
            detail = _("%(price)s yuan per %(unit)s; reference %(reference)s.") % {
                "price": (sale.amount / sale.quantity).quantize(Decimal("0.01")),
                "unit": product.unit,
                "reference": product.reference_price,
            }
            found.append((SaleFlag.Kind.PRICE, detail, None))
        year = (product.pk, sale.sold_on.year)
        self.used[year] = self.used.get(year, Decimal(0)) + sale.quantity
        if product.capacity_quantity and self.used[year] > product.capacity_quantity:
            detail = _("%(sold)s %(unit)s sold in %(year)s; declared capacity %(capacity)s.") % {
                "sold": self.used[year].normalize(),
                "unit": product.unit,
                "year": sale.sold_on.year,
                "capacity": product.capacity_quantity.normalize(),
            }
            found.append((SaleFlag.Kind.OVER_CAPACITY, detail, None))
        other = None
        if sale.buyer_id:  # lines with no buyer are never compared (see _lines_elsewhere)
            key = _dup_key(product.pk, sale.sold_on, sale.quantity, sale.amount, sale.buyer_id)
            other = self.elsewhere.get(key)
        if other is not None:
            detail = _(
                "Same product, day, quantity, amount and buyer as a line of %(channel)s."
            ) % {"channel": other[1]}
            found.append((SaleFlag.Kind.DUPLICATE, detail, other[0]))
        credited = (product.pk, pairing.pk)
        related = self.related.get(credited)
        if related is None:
            origin = product.supplier.pairing.path
            related = self.related[credited] = rules.pairing_is_related(origin, pairing.path)
        if not related:
            detail = _("The product comes from %(origin)s, not from %(credited)s.") % {
                "origin": product.supplier.pairing,
                "credited": pairing,
            }
            found.append((SaleFlag.Kind.WRONG_PAIRING, detail, None))
        return found


@transaction.atomic
def ingest_sales(
    *,
    channel: Channel,
    sales: Sequence[SaleInput],
    entry_method: str,
    user: User | None = None,
    token: ChannelToken | None = None,
    is_illustrative: bool = False,
    unreadable: int = 0,
) -> IngestOutcome:
    """Take in a batch of sale lines from *channel*: new ones are added, flagged and counted
    when certified; a line whose order id the channel already sent is a replay and changes
    nothing; a line with an error is rejected on its own with the field and the reason.

    The lines that are good are written even when others are rejected: a channel resends the
    rejected ones after fixing them, and the replay rule makes resending everything safe.
    *unreadable* counts lines of the same delivery the caller could not even parse (the API
    reports them itself); they are counted as received and rejected in the batch.
    """
    if user is not None:
        _require(user, channel.pairing)
    if not channel.is_active:
        raise PermissionDenied(_("This channel is closed."))
    if len(sales) > MAX_BATCH_LINES:
        raise ValidationError(
            _("A batch holds at most %(max)s lines; this one has %(count)s.")
            % {"max": MAX_BATCH_LINES, "count": len(sales)}
        )
    refs = _Batch.load(channel, sales)
    outcome = IngestOutcome(batch=None)
    accepted: list[tuple[int, SaleInput, Product, Pairing]] = []
    seen: dict[str, tuple[SaleInput, int]] = {}
    today = timezone.localdate()
    for index, sale in enumerate(sales):
        order_id = sale.order_id.strip()
        checked = _check_line(sale, refs, seen, today)
        if isinstance(checked, LineResult):
            outcome.results.append(replace(checked, index=index))
        elif isinstance(checked[0], Product) and isinstance(checked[1], Pairing):
            accepted.append((index, sale, checked[0], checked[1]))
        else:
            field_name, message = str(checked[0]), str(checked[1])
            outcome.errors.append(LineError(index, order_id, field_name, message))
            outcome.results.append(LineResult(index, order_id, "rejected"))

    batch = SalesBatch.objects.create(
        channel=channel, entry_method=entry_method, token=token, received_by=user
    )
    outcome.batch = batch
    flagger = _Flagger(
        spans=validities(refs.products),
        used=_quantities_this_year({(p.pk, s.sold_on.year) for _i, s, p, _pa in accepted}),
        elsewhere=_lines_elsewhere(channel, [(s, p) for _i, s, p, _pa in accepted]),
    )
    new_lines: list[SaleLine] = []
    line_flags: list[list[Flag]] = []
    for _index, sale, product, pairing in accepted:
        found = flagger.flags(sale, product, pairing)
        buyer = refs.buyers.get(sale.buyer_id) if sale.buyer_id else None
        new_lines.append(
            SaleLine(
                channel=channel,
                order_id=sale.order_id.strip(),
                sold_on=sale.sold_on,
                product=product,
                quantity=sale.quantity,
                amount=sale.amount,
                buyer=buyer,
                pairing=pairing,
                root_id=pairing.root_id,
                mode=sale_mode(buyer),
                is_certified=not any(kind == SaleFlag.Kind.UNCERTIFIED for kind, *_ in found),
                is_held=any(kind == SaleFlag.Kind.DUPLICATE for kind, *_ in found),
                sales_event_id=sale.sales_event_id,
                batch=batch,
                is_illustrative=is_illustrative,
            )
        )
        line_flags.append(found)
    _write_lines(batch, new_lines, line_flags)
    for (index, *_rest), line, found in zip(accepted, new_lines, line_flags, strict=True):
        kinds = tuple(kind for kind, _d, _o in found)
        outcome.results.append(
            LineResult(index, line.order_id, "created", line.pk, line.is_counted, kinds)
        )
    outcome.results.sort(key=lambda result: result.index)
    batch.lines_received = len(sales) + unreadable
    batch.lines_created = outcome.created
    batch.lines_replayed = outcome.replayed
    batch.lines_rejected = outcome.rejected + unreadable
    batch.lines_flagged = sum(1 for found in line_flags if found)
    batch.save()
    record_audit_event(
        actor=user,
        action="consumption.sales.ingest",
        target=batch,
        details={
            "via": entry_method,
            "key": token.prefix if token else None,  # the key's public prefix, never the key
            "received": batch.lines_received,
            "created": batch.lines_created,
            "replayed": batch.lines_replayed,
            "rejected": batch.lines_rejected,
            "flagged": batch.lines_flagged,
        },
    )
    if token is not None:
        ChannelToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return outcome


def _write_lines(batch: SalesBatch, lines: list[SaleLine], line_flags: list[list[Flag]]) -> None:
    """Insert the new lines and their flags, and move the month sums and facts."""
    copy_rows(SaleLine, lines, batch_size=2000)  # COPY on PostgreSQL, bulk_create elsewhere
    if any(line.pk is None for line in lines):  # a backend that returns no ids
        by_order = dict(SaleLine.objects.filter(batch=batch).values_list("order_id", "pk"))
        for line in lines:
            line.pk = by_order[line.order_id]
    copy_rows(
        SaleFlag,
        [
            SaleFlag(
                line=line,
                root_id=line.root_id,
                kind=kind,
                detail=detail[:300],
                other_line_id=other_id,
            )
            for line, found in zip(lines, line_flags, strict=True)
            for kind, detail, other_id in found
        ],
        batch_size=2000,
    )
    _move_months(_month_cells(lines), sign=1)
    facts.refresh_batch_facts([batch.pk])


def _quantities_this_year(keys: set[tuple[int, int]]) -> dict[tuple[int, int], Decimal]:
    """Quantity already reported per (product, year), counted or not, except lines an operator
    excluded (few: they are subtracted from the month sums rather than summing every line)."""
    if not keys:
        return {}
    years = {year for _p, year in keys}
    rows = (
        SalesMonth.objects.filter(
            product_id__in={p for p, _y in keys},
            month__gte=date(min(years), 1, 1),
            month__lte=date(max(years), 12, 1),
        )
        .values_list("product_id", "month__year")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    used = {(p, y): total for p, y, total in rows if (p, y) in keys}
    excluded = (
        SaleLine.objects.filter(
            product_id__in={p for p, _y in keys},
            sold_on__gte=date(min(years), 1, 1),
            sold_on__lte=date(max(years), 12, 31),
            is_excluded=True,
        )
        .values_list("product_id", "sold_on__year")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    for p, y, total in excluded:
        if (p, y) in used:
            used[(p, y)] -= total
    return used


def _lines_elsewhere(
    channel: Channel, sales: list[tuple[SaleInput, Product]]
) -> dict[Any, tuple[int, str]]:
    """Lines of other channels with the same product, day, quantity, amount and named buyer.

    Retail lines with no buyer are never compared: two shops selling the same box on the same
    day at the same price is ordinary trade, not one sale reported twice."""
    if not sales:
        return {}
    days = [s.sold_on for s, _p in sales]
    rows = (
        SaleLine.objects.filter(
            product_id__in={p.pk for _s, p in sales},
            sold_on__gte=min(days),
            sold_on__lte=max(days),
            is_excluded=False,
            buyer__isnull=False,
        )
        .exclude(channel=channel)
        .values_list(
            "product_id", "sold_on", "quantity", "amount", "buyer_id", "pk", "channel__name"
        )
    )
    return {_dup_key(p, d, q, a, b): (pk, name) for p, d, q, a, b, pk, name in rows}


MonthCell = tuple[date, int, int, int, str, bool]


def _month_cells(lines: Iterable[SaleLine]) -> dict[MonthCell, tuple[int, Decimal, Decimal]]:
    cells: dict[MonthCell, tuple[int, Decimal, Decimal]] = {}
    for line in lines:
        key = (
            line.sold_on.replace(day=1),
            line.pairing_id,
            line.channel_id,
            line.product_id,
            line.mode,
            line.is_counted,
        )
        n, q, a = cells.get(key, (0, Decimal(0), Decimal(0)))
        cells[key] = (n + 1, q + Decimal(line.quantity), a + Decimal(line.amount))
    return cells


def _cells_of(line_ids: list[int]) -> dict[MonthCell, tuple[int, Decimal, Decimal]]:
    """The month cells of these lines as they stand, summed in the database."""
    cells: dict[MonthCell, tuple[int, Decimal, Decimal]] = {}
    for start in range(0, len(line_ids), 5000):
        rows = (
            SaleLine.objects.filter(pk__in=line_ids[start : start + 5000])
            .annotate(month=TruncMonth("sold_on"))
            .values("month", "pairing_id", "channel_id", "product_id", "mode")
            .annotate(
                counted=Count("pk", filter=COUNTED_LINES),
                n=Count("pk"),
                q=Sum("quantity"),
                a=Sum("amount"),
                cq=Sum("quantity", filter=COUNTED_LINES),
                ca=Sum("amount", filter=COUNTED_LINES),
            )
            .order_by()
        )
        for r in rows:
            base = (r["month"], r["pairing_id"], r["channel_id"], r["product_id"], r["mode"])
            cq, ca = r["cq"] or Decimal(0), r["ca"] or Decimal(0)
            parts = [
                ((*base, True), (r["counted"], cq, ca)),
                ((*base, False), (r["n"] - r["counted"], r["q"] - cq, r["a"] - ca)),
            ]
            for key, (n, q, a) in parts:
                if n:
                    old = cells.get(key, (0, Decimal(0), Decimal(0)))
                    cells[key] = (old[0] + n, old[1] + q, old[2] + a)
    return cells


def _move_months(cells: dict[MonthCell, tuple[int, Decimal, Decimal]], *, sign: int) -> None:
    """Add (or with sign -1 take away) these sums to the SalesMonth cells, creating or
    deleting cells as needed."""
    if not cells:
        return
    keys = list(cells)
    stored = {
        (row.month, row.pairing_id, row.channel_id, row.product_id, row.mode, row.is_counted): row
        for row in SalesMonth.objects.select_for_update()
        .filter(
            month__in={k[0] for k in keys},
            pairing_id__in={k[1] for k in keys},
            channel_id__in={k[2] for k in keys},
            product_id__in={k[3] for k in keys},
        )
        .order_by("pk")  # every writer locks rows in the same order
    }
    changed: list[SalesMonth] = []
    created: list[SalesMonth] = []
    emptied: list[SalesMonth] = []
    new_keys = [key for key in keys if key not in stored]
    roots = root_ids(key[1] for key in new_keys) if new_keys and sign > 0 else {}
    for key, (n, q, a) in cells.items():
        row = stored.get(key)
        if row is None:
            if sign < 0:
                continue
            month, pairing_id, channel_id, product_id, mode, counted = key
            created.append(
                SalesMonth(
                    month=month,
                    pairing_id=pairing_id,
                    root_id=roots[pairing_id],
                    channel_id=channel_id,
                    product_id=product_id,
                    mode=mode,
                    is_counted=counted,
                    lines=n,
                    quantity=q,
                    amount=a,
                )
            )
            continue
        row.lines += sign * n
        row.quantity += sign * q
        row.amount += sign * a
        (emptied if row.lines <= 0 else changed).append(row)
    SalesMonth.objects.bulk_create(created, batch_size=2000)
    update_rows(SalesMonth, changed, ["lines", "quantity", "amount"])
    SalesMonth.objects.filter(pk__in=[row.pk for row in emptied]).delete()


def _recount(line_ids: list[int], change: Callable[[], None]) -> None:
    """Run *change* on these lines and move their month sums and facts accordingly."""
    if not line_ids:
        change()
        return
    before = _cells_of(line_ids)
    change()
    after = _cells_of(line_ids)
    _move_months(before, sign=-1)
    _move_months(after, sign=1)
    batch_ids = set(
        SaleLine.objects.filter(pk__in=line_ids).values_list("batch_id", flat=True).distinct()
    )
    facts.refresh_batch_facts(batch_ids)


@transaction.atomic
def resolve_flags(
    *,
    flags: QuerySet[SaleFlag],
    resolution: str,
    resolved_by: User,
    note: str = "",
) -> int:
    """Resolve open flags: ACCEPTED (the sale stands) or EXCLUDED (it is not counted).

    Accepting a duplicate releases the held line; excluding any flag excludes its line. An
    uncertified line stays uncounted whatever is decided: only a certificate can count it.
    """
    if resolution not in {SaleFlag.Status.ACCEPTED, SaleFlag.Status.EXCLUDED}:
        raise ValidationError({"resolution": _("Choose whether the sale stands or is excluded.")})
    chosen = list(
        flags.filter(status=SaleFlag.Status.OPEN)
        .select_related("line__channel", "line__pairing")
        .select_for_update(of=("self",))
    )
    for flag in chosen:
        line = flag.line
        if not (
            user_can(resolved_by, line.channel.pairing, Action.RECORD)
            or user_can(resolved_by, line.pairing, Action.RECORD)
        ):
            raise PermissionDenied
    line_ids = sorted({flag.line_id for flag in chosen})
    now = timezone.now()

    def change() -> None:
        SaleFlag.objects.filter(pk__in=[f.pk for f in chosen]).update(
            status=resolution, resolved_by=resolved_by, resolved_at=now, note=note
        )
        if resolution == SaleFlag.Status.EXCLUDED:
            SaleLine.objects.filter(pk__in=line_ids).update(is_excluded=True)
        else:
            still_held = SaleFlag.objects.filter(
                line_id__in=line_ids, kind=SaleFlag.Kind.DUPLICATE, status=SaleFlag.Status.OPEN
            ).values_list("line_id", flat=True)
            SaleLine.objects.filter(pk__in=line_ids).exclude(pk__in=list(still_held)).update(
                is_held=False
            )

    _recount(line_ids, change)
    for flag in chosen[:50]:
        record_audit_event(
            actor=resolved_by,
            action=f"consumption.flag.{resolution}",
            target=flag.line,
            details={"flag": flag.kind, "note": note[:200]},
        )
    if len(chosen) > 50:
        record_audit_event(
            actor=resolved_by,
            action=f"consumption.flag.{resolution}",
            target=chosen[0].line.channel,
            details={"flags": len(chosen), "note": note[:200]},
        )
    return len(chosen)


# Demand and guidance -------------------------------------------------------------------------


@transaction.atomic
def post_demand(*, pairing: Pairing, buyer: Buyer, posted_by: User, **fields: Any) -> Demand:
    """Post what an eastern buyer wants: category or product, kilograms, window, price band."""
    _require(posted_by, pairing)
    demand = Demand(pairing=pairing, buyer=buyer, posted_by=posted_by, **fields)
    _save(demand)
    record_audit_event(actor=posted_by, action="consumption.demand.post", target=demand)
    return demand


@transaction.atomic
def close_demand(*, demand: Demand, closed_by: User, supplier: Supplier | None = None) -> Demand:
    """Close *demand*, as met by *supplier* (matched) or withdrawn (closed)."""
    _require(closed_by, demand.pairing)
    demand.status = Demand.Status.MATCHED if supplier else Demand.Status.CLOSED
    demand.matched_supplier = supplier
    _save(demand)
    record_audit_event(
        actor=closed_by,
        action="consumption.demand.close",
        target=demand,
        details={"supplier": supplier.pk if supplier else None},
    )
    return demand


@transaction.atomic
def publish_notice(
    *,
    pairing: Pairing,
    author: User,
    title: str,
    body: str,
    category: str = "",
    town: Place | None = None,
    publish: bool = True,
) -> GuidanceNotice:
    """Write a production guidance notice for growers, published today unless *publish* is off."""
    _require(author, pairing)
    notice = GuidanceNotice(
        pairing=pairing,
        author=author,
        title=title,
        body=body,
        category=category,
        town=town,
        published_on=timezone.localdate() if publish else None,
    )
    _save(notice)
    record_audit_event(actor=author, action="consumption.notice.publish", target=notice)
    return notice


@transaction.atomic
def rebuild_sales_months() -> int:
    """Recompute every SalesMonth cell from the sale lines; return how many cells there are."""
    SalesMonth.objects.all().delete()
    counted = COUNTED_LINES
    rows = (
        SaleLine.objects.annotate(month=TruncMonth("sold_on"))
        .values("month", "pairing_id", "root_id", "channel_id", "product_id", "mode")
        .annotate(
            n=Count("pk"),
            q=Sum("quantity"),
            a=Sum("amount"),
            cn=Count("pk", filter=counted),
            cq=Sum("quantity", filter=counted),
            ca=Sum("amount", filter=counted),
        )
        .order_by()
    )
    cells: list[SalesMonth] = []
    for r in rows.iterator(chunk_size=5000):
        base = {
            k: r[k] for k in ("month", "pairing_id", "root_id", "channel_id", "product_id", "mode")
        }
        cq, ca = r["cq"] or Decimal(0), r["ca"] or Decimal(0)
        if r["cn"]:
            cells.append(SalesMonth(**base, is_counted=True, lines=r["cn"], quantity=cq, amount=ca))
        if r["n"] - r["cn"]:
            cells.append(
                SalesMonth(
                    **base,
                    is_counted=False,
                    lines=r["n"] - r["cn"],
                    quantity=r["q"] - cq,
                    amount=r["a"] - ca,
                )
            )
    SalesMonth.objects.bulk_create(cells, batch_size=5000)
    return len(cells)
