"""Articles brought in from the news, the ledger records proposed from them, and what is public."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shanhai.core.models import Source, TimeStampedModel
from shanhai.places.models import Pairing


class Article(TimeStampedModel):
    """A news item or work report, cleaned, with the facts extracted from it.

    The article is the ``Source`` of every record accepted from it; the digest of its cleaned
    text recognises the same article dropped in again, however the page around it changed.
    """

    source = models.OneToOneField(
        Source, models.PROTECT, related_name="article", verbose_name=_("source")
    )
    pairing = models.ForeignKey(
        Pairing, models.PROTECT, related_name="articles", verbose_name=_("pairing")
    )
    digest = models.CharField(
        _("digest of the cleaned text"), max_length=64, unique=True, editable=False
    )
    title = models.CharField(_("title"), max_length=300)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    outlet = models.CharField(_("outlet"), max_length=200, blank=True)
    author = models.CharField(_("author"), max_length=200, blank=True)
    text = models.TextField(_("cleaned text"))
    extraction = models.JSONField(_("extracted facts"), default=dict, editable=False)
    is_public = models.BooleanField(
        _("published on the portal"),
        default=False,
        help_text=_("Shown on the pairing's public portal, without signing in."),
    )
    made_public_at = models.DateTimeField(_("published at"), null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("added by")
    )

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-published_on", "-id"]
        indexes = [
            models.Index(
                fields=["pairing", "is_public", "-published_on"], name="news_article_portal"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Proposal(models.Model):
    """One ledger record an article suggests, until someone accepts or rejects it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("To review")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    article = models.ForeignKey(
        Article, models.CASCADE, related_name="proposals", verbose_name=_("article")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=20)
    values = models.JSONField(_("proposed values"), default=dict)
    evidence = models.TextField(_("what the article says"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    # An accepted proposal names the record it became; if that record is later deleted (made in
    # error) the proposal stays accepted with no record, and the review page offers to reopen it.
    record = models.OneToOneField(
        "ledger.Record",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposal",
        verbose_name=_("record"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("proposed record")
        verbose_name_plural = _("proposed records")
        ordering = ["article", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "position"], name="news_proposal_unique_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article} #{self.position}"
