"""What the ledgers contribute to indicators: one row per measured thing, and monthly sums.

The ledgers (ledger, later labor and consumption) write facts; indicators read rollups. So
indicators depend on facts, never on a ledger's models, and no ledger knows about indicators.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shanhai.places.models import Pairing, root_field


class Fact(models.Model):
    """One measure of one source row: "this visit counts 1 under visit, west→east, principal"."""

    source = models.CharField(_("source"), max_length=40)  # e.g. "ledger.record"
    source_id = models.BigIntegerField(_("source id"))
    pairing = models.ForeignKey(Pairing, models.CASCADE, related_name="+")
    root = root_field()
    month = models.DateField(_("month"))  # always the first day
    metric = models.CharField(_("metric"), max_length=40)
    direction = models.CharField(max_length=12, blank=True)
    level = models.CharField(max_length=12, blank=True)
    category = models.CharField(max_length=20, blank=True)
    subcategory = models.CharField(max_length=20, blank=True)
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = _("fact")
        verbose_name_plural = _("facts")
        indexes = [
            models.Index(fields=["source", "source_id"], name="facts_fact_by_source"),
            models.Index(fields=["metric", "pairing", "month"], name="facts_fact_drill_down"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.value} ({self.source}:{self.source_id})"


class Rollup(models.Model):
    """The sum and count of facts per pairing, month, metric and dimensions."""

    pairing = models.ForeignKey(Pairing, models.CASCADE, related_name="+")
    root = root_field()
    month = models.DateField(_("month"))
    metric = models.CharField(_("metric"), max_length=40)
    direction = models.CharField(max_length=12, blank=True)
    level = models.CharField(max_length=12, blank=True)
    category = models.CharField(max_length=20, blank=True)
    subcategory = models.CharField(max_length=20, blank=True)
    count = models.IntegerField(_("count"), default=0)
    total = models.DecimalField(_("total"), default=0, max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = _("rollup")
        verbose_name_plural = _("rollups")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "pairing",
                    "month",
                    "metric",
                    "direction",
                    "level",
                    "category",
                    "subcategory",
                    "root",
                ],
                name="facts_rollup_one_row_per_cell",
            )
        ]
        indexes = [models.Index(fields=["metric", "month"], name="facts_rollup_metric_month")]

    def __str__(self) -> str:
        return f"{self.metric} {self.month:%Y-%m}: {self.count} / {self.total}"
