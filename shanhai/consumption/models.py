"""Consumption assistance (消费帮扶): suppliers, products and their certification, channels,
buyers, sale lines pooled from every channel, flags, and eastern demand relayed to growers.

A sale counts only when its product was certified on the day it was sold (is_certified, computed
and stored at ingest and recomputed when a certification changes) and no operator excluded it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shanhai.accounts.models import Side
from shanhai.core.models import Source, TimeStampedModel
from shanhai.places.models import Organisation, Pairing, Place, root_field

# The certification criteria (认定条件): value produced at least this much a year.
CERTIFICATION_MIN_ANNUAL_VALUE = 500_000


class ProductCategory(models.TextChoices):
    FRUIT = "fruit", _("Fruit")
    VEGETABLES = "vegetables", _("Vegetables")
    GRAIN_OIL = "grain_oil", _("Grain and oil")
    MEAT_EGGS = "meat_eggs", _("Meat, poultry and eggs")
    TEA = "tea", _("Tea")
    MUSHROOMS = "mushrooms", _("Mushrooms")
    HERBS = "herbs", _("Medicinal herbs")
    PROCESSED = "processed", _("Processed food")
    HANDICRAFT = "handicraft", _("Handicrafts")
    OTHER = "other", _("Other")


class Supplier(TimeStampedModel):
    """A western producer or trader whose products are sold through consumption assistance."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("Enterprise")
        COOPERATIVE = "cooperative", _("Farmers' cooperative")
        FAMILY_FARM = "family_farm", _("Family farm")
        BIG_GROWER = "big_grower", _("Big grower (种养殖大户)")
        AGENT = "agent", _("Trading agent")

    pairing = models.ForeignKey(
        Pairing, models.PROTECT, related_name="suppliers", verbose_name=_("pairing")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind)
    place = models.ForeignKey(
        Place, models.PROTECT, related_name="+", verbose_name=_("town or village")
    )
    organisation = models.ForeignKey(
        Organisation,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    registered_on = models.DateField(_("registered on"))
    is_illustrative = models.BooleanField(_("illustrative"), default=False)
    source = models.ForeignKey(
        Source, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("source")
    )

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pairing", "name"],
                name="consumption_supplier_one_per_name",
                violation_error_message=_("A supplier with this name is already registered."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class BenefitLinkage(models.Model):
    """How a supplier linked farmers in one year (联农带农): households and money paid to them."""

    class Kind(models.TextChoices):
        PURCHASE = "purchase", _("Purchase orders")
        WAGES = "wages", _("Wages")
        DIVIDENDS = "dividends", _("Dividends")
        LAND_RENT = "land_rent", _("Land rent")

    supplier = models.ForeignKey(
        Supplier, models.CASCADE, related_name="linkages", verbose_name=_("supplier")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    kinds = models.JSONField(_("ways of linking farmers"), default=list, blank=True)
    households = models.PositiveIntegerField(_("households linked"), default=0)
    poverty_exited_households = models.PositiveIntegerField(
        _("of which poverty-exited (脱贫户)"), default=0
    )
    monitored_households = models.PositiveIntegerField(_("of which monitored (监测户)"), default=0)
    paid_amount = models.DecimalField(
        _("paid to households (yuan)"), max_digits=14, decimal_places=2, default=0
    )

    class Meta:
        verbose_name = _("benefit linkage")
        verbose_name_plural = _("benefit linkages")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "year"],
                name="consumption_linkage_one_per_year",
                violation_error_message=_("This supplier's linkage for the year is recorded."),
            ),
            models.CheckConstraint(
                condition=models.Q(
                    households__gte=models.F("poverty_exited_households")
                    + models.F("monitored_households")
                ),
                name="consumption_linkage_parts_within_total",
                violation_error_message=_(
                    "Poverty-exited and monitored households cannot exceed the households linked."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} {self.year}"


class Product(TimeStampedModel):
    """A product a supplier offers: what, from where, at what price, when and how much."""

    supplier = models.ForeignKey(
        Supplier, models.PROTECT, related_name="products", verbose_name=_("supplier")
    )
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=12, choices=ProductCategory)
    spec = models.CharField(_("specification"), max_length=100, blank=True)
    unit = models.CharField(_("unit"), max_length=10, default="斤")
    unit_kg = models.DecimalField(
        _("kilograms per unit"),
        max_digits=10,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("To add up tonnes across units; empty when the unit is not a weight."),
    )
    origin = models.ForeignKey(
        Place, models.PROTECT, related_name="+", verbose_name=_("origin (town or village)")
    )
    reference_price = models.DecimalField(
        _("reference price (yuan per unit)"), max_digits=12, decimal_places=2
    )
    season_months = models.JSONField(
        _("months of supply"), default=list, blank=True, help_text=_("Empty: all year.")
    )
    capacity_quantity = models.DecimalField(
        _("declared annual capacity (units)"), max_digits=14, decimal_places=2
    )
    capacity_amount = models.DecimalField(
        _("declared annual capacity (yuan)"), max_digits=14, decimal_places=2
    )
    trace_code = models.CharField(_("trace code"), max_length=64, blank=True)
    is_illustrative = models.BooleanField(_("illustrative"), default=False)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "name", "spec"],
                name="consumption_product_one_per_spec",
                violation_error_message=_("This supplier already has this product and spec."),
            ),
            models.UniqueConstraint(
                fields=["trace_code"],
                condition=~models.Q(trace_code=""),
                name="consumption_product_one_per_trace_code",
                violation_error_message=_("Another product has this trace code."),
            ),
            models.CheckConstraint(
                condition=models.Q(reference_price__gt=0),
                name="consumption_product_price_positive",
                violation_error_message=_("The reference price must be more than zero."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.spec}）" if self.spec else self.name


class Certification(TimeStampedModel):
    """An application to certify a product for consumption assistance (消费帮扶产品认定)."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        REVIEWED = "reviewed", _("Reviewed and stamped by the county")
        RECHECKED = "rechecked", _("Re-checked")
        PUBLICISED = "publicised", _("Under public notice (公示)")
        CERTIFIED = "certified", _("Certified")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    product = models.ForeignKey(
        Product, models.PROTECT, related_name="certifications", verbose_name=_("product")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.APPLIED)
    applied_on = models.DateField(_("applied on"))
    is_made_in_west = models.BooleanField(_("produced in the western region"), default=False)
    links_farmers = models.BooleanField(_("links and benefits farmers"), default=False)
    meets_standards = models.BooleanField(_("meets quality and safety standards"), default=False)
    meets_value_threshold = models.BooleanField(
        _("produces at least 500,000 yuan a year"), default=False
    )
    is_traceable = models.BooleanField(_("traceable"), default=False)
    has_after_sales = models.BooleanField(_("after-sales service"), default=False)
    publicity_from = models.DateField(_("public notice from"), null=True, blank=True)
    publicity_to = models.DateField(_("public notice to"), null=True, blank=True)
    certificate_number = models.CharField(_("certificate number"), max_length=40, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["-applied_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["certificate_number"],
                condition=~models.Q(certificate_number=""),
                name="consumption_certification_one_per_number",
                violation_error_message=_("This certificate number is already used."),
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="consumption_certification_valid_in_order",
                violation_error_message=_("A certificate cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} · {self.get_status_display()}"

    CRITERIA = (
        "is_made_in_west",
        "links_farmers",
        "meets_standards",
        "meets_value_threshold",
        "is_traceable",
        "has_after_sales",
    )

    @property
    def unmet_criteria(self) -> list[str]:
        return [name for name in self.CRITERIA if not getattr(self, name)]


class CertificationStep(models.Model):
    """One step of a certification: who did what, when, with which evidence."""

    class Kind(models.TextChoices):
        APPLIED = "applied", _("Applied")
        REVIEWED = "reviewed", _("Reviewed and stamped by the county")
        RECHECKED = "rechecked", _("Re-checked")
        PUBLICISED = "publicised", _("Public notice started")
        OBJECTION = "objection", _("Objection received")
        ANSWERED = "answered", _("Objection checked and answered")
        CERTIFIED = "certified", _("Certified")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    certification = models.ForeignKey(
        Certification, models.CASCADE, related_name="steps", verbose_name=_("certification")
    )
    kind = models.CharField(_("step"), max_length=12, choices=Kind)
    done_on = models.DateField(_("date"))
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("by")
    )
    note = models.TextField(_("note"), blank=True)
    evidence = models.FileField(_("evidence"), upload_to="certification/%Y/", blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("certification step")
        verbose_name_plural = _("certification steps")
        ordering = ["done_on", "id"]

    def __str__(self) -> str:
        return f"{self.certification_id} {self.kind} {self.done_on}"


class Channel(TimeStampedModel):
    """Where western products are sold: a counter, a hall, a platform, a livestream, an expo …"""

    class Kind(models.TextChoices):
        COUNTER = "counter", _("Counter (专柜)")
        HALL = "hall", _("Hall (专馆)")
        ZONE = "zone", _("Zone (专区)")
        PLATFORM = "platform", _("Online platform")
        PLATFORM_832 = "832", _("832 platform")
        LIVESTREAM = "livestream", _("Livestream")
        EXPO = "expo", _("Expo or fair")
        UNION = "union", _("Trade union")
        CANTEEN = "canteen", _("Canteen")
        NGO = "ngo", _("Social organisation")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind)
    operator = models.ForeignKey(
        Organisation,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("operator"),
    )
    side = models.CharField(_("side"), max_length=10, choices=Side, default=Side.EAST)
    pairing = models.ForeignKey(
        Pairing,
        models.PROTECT,
        related_name="channels",
        verbose_name=_("pairing"),
        help_text=_("The pairing whose office runs this channel and resolves its flags."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_illustrative = models.BooleanField(_("illustrative"), default=False)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ChannelToken(models.Model):
    """An API key a channel pushes its sales with; only its hash is kept."""

    channel = models.ForeignKey(
        Channel, models.CASCADE, related_name="tokens", verbose_name=_("channel")
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("key starts with"), max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("channel API key")
        verbose_name_plural = _("channel API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.channel} · {self.prefix}…"


class Buyer(TimeStampedModel):
    """Who buys: a budget unit, a union, an enterprise, a canteen."""

    class Kind(models.TextChoices):
        BUDGET_UNIT = "budget_unit", _("Budget unit (预算单位)")
        UNION = "union", _("Trade union")
        ENTERPRISE = "enterprise", _("Enterprise")
        CANTEEN = "canteen", _("Canteen")
        PUBLIC = "public", _("Members of the public")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind)
    side = models.CharField(_("side"), max_length=10, choices=Side, default=Side.EAST)
    place = models.ForeignKey(
        Place, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("place")
    )
    organisation = models.ForeignKey(
        Organisation,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    is_illustrative = models.BooleanField(_("illustrative"), default=False)

    class Meta:
        verbose_name = _("buyer")
        verbose_name_plural = _("buyers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BuyerQuota(models.Model):
    """A budget unit's reserved share for purchases through the 832 platform in one year."""

    buyer = models.ForeignKey(Buyer, models.CASCADE, related_name="quotas", verbose_name=_("buyer"))
    year = models.PositiveSmallIntegerField(_("year"))
    reserved_amount = models.DecimalField(
        _("reserved share (yuan)"), max_digits=14, decimal_places=2
    )

    class Meta:
        verbose_name = _("832 reserved share")
        verbose_name_plural = _("832 reserved shares")
        ordering = ["-year", "buyer"]
        constraints = [
            models.UniqueConstraint(
                fields=["buyer", "year"],
                name="consumption_quota_one_per_year",
                violation_error_message=_("This buyer's share for the year is already set."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.buyer} {self.year}"


class EntryMethod(models.TextChoices):
    API = "api", _("API")
    IMPORT = "import", _("Import")
    FORM = "form", _("Form")
    DEMO = "demo", _("Demo data")


class SalesBatch(models.Model):
    """One delivery of sale lines from a channel (an API call, an import, a form)."""

    channel = models.ForeignKey(
        Channel, models.PROTECT, related_name="batches", verbose_name=_("channel")
    )
    entry_method = models.CharField(_("entered through"), max_length=10, choices=EntryMethod)
    token = models.ForeignKey(
        ChannelToken, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received by"),
    )
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    lines_received = models.PositiveIntegerField(_("lines received"), default=0)
    lines_created = models.PositiveIntegerField(_("lines added"), default=0)
    lines_replayed = models.PositiveIntegerField(_("lines already received"), default=0)
    lines_rejected = models.PositiveIntegerField(_("lines rejected"), default=0)
    lines_flagged = models.PositiveIntegerField(_("lines flagged"), default=0)

    class Meta:
        verbose_name = _("sales batch")
        verbose_name_plural = _("sales batches")
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.channel} #{self.pk}"


class SaleMode(models.TextChoices):
    """How the assessment splits sales: bought by eastern bodies, or helped to market."""

    PURCHASED = "purchased", _("Purchased by the east")
    HELPED = "helped", _("Helped to sell")


class SaleLine(models.Model):
    """One sale of a western product reported by a channel, under the channel's own order id."""

    channel = models.ForeignKey(
        Channel, models.PROTECT, related_name="sale_lines", verbose_name=_("channel")
    )
    order_id = models.CharField(_("order id"), max_length=64)
    sold_on = models.DateField(_("date sold"))
    product = models.ForeignKey(
        Product, models.PROTECT, related_name="sale_lines", verbose_name=_("product")
    )
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=2)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    buyer = models.ForeignKey(
        Buyer, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("buyer")
    )
    pairing = models.ForeignKey(
        Pairing, models.PROTECT, related_name="sale_lines", verbose_name=_("pairing credited")
    )
    root = root_field()
    mode = models.CharField(_("counted as"), max_length=10, choices=SaleMode)
    is_certified = models.BooleanField(_("certified on the date sold"), default=False)
    is_excluded = models.BooleanField(_("excluded by an operator"), default=False)
    is_held = models.BooleanField(
        _("held until a flag is resolved"),
        default=False,
        help_text=_("A probable duplicate of another channel's line is not counted until checked."),
    )
    sales_event = models.ForeignKey(
        "ledger.SalesEvent",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="sale_lines",
        verbose_name=_("sales event"),
    )
    batch = models.ForeignKey(
        SalesBatch, models.PROTECT, related_name="lines", verbose_name=_("batch")
    )
    is_illustrative = models.BooleanField(_("illustrative"), default=False)

    class Meta:
        verbose_name = _("sale line")
        verbose_name_plural = _("sale lines")
        ordering = ["-sold_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                # With the root, for Citus; ingest_sales finds a replayed order id in any
                # root itself, under a lock on the channel (docs/scaling.md).
                fields=["channel", "order_id", "root"],
                name="consumption_saleline_one_per_order",
                violation_error_message=_("This channel already reported this order."),
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0) & models.Q(amount__gte=0),
                name="consumption_saleline_positive",
                violation_error_message=_("Quantity must be more than zero, amount not negative."),
            ),
        ]
        indexes = [
            models.Index(fields=["pairing", "sold_on"], name="consumption_sale_pairing_day"),
            models.Index(fields=["product", "sold_on"], name="consumption_sale_product_day"),
            models.Index(fields=["channel", "sold_on"], name="consumption_sale_channel_day"),
            models.Index(fields=["buyer", "sold_on"], name="consumption_sale_buyer_day"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.order_id}"

    @property
    def is_counted(self) -> bool:
        return self.is_certified and not self.is_excluded and not self.is_held


# The lines that count: certified on the day sold, not excluded by an operator, not held.
COUNTED_LINES = models.Q(is_certified=True, is_excluded=False, is_held=False)


class SaleFlag(models.Model):
    """Something about a sale line an operator should look at; never silent."""

    class Kind(models.TextChoices):
        UNCERTIFIED = "uncertified", _("Product not certified on the date sold")
        OVER_CAPACITY = "over_capacity", _("More sold this year than the declared capacity")
        PRICE = "price", _("Price far from the reference price")
        DUPLICATE = "duplicate", _("Same sale reported by another channel")
        WRONG_PAIRING = "wrong_pairing", _("Product does not come from the pairing credited")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("flag", "Open")
        ACCEPTED = "accepted", _("Checked: the sale stands")
        EXCLUDED = "excluded", _("Checked: the sale is excluded")

    line = models.ForeignKey(
        SaleLine, models.CASCADE, related_name="flags", verbose_name=_("sale line")
    )
    root = root_field()
    kind = models.CharField(_("flag"), max_length=15, choices=Kind)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    other_line = models.ForeignKey(
        SaleLine,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("the other channel's line"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("sale flag")
        verbose_name_plural = _("sale flags")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["line", "kind", "root"],
                name="consumption_flag_one_per_kind",
                violation_error_message=_("This line already has this flag."),
            )
        ]
        indexes = [models.Index(fields=["status", "kind"], name="consumption_flag_queue")]

    root_follows = "line__pairing"  # its line's root

    def __str__(self) -> str:
        return f"{self.line} · {self.get_kind_display()}"


class SalesMonth(models.Model):
    """Sale lines summed by month, pairing, channel, product, mode and counted-or-not.

    Kept in step by the services in the same transaction, so dashboards read a few hundred rows
    however many lines the channels have sent.
    """

    month = models.DateField()
    pairing = models.ForeignKey(Pairing, models.CASCADE, related_name="+")
    root = root_field()
    channel = models.ForeignKey(Channel, models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, models.CASCADE, related_name="+")
    mode = models.CharField(max_length=10, choices=SaleMode)
    is_counted = models.BooleanField()
    lines = models.PositiveIntegerField(default=0)
    quantity = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "pairing", "channel", "product", "mode", "is_counted", "root"],
                name="consumption_salesmonth_one_per_cell",
            )
        ]
        indexes = [models.Index(fields=["pairing", "month"], name="consumption_sm_pairing")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.channel_id}/{self.product_id}"


