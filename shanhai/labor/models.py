"""Labor cooperation (劳务协作): workers, postings, organised transfers, placements, follow-ups
and subsidies.

A worker's ID number and phone are personal data: stored encrypted (core.personal), found by a
keyed hash, shown masked. Every other field is ordinary ledger data of the pairing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shanhai.core.models import Source, TimeStampedModel
from shanhai.places.models import Organisation, Pairing, Place, root_field


class HouseholdType(models.TextChoices):
    POVERTY_EXITED = "poverty_exited", _("Poverty-exited household (脱贫户)")
    MONITORED = "monitored", _("Monitored household (监测对象)")
    ORDINARY = "ordinary", _("Ordinary rural household (一般农户)")


class Willingness(models.TextChoices):
    SHANGHAI = "shanghai", _("Work in Shanghai")
    EAST = "east", _("Work elsewhere in the east")
    PROVINCE = "province", _("Stay in the province")
    NEAR_HOME = "near_home", _("Near home")


class Destination(models.TextChoices):
    """Where a placed worker works, relative to home: how the assessment splits employment."""

    SHANGHAI = "shanghai", _("Shanghai")
    OTHER_EAST = "other_east", _("Other eastern provinces")
    PROVINCE = "province", _("In the province, outside the county")
    NEAR_HOME = "near_home", _("In the county, near home")
    ELSEWHERE = "elsewhere", _("Other western provinces")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class Worker(TimeStampedModel):
    """A rural worker (劳动力) the county helps into work."""

    class Status(models.TextChoices):
        SEEKING = "seeking", _("Looking for work")
        PLACED = "placed", _("In work")
        NOT_LOOKING = "not_looking", _("Not looking")

    pairing = models.ForeignKey(
        Pairing, models.PROTECT, related_name="workers", verbose_name=_("pairing")
    )
    root = root_field()
    name = models.CharField(_("name"), max_length=50)
    id_number_encrypted = models.TextField(_("ID number (encrypted)"), blank=True, editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    id_number_masked = models.CharField(_("ID number"), max_length=18, blank=True, editable=False)
    phone_encrypted = models.TextField(_("phone (encrypted)"), blank=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=6, choices=Sex, blank=True)
    origin = models.ForeignKey(
        Place, models.PROTECT, related_name="+", verbose_name=_("home (town or village)")
    )
    household_type = models.CharField(
        _("household"), max_length=15, choices=HouseholdType, default=HouseholdType.ORDINARY
    )
    skills = models.CharField(_("skills"), max_length=300, blank=True)
    certificates = models.CharField(_("certificates"), max_length=300, blank=True)
    trainings = models.CharField(_("trainings taken"), max_length=300, blank=True)
    willingness = models.CharField(
        _("willing to work"), max_length=10, choices=Willingness, default=Willingness.SHANGHAI
    )
    expected_wage = models.PositiveIntegerField(
        _("expected wage (yuan/month)"), null=True, blank=True
    )
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.SEEKING)
    has_consented = models.BooleanField(_("agrees to share details with employers"), default=False)
    is_illustrative = models.BooleanField(_("illustrative"), default=False)
    source = models.ForeignKey(
        Source, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("source")
    )
    anonymised_at = models.DateTimeField(_("personal data deleted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                # With the root, for Citus; the services find an ID number in any root
                # themselves, under a lock (docs/scaling.md).
                fields=["id_number_hash", "root"],
                condition=~models.Q(id_number_hash=""),
                name="labor_worker_one_per_id_number",
                violation_error_message=_("A worker with this ID number is already registered."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Posting(TimeStampedModel):
    """A job an employer offers (岗位), open from/to a date, for so many people."""

    class Industry(models.TextChoices):
        MANUFACTURING = "manufacturing", _("Manufacturing")
        CONSTRUCTION = "construction", _("Construction")
        LOGISTICS = "logistics", _("Logistics")
        SERVICES = "services", _("Services")
        CATERING = "catering", _("Catering and hotels")
        CARE = "care", _("Domestic work and care")
        AGRICULTURE = "agriculture", _("Agriculture")
        OTHER = "other", _("Other")

    class Education(models.TextChoices):
        NONE = "none", _("No requirement")
        PRIMARY = "primary", _("Primary school")
        JUNIOR = "junior", _("Junior middle school")
        SENIOR = "senior", _("Senior middle or vocational school")
        COLLEGE = "college", _("College or above")

    pairing = models.ForeignKey(
        Pairing, models.PROTECT, related_name="postings", verbose_name=_("pairing")
    )
    employer = models.ForeignKey(
        Organisation, models.PROTECT, related_name="postings", verbose_name=_("employer")
    )
    title = models.CharField(_("job"), max_length=100)
    industry = models.CharField(_("industry"), max_length=15, choices=Industry)
    work_place = models.ForeignKey(
        Place, models.PROTECT, related_name="+", verbose_name=_("place of work")
    )
    headcount = models.PositiveIntegerField(_("people wanted"))
    wage_min = models.PositiveIntegerField(_("wage from (yuan/month)"))
    wage_max = models.PositiveIntegerField(_("wage to (yuan/month)"))
    hours = models.CharField(_("hours and shifts"), max_length=100, blank=True)
    education = models.CharField(
        _("education"), max_length=10, choices=Education, default=Education.NONE
    )
    skills_required = models.CharField(_("skills needed"), max_length=300, blank=True)
    age_min = models.PositiveSmallIntegerField(_("age from"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("age to"), null=True, blank=True)
    has_housing = models.BooleanField(_("housing provided"), default=False)
    has_meals = models.BooleanField(_("meals provided"), default=False)
    is_love_post = models.BooleanField(
        _("爱心岗位"),
        default=False,
        help_text=_("Reserved for workers from poverty-exited households."),
    )
    valid_from = models.DateField(_("open from"))
    valid_to = models.DateField(_("open until"))
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    is_illustrative = models.BooleanField(_("illustrative"), default=False)

    class Meta:
        verbose_name = _("job posting")
        verbose_name_plural = _("job postings")
        ordering = ["-valid_from", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(wage_max__gte=models.F("wage_min")),
                name="labor_posting_wage_range_in_order",
                violation_error_message=_("The highest wage cannot be below the lowest."),
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__gte=models.F("valid_from")),
                name="labor_posting_open_period_in_order",
                violation_error_message=_("A posting cannot close before it opens."),
            ),
            models.CheckConstraint(
                condition=models.Q(headcount__gte=1),
                name="labor_posting_headcount_positive",
                violation_error_message=_("A posting wants at least one person."),
            ),
            models.CheckConstraint(
                condition=models.Q(age_min__isnull=True)
                | models.Q(age_max__isnull=True)
                | models.Q(age_max__gte=models.F("age_min")),
                name="labor_posting_age_range_in_order",
                violation_error_message=_("The age range is upside down."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employer} · {self.title}"


class TransferBatch(TimeStampedModel):
    """有组织输出: workers taken together, point to point, to their jobs."""

    class Transport(models.TextChoices):
        BUS = "bus", _("Point-to-point bus")
        TRAIN = "train", _("Train")
        PLANE = "plane", _("Plane")
        OTHER = "other", _("Other")

    pairing = models.ForeignKey(
        Pairing, models.PROTECT, related_name="transfer_batches", verbose_name=_("pairing")
    )
    departed_on = models.DateField(_("departed on"))
    organiser = models.CharField(_("organised by"), max_length=200)
    transport = models.CharField(_("transport"), max_length=6, choices=Transport)
    escort = models.CharField(_("escorted by"), max_length=200, blank=True)
    destination = models.ForeignKey(
        Place, models.PROTECT, related_name="+", verbose_name=_("destination")
    )
    workers = models.ManyToManyField(
        Worker, blank=True, related_name="transfer_batches", verbose_name=_("workers")
    )
    is_illustrative = models.BooleanField(_("illustrative"), default=False)

    class Meta:
        verbose_name = _("organised transfer")
        verbose_name_plural = _("organised transfers")
        ordering = ["-departed_on", "id"]

    def __str__(self) -> str:
        return f"{self.departed_on} → {self.destination}"


class Placement(TimeStampedModel):
    """A worker who started work; how it came about, and when and why it ended."""

    class Channel(models.TextChoices):
        TRANSFER = "transfer", _("Organised transfer")
        JOB_FAIR = "job_fair", _("Job fair")
        MATCHED = "matched", _("Matched by the liaison")
        SELF_FOUND = "self_found", _("Found it themselves")

    worker = models.ForeignKey(
        Worker, models.PROTECT, related_name="placements", verbose_name=_("worker")
    )
    pairing = models.ForeignKey(
        Pairing, models.PROTECT, related_name="placements", verbose_name=_("pairing")
    )
    root = root_field()
    posting = models.ForeignKey(
        Posting,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="placements",
        verbose_name=_("posting"),
    )
    employer = models.ForeignKey(
        Organisation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("employer"),
    )
    employer_name = models.CharField(_("employer (as written)"), max_length=200, blank=True)
    work_place = models.ForeignKey(
        Place, models.PROTECT, related_name="+", verbose_name=_("place of work")
    )
    destination = models.CharField(_("destination"), max_length=12, choices=Destination)
    started_on = models.DateField(_("started on"))
    monthly_wage = models.PositiveIntegerField(_("wage (yuan/month)"), null=True, blank=True)
    channel = models.CharField(_("how it came about"), max_length=12, choices=Channel)
    batch = models.ForeignKey(
        TransferBatch,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="placements",
        verbose_name=_("organised transfer"),
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    is_illustrative = models.BooleanField(_("illustrative"), default=False)
    source = models.ForeignKey(
        Source, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("source")
    )

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        ordering = ["-started_on", "id"]
        indexes = [models.Index(fields=["pairing", "started_on"], name="labor_placement_started")]
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "root"],
                condition=models.Q(ended_on__isnull=True),
                name="labor_placement_one_active_per_worker",
                violation_error_message=_("This worker is already recorded as in work."),
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="labor_placement_ends_after_start",
                violation_error_message=_("A job cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} @ {self.employer or self.employer_name}"


class FollowUp(models.Model):
    """A dated check on a placed worker (回访): still in work, where, earning what."""

    placement = models.ForeignKey(
        Placement, models.CASCADE, related_name="followups", verbose_name=_("placement")
    )
    root = root_field()
    checked_on = models.DateField(_("checked on"))
    is_employed = models.BooleanField(_("still in work"))
    employer_name = models.CharField(_("employer now"), max_length=200, blank=True)
    monthly_income = models.PositiveIntegerField(_("income (yuan/month)"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["checked_on", "id"]

    root_follows = "placement__pairing"  # its placement's root

    def __str__(self) -> str:
        return f"{self.placement} · {self.checked_on}"


class SubsidyRule(models.Model):
    """A subsidy as data: what it pays, to whom, when (a county's policy, year by year)."""

    class Kind(models.TextChoices):
        TRANSPORT = "transport", _("Cross-province transport subsidy")
        STABLE = "stable", _("Stable-employment subsidy")
        JOB_SEEKING = "job_seeking", _("One-off job-seeking subsidy")
        EMPLOYER_POST = "employer_post", _("Employer post subsidy")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=15, choices=Kind)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2)
    months = models.PositiveSmallIntegerField(
        _("months in work"), null=True, blank=True, help_text=_("For stable-employment tiers.")
    )
    destinations = models.JSONField(
        _("destinations"), default=list, blank=True, help_text=_("Empty: any destination.")
    )
    household_types = models.JSONField(
        _("households"), default=list, blank=True, help_text=_("Empty: any household.")
    )
    valid_from = models.DateField(_("applies from"))
    valid_to = models.DateField(_("applies until"), null=True, blank=True)

    class Meta:
        verbose_name = _("subsidy rule")
        verbose_name_plural = _("subsidy rules")
        ordering = ["kind", "months", "code"]

    def __str__(self) -> str:
        return self.name


class SubsidyClaim(TimeStampedModel):
    """A subsidy a placement earned under a rule: claimed, approved, paid."""

    class Status(models.TextChoices):
        ELIGIBLE = "eligible", _("Eligible, not yet claimed")
        CLAIMED = "claimed", _("Claimed")
        APPROVED = "approved", _("Approved")
        PAID = "paid", _("Paid")
        REJECTED = "rejected", _("Rejected")

    rule = models.ForeignKey(
        SubsidyRule, models.PROTECT, related_name="claims", verbose_name=_("rule")
    )
    placement = models.ForeignKey(
        Placement, models.PROTECT, related_name="subsidy_claims", verbose_name=_("placement")
    )
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2)
    eligible_on = models.DateField(_("eligible from"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.ELIGIBLE)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("subsidy claim")
        verbose_name_plural = _("subsidy claims")
        ordering = ["-eligible_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "placement"],
                name="labor_subsidyclaim_once_per_rule",
                violation_error_message=_("This placement already has this subsidy."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status="paid") | models.Q(paid_on__isnull=False),
                name="labor_subsidyclaim_paid_has_date",
                violation_error_message=_("A paid subsidy says when it was paid."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.placement}"
