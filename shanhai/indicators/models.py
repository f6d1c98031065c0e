"""Indicators as data: a catalogue per assessment regime, computed from the ledgers' facts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shanhai.places.models import Pairing


class Regime(models.Model):
    """A set of assessment rules in force for some years (2017, 2021–2025, 2026 …)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    first_year = models.PositiveSmallIntegerField(_("first year"))
    last_year = models.PositiveSmallIntegerField(_("last year"), null=True, blank=True)
    source = models.TextField(_("where the rules come from"), blank=True)

    class Meta:
        verbose_name = _("assessment regime")
        verbose_name_plural = _("assessment regimes")
        ordering = ["first_year"]

    def __str__(self) -> str:
        return self.name


class Category(models.TextChoices):
    LEADERSHIP = "leadership", _("Organisational leadership")
    FUNDS = "funds", _("Funds")
    TALENT = "talent", _("Cadres and talent")
    TRAINING = "training", _("Training")
    INDUSTRY = "industry", _("Industry cooperation")
    CONSUMPTION = "consumption", _("Consumption assistance")
    LABOR = "labor", _("Labor cooperation")
    SOCIAL = "social", _("Social assistance and pairing")
    REVITALISATION = "revitalisation", _("Rural revitalisation")


class Indicator(models.Model):
    """One figure the assessment asks for, and how to compute it from the ledgers.

    ``computation`` says how: "facts" sums or counts the facts of ``metric`` matching
    ``filters`` ({"direction": "west_east", "level": "principal"}, alternatives joined by "|");
    "pairings" counts sub-pairings whose kind is in ``filters["kind"]``; "ratio" divides the
    indicator ``filters["numerator"]`` by ``filters["denominator"]``; "not_yet" is fed by a
    module that has not landed (consumption) and shows as such.
    """

    class Computation(models.TextChoices):
        FACTS = "facts", _("From ledger facts")
        PAIRINGS = "pairings", _("Count of pairings")
        RATIO = "ratio", _("Ratio of two indicators")
        NOT_YET = "not_yet", _("Fed by a later module")

    class Aggregate(models.TextChoices):
        COUNT = "count", _("count of records")
        SUM = "sum", _("sum of a field")

    class ReportingSide(models.TextChoices):
        EAST = "east", _("East")
        WEST = "west", _("West")
        BOTH = "both", _("Both")

    regime = models.ForeignKey(
        Regime, models.PROTECT, related_name="indicators", verbose_name=_("regime")
    )
    code = models.CharField(_("code"), max_length=20)
    category = models.CharField(_("category"), max_length=20, choices=Category)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20)
    side = models.CharField(_("reported by"), max_length=5, choices=ReportingSide)
    computation = models.CharField(_("computation"), max_length=10, choices=Computation)
    metric = models.CharField(_("metric"), max_length=40, blank=True)
    aggregate = models.CharField(
        _("aggregate"), max_length=5, choices=Aggregate, default=Aggregate.COUNT
    )
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    scale = models.DecimalField(
        _("divide by"),
        max_digits=12,
        decimal_places=0,
        default=1,
        help_text=_("10000 to show yuan as 万元."),
    )
    fed_by = models.CharField(_("fed by"), max_length=20, default="ledger")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["regime", "position", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["regime", "code"], name="indicators_indicator_unique_code_in_regime"
            ),
            models.CheckConstraint(
                condition=models.Q(scale__gt=0), name="indicators_indicator_scale_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"


class AnnualTarget(models.Model):
    """The target a pairing signed for an indicator in a year (帮扶协议目标任务)."""

    pairing = models.ForeignKey(
        Pairing, models.CASCADE, related_name="targets", verbose_name=_("pairing")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    indicator = models.ForeignKey(
        Indicator, models.PROTECT, related_name="targets", verbose_name=_("indicator")
    )
    value = models.DecimalField(_("target"), max_digits=18, decimal_places=2)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("set by")
    )
    set_at = models.DateTimeField(_("set at"), auto_now=True)

    class Meta:
        verbose_name = _("annual target")
        verbose_name_plural = _("annual targets")
        constraints = [
            models.UniqueConstraint(
                fields=["pairing", "year", "indicator"], name="indicators_target_one_per_year"
            ),
            models.CheckConstraint(
                condition=models.Q(value__gte=0),
                name="indicators_target_not_negative",
                violation_error_message=_("A target cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pairing} {self.year} {self.indicator.code}: {self.value}"


class AssessmentYear(models.Model):
    """A pairing's year under assessment: self-assessment, the paired side's opinion, approval."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        OPINION = "opinion", _("Paired side's opinion given")
        APPROVED = "approved", _("Approved")
        LOCKED = "locked", _("Locked")

    pairing = models.ForeignKey(
        Pairing, models.CASCADE, related_name="assessments", verbose_name=_("pairing")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.DRAFT)
    self_assessment = models.TextField(_("self-assessment"), blank=True)
    submitted_side = models.CharField(_("submitted by side"), max_length=10, blank=True)
    opinion = models.TextField(_("paired side's opinion"), blank=True)

    class Meta:
        verbose_name = _("assessment year")
        verbose_name_plural = _("assessment years")
        constraints = [
            models.UniqueConstraint(fields=["pairing", "year"], name="indicators_assessment_once")
        ]

    def __str__(self) -> str:
        return f"{self.pairing} {self.year} · {self.get_state_display()}"


class AssessmentStep(models.Model):
    """One move of an assessment year from one state to another, with who, when and why."""

    assessment = models.ForeignKey(
        AssessmentYear, models.CASCADE, related_name="steps", verbose_name=_("assessment")
    )
    from_state = models.CharField(_("from"), max_length=10, choices=AssessmentYear.State)
    to_state = models.CharField(_("to"), max_length=10, choices=AssessmentYear.State)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("by")
    )
    note = models.TextField(_("note"), blank=True)
    taken_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("assessment step")
        verbose_name_plural = _("assessment steps")
        ordering = ["taken_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state}"
