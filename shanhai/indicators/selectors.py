"""Indicator values for a pairing and year: computed from the facts, never typed in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from shanhai.accounts.models import Action, User
from shanhai.consumption.selectors_report import Behind, rows_behind
from shanhai.facts import registry
from shanhai.facts import selectors as facts
from shanhai.indicators.models import AnnualTarget, AssessmentYear, Category, Indicator, Regime
from shanhai.places.models import Pairing
from shanhai.places.selectors import pairings_for_user, user_can


class Status:
    DONE = "done"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    NO_TARGET = "no_target"
    NOT_YET = "not_yet"


@dataclass
class IndicatorValue:
    """One line of the progress table."""

    indicator: Indicator
    actual: Decimal | None
    target: Decimal | None
    records: int
    status: str

    @property
    def percent(self) -> Decimal | None:
        if self.actual is None or not self.target:
            return None
        return (self.actual / self.target * 100).quantize(Decimal("1"))


@dataclass
class Progress:
    pairing: Pairing
    year: int
    regime: Regime | None
    elapsed: Decimal  # share of the year gone, 0..1
    values: list[IndicatorValue] = field(default_factory=list)
    first_year: int | None = None  # when the figures span several years

    def by_category(self) -> list[tuple[str, list[IndicatorValue]]]:
        labels = dict(Category.choices)
        grouped: dict[str, list[IndicatorValue]] = {}
        for value in self.values:
            grouped.setdefault(value.indicator.category, []).append(value)
        return [(str(labels[c]), grouped[c]) for c in Category.values if c in grouped]


def regime_for_year(year: int) -> Regime | None:
    """The regime in force in *year* (the latest that started by then)."""
    return (
        Regime.objects.filter(first_year__lte=year)
        .exclude(last_year__lt=year)
        .order_by("-first_year")
        .first()
    )


def year_elapsed(year: int, today: date | None = None) -> Decimal:
    today = today or timezone.localdate()
    if today.year > year:
        return Decimal(1)
    if today.year < year:
        return Decimal(0)
    start = date(year, 1, 1)
    days = (date(year + 1, 1, 1) - start).days
    return (Decimal((today - start).days + 1) / days).quantize(Decimal("0.001"))


def scope_ids(user: User | None, pairing: Pairing) -> list[int]:
    """*pairing* and the pairings below it that *user* may see: what its figures include.

    With no user, all of them: the pairing's whole figure, as the public portal shows it.
    """
    below = Pairing.objects.filter(path__startswith=pairing.path)
    visible = (
        below if user is None else pairings_for_user(user).filter(path__startswith=pairing.path)
    )
    return list(visible.values_list("pk", flat=True))


def _status(actual: Decimal | None, target: Decimal | None, elapsed: Decimal) -> str:
    if actual is None:
        return Status.NOT_YET
    if target is None:
        return Status.NO_TARGET
    if actual >= target:
        return Status.DONE
    return Status.ON_TRACK if target and actual / target >= elapsed else Status.BEHIND


_PairingFacts = dict[int, tuple[str, date | None, date | None]]  # pk → kind, started, ended


def _compute(
    indicator: Indicator,
    ids: list[int],
    start: date,
    end: date,
    cache: dict[str, Decimal | None],
    totals: facts.Totals,
    pairings: _PairingFacts,
    column: set[int] | None,
) -> tuple[Decimal | None, int]:
    """Return (value in the indicator's unit, number of records behind it)."""
    if indicator.computation == Indicator.Computation.NOT_YET:
        return None, 0
    if indicator.computation == Indicator.Computation.PAIRINGS:
        kinds = str(indicator.filters.get("kind", "")).split("|")
        n = sum(
            1
            for pk in ids
            if (found := pairings.get(pk)) is not None
            and found[0] in kinds
            and found[1] is not None
            and found[1] <= end
            and (found[2] is None or found[2] >= start)
        )
        return Decimal(n), n
    if indicator.computation == Indicator.Computation.RATIO:
        numerator = cache.get(str(indicator.filters.get("numerator")))
        denominator = cache.get(str(indicator.filters.get("denominator")))
        if numerator is None or not denominator:
            return None, 0
        return (numerator / denominator).quantize(Decimal("0.01")), 0
    count, total = totals.total(indicator.metric, _dims(indicator), column)
    value = Decimal(count) if indicator.aggregate == Indicator.Aggregate.COUNT else total
    if count_metric := registry.record_count_metric(indicator.metric):
        count = int(totals.total(count_metric, _dims(indicator), column)[1])
    return (value / indicator.scale).quantize(Decimal("0.01")).normalize(), count


def _dims(indicator: Indicator) -> dict[str, str]:
    return {k: str(v) for k, v in indicator.filters.items()}


def _scopes(user: User | None, pairings: list[Pairing]) -> list[list[int]]:
    """Each pairing's scope_ids, for many pairings in one query."""
    if len(pairings) == 1:
        return [scope_ids(user, pairings[0])]
    below = Q()
    for pairing in pairings:
        below |= Q(path__startswith=pairing.path)
    visible = Pairing.objects.all() if user is None else pairings_for_user(user)
    rows = list(visible.filter(below).values_list("pk", "path"))
    return [[pk for pk, path in rows if path.startswith(p.path)] for p in pairings]


def progress(
    user: User | None,
    pairing: Pairing,
    year: int,
    *,
    first_year: int | None = None,
    today: date | None = None,
) -> Progress:
    """Every indicator of the year's regime for *pairing* (and below), with targets and status.

    The figures include the sub-pairings *user* may see; with no user, all of them (public).

    With *first_year*, the figures cover first_year..year together (e.g. 2021–2023) and the
    targets are the sum of those years' targets.
    """
    return progress_of_many(user, [pairing], year, first_year=first_year, today=today)[0]


def progress_of_many(
    user: User | None,
    pairings: list[Pairing],
    year: int,
    *,
    first_year: int | None = None,
    today: date | None = None,
) -> list[Progress]:
    """`progress` of each pairing, side by side, from the same few queries however many
    pairings there are (the regime, the scopes, the targets, the indicators, the rollups, the
    pairings counted by kind)."""
    first_year = first_year or year
    regime = regime_for_year(year)
    elapsed = year_elapsed(year, today)
    results = [Progress(p, year, regime, elapsed, first_year=first_year) for p in pairings]
    if regime is None or not pairings:
        return results
    scopes = _scopes(user, pairings)
    start, end = date(first_year, 1, 1), date(year, 12, 31)
    targets: dict[int, dict[int, Decimal]] = {p.pk: {} for p in pairings}
    for pairing_id, indicator_id, value in AnnualTarget.objects.filter(
        pairing__in=pairings, year__gte=first_year, year__lte=year
    ).values_list("pairing", "indicator", "value"):
        found = targets[pairing_id]
        found[indicator_id] = found.get(indicator_id, Decimal(0)) + value
    # Ratios last: they read the values computed before them.
    indicators = sorted(regime.indicators.all(), key=lambda i: i.computation == "ratio")
    metrics = {i.metric for i in indicators if i.computation == Indicator.Computation.FACTS}
    metrics |= {m for m in map(registry.record_count_metric, metrics) if m}
    every_id = sorted({pk for scope in scopes for pk in scope})
    totals = facts.Totals(every_id, metrics, start, end)
    counted: _PairingFacts = {}
    if any(i.computation == Indicator.Computation.PAIRINGS for i in indicators):
        counted = {
            pk: (kind, started, ended)
            for pk, kind, started, ended in Pairing.objects.filter(pk__in=every_id).values_list(
                "pk", "kind", "started_on", "ended_on"
            )
        }
    for result, ids in zip(results, scopes, strict=True):
        column = set(ids) if len(pairings) > 1 else None
        cache: dict[str, Decimal | None] = {}
        for indicator in indicators:
            actual, records = _compute(indicator, ids, start, end, cache, totals, counted, column)
            cache[indicator.code] = actual
            target = targets[result.pairing.pk].get(indicator.pk)
            status = _status(actual, target, result.elapsed)
            result.values.append(IndicatorValue(indicator, actual, target, records, status))
        result.values.sort(key=lambda v: (v.indicator.position, v.indicator.code))
    return results


def cumulative_by_month(
    user: User, pairing: Pairing, indicator: Indicator, year: int
) -> list[tuple[str, Decimal]]:
    """Month by month running total of an indicator, for the chart."""
    if indicator.computation != Indicator.Computation.FACTS:
        return []
    months = facts.monthly(
        scope_ids(user, pairing), indicator.metric, date(year, 1, 1), date(year, 12, 31),
        _dims(indicator),
    )  # fmt: skip
    running, series = Decimal(0), []
    for month in range(1, 13):
        count, total = months.get(date(year, month, 1), (0, Decimal(0)))
        value = Decimal(count) if indicator.aggregate == Indicator.Aggregate.COUNT else total
        running += value / indicator.scale
        series.append((f"{month}月", running.quantize(Decimal("0.01")).normalize()))
    return series


def record_ids_behind(
    user: User, pairing: Pairing, indicator: Indicator, year: int, *, first_year: int | None = None
) -> list[int]:
    """The ledger records that make up an indicator's figure: the drill-down."""
    if indicator.computation != Indicator.Computation.FACTS:
        return []
    return list(
        facts.source_ids(
            scope_ids(user, pairing), indicator.metric, date(first_year or year, 1, 1),
            date(year, 12, 31), _dims(indicator), source="ledger.record",
        )
    )  # fmt: skip


def consumption_behind(
    user: User, pairing: Pairing, indicator: Indicator, year: int, *, first_year: int | None = None
) -> Behind | None:
    """The sale lines (or certificates, suppliers, linkages) behind a consumption figure.

    None for an indicator the consumption module does not feed: its drill-down is ledger records.
    """
    if indicator.computation != Indicator.Computation.FACTS:
        return None
    return rows_behind(
        indicator.metric, scope_ids(user, pairing), date(first_year or year, 1, 1),
        date(year, 12, 31), _dims(indicator),
    )  # fmt: skip


def get_indicator(regime: Regime, code: str) -> Indicator:
    try:
        return regime.indicators.get(code=code)
    except Indicator.DoesNotExist:
        raise Http404 from None


def targets_for(pairing: Pairing, year: int) -> QuerySet[AnnualTarget]:
    return AnnualTarget.objects.filter(pairing=pairing, year=year).select_related("indicator")


def assessment_moves(assessment: AssessmentYear, user: User) -> dict[tuple[str, str], bool]:
    """Every step the rules know from the current state, and whether *user* may take it.

    submit: the office (PLAN) of either side; opinion: someone of the paired side who may
    confirm; approve, lock and reopen: an administrator (MANAGE).
    """
    state = AssessmentYear.State
    pairing, current = assessment.pairing, assessment.state
    office = user_can(user, pairing, Action.PLAN)
    paired_side = (
        bool(user.side)
        and user.side != assessment.submitted_side
        and user_can(user, pairing, Action.CONFIRM)
    )
    administrator = user_can(user, pairing, Action.MANAGE)
    steps = {
        (state.DRAFT, state.SUBMITTED): office,
        (state.SUBMITTED, state.OPINION): paired_side,
        (state.OPINION, state.APPROVED): administrator,
        (state.APPROVED, state.LOCKED): administrator,
    }
    moves: dict[tuple[str, str], bool] = {k: v for k, v in steps.items() if k[0] == current}
    if current != state.DRAFT:
        moves[(current, state.DRAFT)] = administrator
    return moves


def assessment_of(pairing: Pairing, year: int) -> AssessmentYear | None:
    return AssessmentYear.objects.filter(pairing=pairing, year=year).first()


@dataclass
class OverviewRow:
    indicator: Indicator
    values: list[Decimal | None]
    total: Decimal | None


def overview(
    user: User, year: int, *, first_year: int | None = None
) -> tuple[list[Pairing], list[OverviewRow]]:
    """Every top pairing the user holds, side by side, with a total column.

    For the Songjiang office this is its four county pairings (each already rolling up its
    town, department and village pairings) and Songjiang as a whole. A user who holds one
    tree (a province office, an administrator of one province) sees the pairings one level
    below its top side by side, and the whole tree as the total: the provincial table.
    """
    visible = list(pairings_for_user(user).order_by("path"))
    ids = {p.pk for p in visible}
    roots = [p for p in visible if p.parent_id not in ids]
    # One tree (a province office): its pairings one level down side by side, the whole tree
    # as the total (it includes what the top pairing did itself).
    whole = roots[0] if len(roots) == 1 else None
    if whole is not None and (below := [p for p in visible if p.parent_id == whole.pk]):
        roots = below
    else:
        whole = None
    columns = progress_of_many(
        user, roots + ([whole] if whole else []), year, first_year=first_year
    )
    whole_column = columns.pop() if whole else None
    if not columns or columns[0].regime is None:
        return roots, []
    rows: list[OverviewRow] = []
    totals: dict[str, Decimal | None] = {}
    for position, value in enumerate(columns[0].values):
        indicator = value.indicator
        cells = [column.values[position].actual for column in columns]
        known = [cell for cell in cells if cell is not None]
        total: Decimal | None = sum(known, Decimal(0)) if known else None
        if whole_column is not None:
            total = whole_column.values[position].actual
        elif indicator.computation == Indicator.Computation.RATIO:
            numerator = totals.get(str(indicator.filters.get("numerator")))
            denominator = totals.get(str(indicator.filters.get("denominator")))
            total = (
                (numerator / denominator).quantize(Decimal("0.01"))
                if (numerator is not None and denominator)
                else None
            )
        totals[indicator.code] = total
        rows.append(OverviewRow(indicator, cells, total))
    return roots, rows


def by_sub_pairing(
    user: User, pairing: Pairing, indicator: Indicator, year: int, *, first_year: int | None = None
) -> list[tuple[Pairing, Decimal]]:
    """The figure split over *pairing* itself and each sub-pairing directly below it.

    A sub-pairing's share includes everything below it (a town pairing's villages).
    """
    if indicator.computation != Indicator.Computation.FACTS:
        return []
    visible = list(pairings_for_user(user).filter(path__startswith=pairing.path).order_by("path"))
    cells = facts.by_pairing(
        [p.pk for p in visible], indicator.metric, date(first_year or year, 1, 1),
        date(year, 12, 31), _dims(indicator),
    )  # fmt: skip
    heads = [pairing, *(p for p in visible if p.parent_id == pairing.pk)]
    shares: dict[int, Decimal] = {head.pk: Decimal(0) for head in heads}
    for member in visible:
        count, total = cells.get(member.pk, (0, Decimal(0)))
        value = Decimal(count) if indicator.aggregate == Indicator.Aggregate.COUNT else total
        head = next((h for h in heads[1:] if member.path.startswith(h.path)), pairing)
        shares[head.pk] += value / indicator.scale
    return [(head, shares[head.pk].quantize(Decimal("0.01")).normalize()) for head in heads]


def targets_for_user(
    user: User, *, pairing: Pairing | None = None, year: int | None = None
) -> QuerySet[AnnualTarget]:
    """The targets of the pairings *user* may see (in *pairing*'s tree, in *year*)."""
    pairings = pairings_for_user(user)
    if pairing is not None:
        pairings = pairings.filter(path__startswith=pairing.path)
    targets = AnnualTarget.objects.filter(pairing__in=pairings.values("pk"))
    if year:
        targets = targets.filter(year=year)
    return targets.select_related("pairing", "indicator").order_by(
        "pairing__path", "year", "indicator__position"
    )
