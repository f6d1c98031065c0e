"""The kinds of ledger record: each adds its own fields to the common Record."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shanhai.core.models import DatePrecision
from shanhai.ledger.models.records import Record
from shanhai.places.models import Organisation, Place


class Sector(models.TextChoices):
    EDUCATION = "education", _("Education")
    HEALTH = "health", _("Health")
    AGRICULTURE = "agriculture", _("Agriculture")
    INDUSTRY = "industry", _("Industry")
    EMPLOYMENT = "employment", _("Employment")
    INFRASTRUCTURE = "infrastructure", _("Rural infrastructure")
    URBAN = "urban", _("Urban management")
    COMMERCE = "commerce", _("Commerce and consumption")
    GOVERNANCE = "governance", _("Party and government")
    OTHER = "other", _("Other")


class Visit(Record):
    """互访 / 考察调研: a delegation from one side to the other."""

    leader_name = models.CharField(_("leader"), max_length=100, blank=True)
    leader_title = models.CharField(_("leader's title"), max_length=200, blank=True)
    members = models.TextField(_("members"), blank=True)
    member_count = models.PositiveIntegerField(_("people in the delegation"), null=True, blank=True)
    places_visited = models.ManyToManyField(
        Place, blank=True, related_name="+", verbose_name=_("places visited")
    )
    units_visited = models.ManyToManyField(
        Organisation, blank=True, related_name="+", verbose_name=_("units visited")
    )
    visited_text = models.CharField(
        _("also visited (as written)"),
        max_length=300,
        blank=True,
        help_text=_("Places and units visited that are not (yet) in the registry."),
    )
    purpose = models.TextField(_("purpose"), blank=True)
    outcomes = models.TextField(_("outcomes"), blank=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")


class Meeting(Record):
    """座谈会 / 联席会议: a joint meeting and what it decided."""

    class MeetingKind(models.TextChoices):
        SYMPOSIUM = "symposium", _("Symposium")
        JOINT = "joint", _("Joint conference")
        PROGRESS = "progress", _("Progress meeting")
        OTHER = "other", _("Other meeting")

    meeting_kind = models.CharField(_("kind of meeting"), max_length=12, choices=MeetingKind)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    venue_place = models.ForeignKey(
        Place, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("held in")
    )
    chairs = models.CharField(_("chaired by"), max_length=300, blank=True)
    attendees = models.TextField(_("attendees"), blank=True)
    attendee_count = models.PositiveIntegerField(_("people attending"), null=True, blank=True)
    decisions = models.TextField(_("decisions"), blank=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")


class Agreement(Record):
    """协议 / 计划 / 工作要点: a signed document; the date is the signing date."""

    class AgreementKind(models.TextChoices):
        ANNUAL = "annual", _("Annual assistance agreement")
        WORK_POINTS = "work_points", _("Work points")
        PLAN = "plan", _("Plan")
        COOPERATION = "cooperation", _("Cooperation agreement")
        PAIRING = "pairing", _("Pairing assistance agreement")

    agreement_kind = models.CharField(_("kind of document"), max_length=12, choices=AgreementKind)
    parties = models.ManyToManyField(
        Organisation, blank=True, related_name="+", verbose_name=_("parties")
    )
    parties_text = models.CharField(_("parties (as written)"), max_length=300, blank=True)
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period to"), null=True, blank=True)

    class Meta:
        verbose_name = _("agreement or plan")
        verbose_name_plural = _("agreements and plans")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__isnull=True)
                | models.Q(period_start__isnull=True)
                | models.Q(period_end__gte=models.F("period_start")),
                name="ledger_agreement_period_in_order",
                violation_error_message=_("The period cannot end before it starts."),
            )
        ]


class FundSource(models.TextChoices):
    EAST_FISCAL = "east_fiscal", _("Eastern fiscal aid")
    SOCIAL = "social", _("Social donation")
    LOCAL = "local", _("Local matching funds")


class FundAllocation(Record):
    """财政援助资金: fiscal aid the east allocates to the county for a year."""

    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    fund_source = models.CharField(
        _("fund source"), max_length=12, choices=FundSource, default=FundSource.EAST_FISCAL
    )

    class Meta:
        verbose_name = _("fiscal aid allocation")
        verbose_name_plural = _("fiscal aid allocations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0),
                name="ledger_fundallocation_amount_positive",
                violation_error_message=_("The amount must be more than zero."),
            )
        ]


class BenefitMechanism(models.TextChoices):
    WAGES = "wages", _("Wages")
    DIVIDENDS = "dividends", _("Dividends")
    PURCHASES = "purchases", _("Purchase orders")
    LAND_RENT = "land_rent", _("Land rent")


class AidProject(Record):
    """援建项目: a project the east funds in the west, with its money and who it helps."""

    class ProjectStatus(models.TextChoices):
        PLANNED = "planned", _("Planned")
        UNDERWAY = "underway", _("Under way")
        COMPLETED = "completed", _("Completed")
        SUSPENDED = "suspended", _("Suspended")

    sector = models.CharField(_("sector"), max_length=15, choices=Sector)
    place = models.ForeignKey(
        Place, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("location")
    )
    budget_amount = models.DecimalField(
        _("budget (yuan)"), null=True, blank=True, max_digits=14, decimal_places=2
    )
    fund_source = models.CharField(
        _("main fund source"), max_length=12, choices=FundSource, default=FundSource.EAST_FISCAL
    )
    project_status = models.CharField(
        _("status"), max_length=10, choices=ProjectStatus, default=ProjectStatus.PLANNED
    )
    progress_percent = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    households = models.PositiveIntegerField(_("households benefiting"), null=True, blank=True)
    people = models.PositiveIntegerField(_("people benefiting"), null=True, blank=True)
    poverty_exited_households = models.PositiveIntegerField(
        _("of which poverty-exited households"), null=True, blank=True
    )
    monitored_households = models.PositiveIntegerField(
        _("of which monitored households"), null=True, blank=True
    )
    benefit_mechanisms = models.JSONField(_("benefit linkage"), default=list, blank=True)
    benefit_note = models.TextField(_("how farmers benefit"), blank=True)

    class Meta:
        verbose_name = _("aid project")
        verbose_name_plural = _("aid projects")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress_percent__lte=100),
                name="ledger_aidproject_progress_at_most_100",
                violation_error_message=_("Progress is a percentage from 0 to 100."),
            ),
            models.CheckConstraint(
                condition=models.Q(budget_amount__isnull=True) | models.Q(budget_amount__gte=0),
                name="ledger_aidproject_budget_not_negative",
                violation_error_message=_("The budget cannot be negative."),
            ),
        ]


class FundTransaction(models.Model):
    """Money for a project: a commitment, a disbursement or an expenditure (as in IATI)."""

    class TransactionKind(models.TextChoices):
        COMMITMENT = "commitment", _("Commitment")
        DISBURSEMENT = "disbursement", _("Disbursement")
        EXPENDITURE = "expenditure", _("Expenditure")

    project = models.ForeignKey(
        AidProject, models.CASCADE, related_name="transactions", verbose_name=_("project")
    )
    transaction_kind = models.CharField(_("kind"), max_length=12, choices=TransactionKind)
    transacted_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    fund_source = models.CharField(
        _("fund source"), max_length=12, choices=FundSource, default=FundSource.EAST_FISCAL
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("fund transaction")
        verbose_name_plural = _("fund transactions")
        ordering = ["transacted_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0),
                name="ledger_fundtransaction_amount_positive",
                violation_error_message=_("The amount must be more than zero."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_transaction_kind_display()} {self.amount}"


class Donation(Record):
    """社会帮扶 / 捐赠: money or goods given; the date is the handover date."""

    class DonationKind(models.TextChoices):
        MONEY = "money", _("Money")
        GOODS = "goods", _("Goods")

    donation_kind = models.CharField(_("money or goods"), max_length=6, choices=DonationKind)
    donor = models.ForeignKey(
        Organisation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("donor"),
    )
    donor_name = models.CharField(_("donor (as written)"), max_length=200, blank=True)
    recipient = models.ForeignKey(
        Organisation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient"),
    )
    recipient_name = models.CharField(_("recipient (as written)"), max_length=200, blank=True)
    items = models.CharField(_("items"), max_length=300, blank=True)
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    value_amount = models.DecimalField(
        _("value (yuan)"), null=True, blank=True, max_digits=14, decimal_places=2
    )
    in_service_on = models.DateField(_("in use from"), null=True, blank=True)
    in_service_on_precision = models.CharField(
        _("precision"), max_length=5, choices=DatePrecision, default=DatePrecision.DAY
    )

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value_amount__isnull=True) | models.Q(value_amount__gte=0),
                name="ledger_donation_value_not_negative",
                violation_error_message=_("The value cannot be negative."),
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__isnull=True) | models.Q(quantity__gt=0),
                name="ledger_donation_quantity_positive",
                violation_error_message=_("The quantity must be more than zero."),
            ),
        ]


class TalentExchange(Record):
    """干部人才交流: people posted, trained or teaching on the other side."""

    class Form(models.TextChoices):
        SECONDMENT = "secondment", _("Cadre secondment (挂职)")
        TEACHING = "teaching", _("Teaching support (支教)")
        MEDICAL = "medical", _("Medical support (支医)")
        STUDY = "study", _("Advanced study (进修)")
        TRAINING = "training", _("Training (培训)")
        AGRITECH = "agritech", _("Agricultural expert (农技)")
        FLEXIBLE = "flexible", _("Flexible talent (柔性引才)")

    form = models.CharField(_("form"), max_length=12, choices=Form)
    sector = models.CharField(_("sector"), max_length=15, choices=Sector)
    person_name = models.CharField(_("person"), max_length=100, blank=True)
    person_title = models.CharField(_("title"), max_length=200, blank=True)
    headcount = models.PositiveIntegerField(
        _("people"),
        null=True,
        blank=True,
        help_text=_("Leave empty when the source gives no number."),
    )
    home_organisation = models.ForeignKey(
        Organisation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    home_name = models.CharField(_("sent by (as written)"), max_length=200, blank=True)
    host_organisation = models.ForeignKey(
        Organisation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("host organisation"),
    )
    host_name = models.CharField(_("host (as written)"), max_length=200, blank=True)
    outcomes = models.TextField(_("outcomes"), blank=True)

    class Meta:
        verbose_name = _("cadre and talent exchange")
        verbose_name_plural = _("cadre and talent exchanges")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(headcount__isnull=True) | models.Q(headcount__gte=1),
                name="ledger_talentexchange_headcount_positive",
                violation_error_message=_("At least one person."),
            )
        ]


class Training(Record):
    """培训: sessions held for people of the west, counted in sessions and person-times."""

    organiser = models.ForeignKey(
        Organisation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organiser"),
    )
    organiser_name = models.CharField(_("organiser (as written)"), max_length=200, blank=True)
    topic = models.CharField(_("topic"), max_length=200)
    participants = models.CharField(_("who took part"), max_length=300, blank=True)
    sessions = models.PositiveIntegerField(_("sessions"), default=1)
    person_times = models.PositiveIntegerField(_("person-times"), null=True, blank=True)

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("trainings")


class IndustryCooperation(Record):
    """产业合作 and 企村结对: enterprises brought in, investment, parks, jobs."""

    class CooperationKind(models.TextChoices):
        ENTERPRISE = "enterprise", _("Enterprise introduced")
        PARK = "park", _("Co-built industrial park")
        VILLAGE_PAIRING = "village", _("Enterprise/NGO paired with a village")
        OTHER = "other", _("Other")

    cooperation_kind = models.CharField(_("kind"), max_length=12, choices=CooperationKind)
    enterprise = models.ForeignKey(
        Organisation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enterprise or organisation"),
    )
    investment_agreed_amount = models.DecimalField(
        _("investment agreed (yuan)"), null=True, blank=True, max_digits=14, decimal_places=2
    )
    investment_in_place_amount = models.DecimalField(
        _("investment in place (yuan)"), null=True, blank=True, max_digits=14, decimal_places=2
    )
    jobs_created = models.PositiveIntegerField(_("jobs created"), null=True, blank=True)
    poverty_exited_employed = models.PositiveIntegerField(
        _("of which poverty-exited people employed"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("industry cooperation")
        verbose_name_plural = _("industry cooperation")


class SalesEvent(Record):
    """A consumption-assistance event: a livestream, an expo, a fair, a sales training."""

    class EventKind(models.TextChoices):
        LIVESTREAM = "livestream", _("Livestream")
        EXPO = "expo", _("Expo or fair")
        TRAINING = "training", _("Sales training")
        PROMOTION = "promotion", _("Promotion or design")

    event_kind = models.CharField(_("kind of event"), max_length=12, choices=EventKind)
    venue = models.CharField(_("venue or channel"), max_length=200, blank=True)
    products = models.CharField(_("products"), max_length=300, blank=True)
    participants = models.CharField(_("who took part"), max_length=300, blank=True)
    sales_amount = models.DecimalField(
        _("sales (yuan)"), null=True, blank=True, max_digits=14, decimal_places=2
    )

    class Meta:
        verbose_name = _("sales event")
        verbose_name_plural = _("sales events")


class ReportedFigure(Record):
    """A total a source reports (互访60余次, 上千人): kept to check the ledger against it."""

    class Qualifier(models.TextChoices):
        EXACT = "exact", _("exactly")
        MORE_THAN = "more_than", _("more than (余/多)")
        ABOUT = "about", _("about (约)")
        NEARLY = "nearly", _("nearly (近)")
        OVER_THOUSAND = "thousands", _("on the order of (上千/上万)")

    metric = models.CharField(_("what is counted"), max_length=200)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=20)
    qualifier = models.CharField(
        _("qualifier"), max_length=10, choices=Qualifier, default=Qualifier.EXACT
    )
    period_start = models.DateField(_("counted from"), null=True, blank=True)

    class Meta:
        verbose_name = _("reported figure")
        verbose_name_plural = _("reported figures")


KIND_MODELS: dict[str, type[Record]] = {
    Record.Kind.VISIT: Visit,
    Record.Kind.MEETING: Meeting,
    Record.Kind.AGREEMENT: Agreement,
    Record.Kind.FUNDS: FundAllocation,
    Record.Kind.PROJECT: AidProject,
    Record.Kind.DONATION: Donation,
    Record.Kind.TALENT: TalentExchange,
    Record.Kind.TRAINING: Training,
    Record.Kind.INDUSTRY: IndustryCooperation,
    Record.Kind.SALES_EVENT: SalesEvent,
    Record.Kind.FIGURE: ReportedFigure,
}
