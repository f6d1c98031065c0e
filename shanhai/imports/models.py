"""Spreadsheet imports: the uploaded file, how its columns were read, and how far it has got."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shanhai.core.models import Source
from shanhai.places.models import Pairing


class ImportJob(models.Model):
    """One uploaded sheet on its way into the ledger: checked (preview), then written or not."""

    class Mode(models.TextChoices):
        CREATE = "create", _("Add new rows (rows already present are left as they are)")
        UPDATE = "update", _("Add new rows and update the rows already present")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be checked")
        CHECKING = "checking", _("Being checked")
        READY = "ready", _("Checked: ready to import")
        INVALID = "invalid", _("Checked: has problems")
        UNUSABLE = "unusable", _("The file cannot be read")
        WRITING = "writing", _("Being imported")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("what is imported"), max_length=30)
    pairing = models.ForeignKey(
        Pairing,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pairing"),
        help_text=_("The pairing rows belong to when the sheet has no pairing column."),
    )
    mode = models.CharField(_("mode"), max_length=10, choices=Mode, default=Mode.CREATE)
    side = models.CharField(_("recorded for side"), max_length=10, blank=True)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    mapping = models.JSONField(
        _("column mapping"), default=dict, blank=True, help_text=_("{header as written: column}")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    stage = models.CharField(_("stage"), max_length=200, blank=True)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_checked = models.PositiveIntegerField(_("rows checked"), default=0)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    errors = models.JSONField(_("problems"), default=list, blank=True)
    preview = models.JSONField(_("preview"), default=dict, blank=True)
    source = models.ForeignKey(
        Source, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("source")
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.file_name} ({self.status})"


class ColumnMapping(models.Model):
    """A header someone taught the importer once: "带队人姓名" means the leader column."""

    kind = models.CharField(_("what is imported"), max_length=30)
    header = models.CharField(_("header as written"), max_length=200)
    column = models.CharField(_("column"), max_length=50)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("taught by")
    )
    created_at = models.DateTimeField(_("taught at"), auto_now_add=True)

    class Meta:
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "kind", "header"], name="imports_columnmapping_one_per_header"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.header} → {self.column}"
