"""What a pairing shows the public: the headline figures its office chose to publish.

Published news needs no table of its own: an article carries ``is_public`` (shanhai.news).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shanhai.indicators.models import Indicator
from shanhai.places.models import Pairing


class PublicFigure(models.Model):
    """An indicator whose value, computed from the ledger, the pairing shows on its portal.

    The indicator belongs to one regime's catalogue, so the figure shows for the years that
    regime covers; a new catalogue (2026 …) is a new choice for the office.
    """

    pairing = models.ForeignKey(
        Pairing, models.CASCADE, related_name="public_figures", verbose_name=_("pairing")
    )
    indicator = models.ForeignKey(
        Indicator, models.PROTECT, related_name="+", verbose_name=_("indicator")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    made_public_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("made public by")
    )
    made_public_at = models.DateTimeField(_("made public at"), default=timezone.now)

    class Meta:
        verbose_name = _("public figure")
        verbose_name_plural = _("public figures")
        ordering = ["pairing", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pairing", "indicator"],
                name="portal_publicfigure_once_per_pairing",
                violation_error_message=_("This figure is already public for the pairing."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pairing} · {self.indicator}"
