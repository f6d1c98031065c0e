"""Reads for the public portal: only what a pairing's office chose to publish, to anyone.

Nothing here takes a user: the portal has no reader to check. What keeps it public is what it
returns: pairings by their public code and names, published articles, and the figures marked
public, each computed by the indicators app exactly as the office's dashboard computes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Q, QuerySet
from django.http import Http404

from shanhai.accounts.models import Action
from shanhai.facts.selectors import years_with_facts
from shanhai.indicators.models import Indicator, Regime
from shanhai.indicators.selectors import (
    IndicatorValue,
    Progress,
    progress,
    regime_for_year,
    scope_ids,
)
from shanhai.news.models import Article
from shanhai.places.models import Pairing
from shanhai.portal.models import PublicFigure

# Publishing speaks for the pairing in public: the offices (合作交流办, 乡村振兴局) and
# administrators may, as they set the year's targets; liaisons record but do not publish.
PUBLISH = Action.PLAN


# ---------------------------------------------------------------------------------------------
# Pairings


def public_pairings() -> QuerySet[Pairing]:
    """The pairings that publish anything: a figure or an article, in the tree's order."""
    publishing = Q(pk__in=PublicFigure.objects.values("pairing")) | Q(
        pk__in=Article.objects.filter(is_public=True).values("pairing")
    )
    return (
        Pairing.objects.filter(publishing)
        .select_related("east_place", "west_place", "east_organisation", "west_organisation")
        .order_by("path")
    )


def get_public_pairing(code: str) -> Pairing:
    """The pairing *code* if it publishes anything (404 otherwise, as for an unknown code)."""
    try:
        return public_pairings().get(code=code)
    except Pairing.DoesNotExist:
        raise Http404 from None


# ---------------------------------------------------------------------------------------------
# News


def public_articles(pairing: Pairing) -> QuerySet[Article]:
    """The pairing's published articles, newest first, with only what a list shows."""
    return (
        Article.objects.filter(pairing=pairing, is_public=True)
        .only("pk", "title", "published_on", "outlet", "pairing_id")
        .order_by(F("published_on").desc(nulls_last=True), "-pk")
    )


def get_public_article(pairing: Pairing, article_id: int) -> Article:
    """The published article *article_id* of *pairing* (404 if unpublished or another's)."""
    try:
        return Article.objects.get(pk=article_id, pairing=pairing, is_public=True)
    except Article.DoesNotExist:
        raise Http404 from None


# ---------------------------------------------------------------------------------------------
# Figures


@dataclass(frozen=True)
class HeadlineFigure:
    """One public figure of a year: the ledger's value, and the year's target if one is set."""

    indicator: Indicator
    actual: Decimal
    target: Decimal | None
    percent: Decimal | None


@dataclass(frozen=True)
class PublicYear:
    """The figures a pairing publishes for one year (or first_year..year together)."""

    year: int
    regime: Regime | None
    figures: list[HeadlineFigure]
    first_year: int | None = None


def ledger_years(pairing: Pairing) -> list[int]:
    """Years a catalogue covers in which the ledger has facts for the pairing or below, newest
    first."""
    years = years_with_facts(scope_ids(None, pairing))
    return [year for year in years if regime_for_year(year) is not None]


def figure_years(pairing: Pairing) -> list[int]:
    """The years the portal offers: the ledger's years, if the pairing publishes a figure."""
    if not PublicFigure.objects.filter(pairing=pairing).exists():
        return []
    return ledger_years(pairing)


def public_figures(pairing: Pairing, year: int, *, first_year: int | None = None) -> PublicYear:
    """The pairing's public figures for *year*, in the office's order, computed from the ledger.

    With *first_year*, the figures add up first_year..year (the way news reports "三年间").
    Figures of another catalogue than the year's, and those no module feeds yet, are left out.
    """
    chosen = list(
        PublicFigure.objects.filter(pairing=pairing)
        .order_by("position", "pk")
        .values_list("indicator_id", flat=True)
    )
    if not chosen:
        return PublicYear(year, regime_for_year(year), [], first_year)
    result = progress(None, pairing, year, first_year=first_year)
    values: dict[int, IndicatorValue] = {v.indicator.pk: v for v in result.values}
    figures = [
        HeadlineFigure(value.indicator, value.actual, value.target, value.percent)
        for indicator_id in chosen
        if (value := values.get(indicator_id)) is not None and value.actual is not None
    ]
    return PublicYear(year, result.regime, figures, first_year)


def _has_recorded_work(found: PublicYear) -> bool:
    # Counts of pairings (and ratios over them) carry over from year to year: only a figure
    # summed or counted from the ledger's records says the offices recorded work that year.
    return any(
        figure.actual and figure.indicator.computation == Indicator.Computation.FACTS
        for figure in found.figures
    )


def opening_figures(pairing: Pairing, years: list[int]) -> PublicYear | None:
    """The public figures of the newest of *years* in which they count recorded work.

    If none does, those of the newest year; None without years.
    """
    newest: PublicYear | None = None
    for year in years:
        found = public_figures(pairing, year)
        if _has_recorded_work(found):
            return found
        newest = newest or found
    return newest


# ---------------------------------------------------------------------------------------------
# The office's page (its caller checks the office may publish for the pairing)


def figure_choices(pairing: Pairing, year: int) -> Progress:
    """Every indicator of *year*'s catalogue with the value the portal would show for it."""
    return progress(None, pairing, year)


def public_indicator_ids(pairing: Pairing) -> set[int]:
    return set(PublicFigure.objects.filter(pairing=pairing).values_list("indicator_id", flat=True))


def pairing_articles(pairing: Pairing) -> QuerySet[Article]:
    """All of the pairing's articles, published or not, newest first."""
    return (
        Article.objects.filter(pairing=pairing)
        .only("pk", "title", "published_on", "outlet", "is_public", "pairing_id")
        .order_by(F("published_on").desc(nulls_last=True), "-pk")
    )
