"""The ledger's common part: every record, whatever its kind, with its confirmation and history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shanhai.accounts.models import Side
from shanhai.core.models import DatePrecision, Source, TimeStampedModel
from shanhai.places.models import Pairing, root_field


class Direction(models.TextChoices):
    EAST_TO_WEST = "east_west", _("East → west")
    WEST_TO_EAST = "west_east", _("West → east")
    BOTH = "both", _("Both ways")


class Level(models.TextChoices):
    """Who leads a delegation or meeting (the assessment counts principal leaders apart)."""

    PRINCIPAL = "principal", _("Principal party and government leaders")
    DEPUTY = "deputy", _("Leaders in charge")
    DEPARTMENT = "department", _("Departments")
    TOWN_VILLAGE = "town", _("Towns and villages")
    ENTERPRISE = "enterprise", _("Enterprises and social organisations")


class Record(TimeStampedModel):
    """One thing the two sides did together, recorded once, confirmed by the other side."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("Visit")
        MEETING = "meeting", _("Meeting")
        AGREEMENT = "agreement", _("Agreement or plan")
        FUNDS = "funds", _("Fiscal aid funds")
        PROJECT = "project", _("Aid project")
        DONATION = "donation", _("Donation")
        TALENT = "talent", _("Cadre and talent exchange")
        TRAINING = "training", _("Training")
        INDUSTRY = "industry", _("Industry cooperation")
        SALES_EVENT = "sales_event", _("Sales event")
        FIGURE = "figure", _("Reported figure")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        QUERIED = "queried", _("Queried")

    class EntryMethod(models.TextChoices):
        FORM = "form", _("Form")
        QUICK = "quick", _("Quick entry")
        IMPORT = "import", _("Import")
        API = "api", _("API")
        NEWS = "news", _("News article")
        DEMO = "demo", _("Demo data")

    pairing = models.ForeignKey(
        Pairing, models.PROTECT, related_name="records", verbose_name=_("pairing")
    )
    root = root_field()
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, editable=False)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    occurred_on = models.DateField(_("date"))
    occurred_on_precision = models.CharField(
        _("precision of the date"), max_length=5, choices=DatePrecision, default=DatePrecision.DAY
    )
    ended_on = models.DateField(_("end date"), null=True, blank=True)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction, blank=True)
    level = models.CharField(_("level"), max_length=12, choices=Level, blank=True)
    side = models.CharField(
        _("recorded by side"),
        max_length=10,
        choices=Side,
        help_text=_("The side that recorded it."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    entry_method = models.CharField(
        _("entered through"), max_length=10, choices=EntryMethod, default=EntryMethod.FORM
    )
    source = models.ForeignKey(
        Source,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="records",
        verbose_name=_("source"),
    )
    source_note = models.TextField(_("what the source says"), blank=True)
    is_illustrative = models.BooleanField(
        _("illustrative"), default=False, help_text=_("Invented to fill the demo, not a fact.")
    )
    status = models.CharField(
        _("confirmation"), max_length=10, choices=Status, default=Status.PENDING
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("ledger record")
        verbose_name_plural = _("ledger records")
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(fields=["pairing", "-occurred_on", "-id"], name="ledger_record_timeline"),
            models.Index(fields=["kind", "-occurred_on", "-id"], name="ledger_record_kind_date"),
            models.Index(fields=["-occurred_on", "-id"], name="ledger_record_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("occurred_on")),
                name="ledger_record_ends_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status="confirmed") | models.Q(confirmed_by__isnull=False),
                name="ledger_record_confirmed_has_confirmer",
                violation_error_message=_("A confirmed record names who confirmed it."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def specific(self) -> Record:
        """Return this record as its own kind (a Visit, a Donation …)."""
        from shanhai.ledger.models.kinds import KIND_MODELS

        model = KIND_MODELS[self.kind]
        if isinstance(self, model):
            return self
        return model.objects.get(pk=self.pk)


class RecordChange(models.Model):
    """One edit of a record: who changed which fields, from what to what."""

    record = models.ForeignKey(
        Record, models.CASCADE, related_name="changes", verbose_name=_("record")
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("changed by")
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    changes = models.JSONField(_("changes"), help_text=_("{field: [old, new]}"))

    class Meta:
        verbose_name = _("record change")
        verbose_name_plural = _("record changes")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.record} · {', '.join(self.changes)}"


class RecordComment(models.Model):
    """A message in a record's confirmation thread: a query, an answer, a confirmation note."""

    class Kind(models.TextChoices):
        QUERY = "query", _("Query")
        REPLY = "reply", _("Reply")
        CONFIRMATION = "confirmation", _("Confirmation")

    record = models.ForeignKey(
        Record, models.CASCADE, related_name="comments", verbose_name=_("record")
    )
    kind = models.CharField(_("kind"), max_length=15, choices=Kind)
    text = models.TextField(_("text"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("author")
    )
    side = models.CharField(_("side"), max_length=10, choices=Side)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:40]}"