class Demand(TimeStampedModel):
    """An eastern buyer's posted demand: what, how much, when, at what price, to what standard."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("demand", "Open")
        MATCHED = "matched", _("Supplier found")
        CLOSED = "closed", _("Closed")

    buyer = models.ForeignKey(
        Buyer, models.PROTECT, related_name="demands", verbose_name=_("buyer")
    )
    pairing = models.ForeignKey(
        Pairing, models.PROTECT, related_name="demands", verbose_name=_("pairing")
    )
    category = models.CharField(_("category"), max_length=12, choices=ProductCategory)
    product_name = models.CharField(
        _("product wanted"), max_length=100, blank=True, help_text=_("Empty: any in the category.")
    )
    quantity_kg = models.DecimalField(_("quantity (kg)"), max_digits=14, decimal_places=2)
    deliver_from = models.DateField(_("deliver from"))
    deliver_to = models.DateField(_("deliver to"))
    price_min = models.DecimalField(
        _("price from (yuan/kg)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    price_max = models.DecimalField(
        _("price to (yuan/kg)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    quality = models.CharField(_("quality requirements"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)
    matched_supplier = models.ForeignKey(
        Supplier,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("supplier found"),
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("posted by")
    )
    is_illustrative = models.BooleanField(_("illustrative"), default=False)

    class Meta:
        verbose_name = _("demand")
        verbose_name_plural = _("demands")
        ordering = ["deliver_from", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deliver_to__gte=models.F("deliver_from")),
                name="consumption_demand_window_in_order",
                violation_error_message=_("Delivery cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=models.Q(quantity_kg__gt=0),
                name="consumption_demand_quantity_positive",
                violation_error_message=_("The quantity must be more than zero."),
            ),
            models.CheckConstraint(
                condition=models.Q(price_min__isnull=True)
                | models.Q(price_max__isnull=True)
                | models.Q(price_max__gte=models.F("price_min")),
                name="consumption_demand_price_band_in_order",
                violation_error_message=_("The top of the price band is below its bottom."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.buyer}: {self.product_name or self.get_category_display()}"


class GuidanceNotice(TimeStampedModel):
    """A production guidance notice an operator publishes to growers (生产指导)."""

    pairing = models.ForeignKey(
        Pairing, models.PROTECT, related_name="guidance_notices", verbose_name=_("pairing")
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    category = models.CharField(_("category"), max_length=12, choices=ProductCategory, blank=True)
    town = models.ForeignKey(
        Place,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("township"),
    )
    published_on = models.DateField(_("published on"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("written by")
    )

    class Meta:
        verbose_name = _("guidance notice")
        verbose_name_plural = _("guidance notices")
        ordering = ["-published_on", "-id"]

    def __str__(self) -> str:
        return self.title
