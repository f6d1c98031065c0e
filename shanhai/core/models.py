"""The shared kernel: timestamps, sources of facts, partial dates and the audit log."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
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
    occurred_at = models.DateTimeField(
        _("occurred at"), default=timezone.now, editable=False, db_index=True
    )
    # Who and where as recorded at the time: the account may later be renamed or deleted.
    actor_username = models.CharField(_("actor (as recorded)"), max_length=150, blank=True)
    ip_address = models.CharField(_("IP address"), max_length=45, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    origin = models.CharField(
        _("origin"), max_length=200, blank=True, help_text=_("The request, command or task.")
    )
    # The tamper-evident chain: hash = SHA-256(prev_hash + this event's fields).
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.target_repr}"

    def compute_hash(self) -> str:
        """Return SHA-256 over the previous hash and this event's fields, canonically written."""
        fields = {
            "prev_hash": self.prev_hash,
            "occurred_at": self.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": self.actor_username,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "target_repr": self.target_repr,
            "details": canonical_json_value(self.details),
            "ip_address": self.ip_address,
            "user_agent": self.user_agent,
            "origin": self.origin,
        }
        text = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def canonical_json_value(value: Any) -> Any:
    """Return *value* as the database gives it back (PostgreSQL writes 1e20 as an integer)."""
    if isinstance(value, dict):
        return {str(key): canonical_json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [canonical_json_value(item) for item in value]
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1e16:
        return int(value)
    return value


AUDIT_CHAIN_PK = 1


class AuditChain(models.Model):
    """The head of the audit log's hash chain: one row, locked by every append."""

    last_hash = models.CharField(_("last hash"), max_length=64, blank=True)
    length = models.PositiveBigIntegerField(_("length"), default=0)

    class Meta:
        verbose_name = _("audit chain")
        verbose_name_plural = _("audit chains")

    def __str__(self) -> str:
        return f"{self.length} {self.last_hash[:12]}"
