"""Writes for the public portal: which figures and articles a pairing publishes."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shanhai.accounts.models import User
from shanhai.core.services import record_audit_event
from shanhai.indicators.models import Indicator, Regime
from shanhai.news.models import Article
from shanhai.places.models import Pairing
from shanhai.places.selectors import user_can
from shanhai.portal.models import PublicFigure
from shanhai.portal.selectors import PUBLISH


def _require_publisher(user: User, pairing: Pairing) -> None:
    if not user_can(user, pairing, PUBLISH):
        raise PermissionDenied


@transaction.atomic
def set_public_figures(
    *, user: User, pairing: Pairing, regime: Regime, indicators: Sequence[Indicator]
) -> int:
    """Make *indicators* the pairing's public figures of *regime*, shown in this order.

    The regime's other indicators stop being public; other regimes' choices stay as they are.
    Return how many figures were published or withdrawn (reordering alone counts none).
    """
    _require_publisher(user, pairing)
    if any(indicator.regime_id != regime.pk for indicator in indicators):
        raise ValidationError(
            _("Choose figures from the %(regime)s catalogue only."),
            code="other_regime",
            params={"regime": regime.name},
        )
    existing = {
        figure.indicator_id: figure
        for figure in PublicFigure.objects.filter(
            pairing=pairing, indicator__regime=regime
        ).select_related("indicator")
    }
    chosen = {indicator.pk for indicator in indicators}
    changed = 0
    for indicator_id, figure in existing.items():
        if indicator_id not in chosen:
            code = figure.indicator.code
            figure.delete()
            _audit_figure(user, pairing, regime, code, "portal.figure.withdrawn")
            changed += 1
    for position, indicator in enumerate(indicators):
        kept = existing.get(indicator.pk)
        if kept is not None:
            if kept.position != position:
                kept.position = position
                kept.save(update_fields=["position"])
            continue
        figure = PublicFigure(
            pairing=pairing,
            indicator=indicator,
            position=position,
            made_public_by=user,
            made_public_at=timezone.now(),
        )
        figure.full_clean()
        figure.save()
        _audit_figure(user, pairing, regime, indicator.code, "portal.figure.published")
        changed += 1
    return changed


def _audit_figure(user: User, pairing: Pairing, regime: Regime, code: str, action: str) -> None:
    record_audit_event(
        actor=user,
        action=action,
        target=pairing,
        details={"regime": regime.code, "indicator": code},
    )


@transaction.atomic
def publish_article(*, user: User, article: Article, public: bool) -> bool:
    """Show *article* on its pairing's portal (or take it down). Return whether it changed."""
    _require_publisher(user, article.pairing)
    if article.is_public == public:
        return False
    article.is_public = public
    article.made_public_at = timezone.now() if public else None
    article.full_clean()
    article.save(update_fields=["is_public", "made_public_at", "updated_at"])
    action = "portal.article.published" if public else "portal.article.withdrawn"
    record_audit_event(actor=user, action=action, target=article)
    return True


@dataclass(frozen=True)
class PortalChanges:
    figures: int
    articles: int

    @property
    def total(self) -> int:
        return self.figures + self.articles


@transaction.atomic
def update_portal(
    *,
    user: User,
    pairing: Pairing,
    regime: Regime | None,
    figures: Sequence[Indicator],
    articles_shown: Iterable[Article],
    articles_public: Collection[Article],
) -> PortalChanges:
    """Apply the office's portal page: the figures of *regime*, and of the articles it listed,
    which are public. Articles not listed on the page keep their state."""
    _require_publisher(user, pairing)
    changed_figures = 0
    if regime is not None:
        changed_figures = set_public_figures(
            user=user, pairing=pairing, regime=regime, indicators=figures
        )
    public_ids = {article.pk for article in articles_public}
    changed_articles = 0
    for article in articles_shown:
        if article.pairing_id != pairing.pk:
            raise PermissionDenied
        if publish_article(user=user, article=article, public=article.pk in public_ids):
            changed_articles += 1
    return PortalChanges(figures=changed_figures, articles=changed_articles)
