"""Evidence (佐证材料): photos, minutes, contracts attached to a record, checked and hashed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shanhai.ledger.models.records import Record


def evidence_path(instance: Evidence, filename: str) -> str:
    """Store by content hash, so the same file uploaded twice is one file on disk."""
    return f"evidence/{instance.sha256[:2]}/{instance.sha256}.{instance.extension}"


def thumbnail_path(instance: Evidence, filename: str) -> str:
    return f"evidence/thumbs/{instance.sha256[:2]}/{instance.sha256}.jpg"


class Evidence(models.Model):
    """A file that backs a record. Its type was sniffed from the content, not the name."""

    record = models.ForeignKey(
        Record, models.CASCADE, related_name="evidence", verbose_name=_("record")
    )
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    thumbnail = models.FileField(
        _("thumbnail"), upload_to=thumbnail_path, max_length=200, blank=True
    )
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    extension = models.CharField(_("extension"), max_length=10)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "sha256"],
                name="ledger_evidence_once_per_record",
                violation_error_message=_("This file is already attached to this record."),
            )
        ]

    def __str__(self) -> str:
        return self.caption or self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
