"""The shared kernel: timestamps, sources of facts, partial dates and the audit log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class DatePrecision(models.TextChoices):
    """How much of a date a source actually states ("2021年" is not 2021-01-01)."""

    YEAR = "year", _("year")
    MONTH = "month", _("month")
    DAY = "day", _("day")


class Source(TimeStampedModel):
    """Where a fact comes from: a news article, a document, a sheet, or our own illustration."""

    class Kind(models.TextChoices):
        NEWS = "news", _("News article")
        DOCUMENT = "document", _("Official document")
        RESEARCH = "research", _("Research note")
        ILLUSTRATIVE = "illustrative", _("Illustrative (invented for the demo)")

    key = models.SlugField(_("key"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    title = models.CharField(_("title"), max_length=300)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    url = models.URLField(_("address"), max_length=500, blank=True)
    excerpt = models.TextField(_("excerpt"), blank=True)

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["-published_on", "title"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_illustrative(self) -> bool:
        return self.kind == self.Kind.ILLUSTRATIVE


class AuditEvent(models.Model):
    """One change with domain meaning: who did what to which object, and when."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=100, db_index=True)
    target_type = models.CharField(_("target type"), max_length=100)
    target_id = models.CharField(_("target id"), max_length=64)
    target_repr = models.CharField(_("target"), max_length=300)
    details = models.JSONField(_("details"), default=dict, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.target_repr}"
