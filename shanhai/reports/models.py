"""Reports made in the background, so a long PDF does not hold a page (or a weak line) open."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shanhai.places.models import Pairing


class ReportJob(models.Model):
    """One request for a report file, with how far it has got."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Being made")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    pairing = models.ForeignKey(Pairing, models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    first_year = models.PositiveSmallIntegerField(_("from year"))
    fmt = models.CharField(_("format"), max_length=5)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=8, choices=Status, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage = models.CharField(_("stage"), max_length=100, blank=True)
    file = models.FileField(_("file"), upload_to="reports/%Y/%m/", blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("report job")
        verbose_name_plural = _("report jobs")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.pairing} {self.first_year}–{self.year}.{self.fmt} ({self.status})"
