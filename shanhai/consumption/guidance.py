"""Production guidance (生产指导): what the east will want, month by month, against what western
growers have declared they can supply.

For one pairing and the next twelve months, per product category: eastern demand is forecast
(consumption.forecast) from the counted kilograms sold each month in the past, with the demand
buyers have posted as a floor; supply is the declared annual capacity of the certified products,
spread evenly over their season. The difference is the gap (demand above supply) or the surplus.

Demand is forecast per category, not per township: the east buys kiwifruit, not a township's
kiwifruit. A township's part of it is the township's share of the category's counted sales in
the history used (or, when nothing was sold yet, its share of the declared supply).

The maths are plain functions of plain values (spread_supply, spread_demand, category_figures,
seasons); pairing_guidance() reads the ledger and hands them the numbers.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from shanhai.consumption import forecast as forecasting
from shanhai.consumption import rules
from shanhai.consumption.models import (
    Demand,
    Product,
    ProductCategory,
    SalesMonth,
)
from shanhai.consumption.selectors import open_demand, townships, validities
from shanhai.places.models import Pairing, Place
from shanhai.places.selectors import short_name

HORIZON = 12
BACKTEST_HOLDOUT = 12
# A year without a single counted sale means the ledger stopped being kept, not that the east
# stopped buying: the forecast then starts after the last recorded month instead of today.
STALE_AFTER_MONTHS = 12
# Demand with a peak below this many times its monthly mean has no season worth naming.
SEASON_PEAK_FACTOR = Decimal("1.5")
# A shortfall under 1/20 of the demand is within the forecast's error: "about enough".
CLOSE_ENOUGH = 20
CACHE_SECONDS = 24 * 3600  # forecasts are cached by their inputs, so they never go stale
ZERO = Decimal(0)
KG = Decimal("0.01")
TONNE = Decimal(1000)

Month = date  # always the first day of a month


# Months -----------------------------------------------------------------------------------------


def month_of(day: date) -> Month:
    return date(day.year, day.month, 1)


def add_months(month: Month, count: int) -> Month:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_from(start: Month, count: int) -> list[Month]:
    return [add_months(start, step) for step in range(count)]


def months_between(start: date, end: date) -> list[Month]:
    """The months that *start*..*end* touches, in order."""
    first, last = month_of(start), month_of(end)
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return months_from(first, max(count, 0))


def forecast_start(*, today: date, last_sales_month: Month | None) -> Month:
    """The first month the model forecasts: this month, unless no sale was counted for a whole
    year, then the month after the last one recorded.

    Off-season months without sales are real zeros; a year without any is a ledger nobody keeps,
    and fitting on it would read "not recorded" as "not wanted". The forecast then carries the
    recorded years forward to the months shown.
    """
    this_month = month_of(today)
    if last_sales_month is None:
        return this_month
    if last_sales_month >= add_months(this_month, -STALE_AFTER_MONTHS):
        return this_month
    return add_months(last_sales_month, 1)


# The maths ----------------------------------------------------------------------------------------


def spread_supply(
    annual_kg: Decimal, season_months: Iterable[int], months: Sequence[Month]
) -> list[Decimal]:
    """Spread a declared annual capacity evenly over its season (no season: all year)."""
    season = set(season_months) or set(range(1, 13))
    per_month = annual_kg / len(season)
    return [per_month if month.month in season else ZERO for month in months]


def spread_demand(
    quantity_kg: Decimal, deliver_from: date, deliver_to: date
) -> dict[Month, Decimal]:
    """Spread posted demand evenly over the months of its delivery window."""
    window = months_between(deliver_from, min(deliver_to, deliver_from + timedelta(days=3660)))
    if not window:
        return {}
    share = quantity_kg / len(window)
    return dict.fromkeys(window, share)


def certified_in_month(spans: Iterable[rules.Validity], month: Month) -> bool:
    """Whether a certificate covers at least one day of *month*."""
    last_day = add_months(month, 1) - timedelta(days=1)
    for span in spans:
        end = span.valid_to
        if span.withdrawn_on is not None:
            end = min(end, span.withdrawn_on - timedelta(days=1))
        if max(span.valid_from, month) <= min(end, last_day):
            return True
    return False


@dataclass(frozen=True)
class Figures:
    """Demand against supply for consecutive months, in kilograms."""

    months: list[Month]
    demand: list[Decimal]  # forecast, posted demand included as a floor
    posted: list[Decimal]  # of which buyers have posted
    supply: list[Decimal]

    @property
    def balance(self) -> list[Decimal]:
        """Supply minus demand each month: below zero a gap, above zero a surplus."""
        return [s - d for d, s in zip(self.demand, self.supply, strict=True)]

    @property
    def total_demand(self) -> Decimal:
        return sum(self.demand, ZERO)

    @property
    def total_posted(self) -> Decimal:
        return sum(self.posted, ZERO)

    @property
    def total_supply(self) -> Decimal:
        return sum(self.supply, ZERO)

    @property
    def total_gap(self) -> Decimal:
        """Kilograms short, month by month: a surplus in November feeds no one in September."""
        return sum((max(-b, ZERO) for b in self.balance), ZERO)

    @property
    def total_surplus(self) -> Decimal:
        return sum((max(b, ZERO) for b in self.balance), ZERO)

    def rows(self) -> list[MonthRow]:
        return [
            MonthRow(m, d, p, s)
            for m, d, p, s in zip(self.months, self.demand, self.posted, self.supply, strict=True)
        ]

    def part(self, indexes: Sequence[int]) -> Figures:
        return Figures(
            [self.months[i] for i in indexes],
            [self.demand[i] for i in indexes],
            [self.posted[i] for i in indexes],
            [self.supply[i] for i in indexes],
        )


@dataclass(frozen=True)
class MonthRow:
    month: Month
    demand: Decimal
    posted: Decimal
    supply: Decimal

    @property
    def balance(self) -> Decimal:
        return self.supply - self.demand


@dataclass(frozen=True)
class TownFigures:
    """A township's share of a category's demand, against its own declared supply."""

    town: Place | None  # None: products whose origin lies in no township of the county
    share: Decimal  # 0..1 of the category's demand
    figures: Figures


@dataclass(frozen=True)
class CategoryGuidance:
    category: str
    figures: Figures
    method: str  # what forecast.forecast used: holt_winters, seasonal_naive or mean
    history_months: int
    history_kg: Decimal  # counted kilograms sold in the history the forecast was made from
    backtest: forecasting.Backtest | None  # None: under two years of history, or not asked
    towns: list[TownFigures]
    products: list[str]  # product names sold or supplied in the category
    demand_names: list[str]  # product names the posted demand asks for
    unconverted: list[str] = field(default_factory=list)  # sold in units with no weight
    # Products whose certificate ends before the last month shown, with its last day: their
    # supply stops counting then, unless it is renewed.
    expiring: list[tuple[str, date]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(ProductCategory(self.category).label)

    @property
    def name(self) -> str:
        """What growers call it: the product the demand names when it covers every product of
        the category here, the one product when there is one, else the category."""
        for wanted in self.demand_names:
            if self.products and all(wanted in name for name in self.products):
                return wanted
        if len(self.products) == 1:
            return self.products[0]
        if len(self.demand_names) == 1 and not self.products:
            return self.demand_names[0]
        return self.label


@dataclass(frozen=True)
class Guidance:
    pairing: Pairing
    start: Month  # the first month shown: this month
    months: list[Month]
    categories: list[CategoryGuidance]
    last_sales_month: Month | None
    today: date
    forecast_from: Month  # the first month the model forecast: *start*, or earlier when stale
    east: str = ""  # what growers call the eastern side: 上海

    @property
    def is_stale(self) -> bool:
        """Whether sales stopped being recorded, so the forecast runs on from the last record."""
        return self.forecast_from < self.start

    @property
    def months_beyond_record(self) -> int:
        """How far the first month shown lies beyond the last month with sales recorded."""
        if self.last_sales_month is None:
            return 0
        last = self.last_sales_month
        return (self.start.year - last.year) * 12 + self.start.month - last.month


def category_figures(
    history: Mapping[Month, Decimal],
    *,
    supply: Sequence[Decimal],
    posted: Mapping[Month, Decimal],
    start: Month,
    horizon: int = HORIZON,
    forecast_from: Month | None = None,
) -> tuple[Figures, forecasting.Forecast]:
    """Forecast a category's demand from *history* (kg a month) with *posted* as a floor, and
    set it against *supply* (kg, one figure per month from *start*).

    The model forecasts from *forecast_from* (default *start*), the month after the history;
    the months before *start* are forecast but not shown.
    """
    first = forecast_from or start
    lead = max((start.year - first.year) * 12 + start.month - first.month, 0)
    result = _cached_forecast(history, start=first, horizon=lead + horizon, posted=posted)
    months = result.months[lead:]
    return (
        Figures(
            months=months,
            demand=list(result.values[lead:]),
            posted=[posted.get(m, ZERO) for m in months],
            supply=list(supply),
        ),
        result,
    )


def category_backtest(history: Mapping[Month, Decimal]) -> forecasting.Backtest | None:
    """How the forecast would have done over the last year of *history*; None under two years."""
    series = forecasting.monthly_series(history)
    if len(series) < BACKTEST_HOLDOUT + forecasting.SEASON:
        return None
    key = _cache_key("backtest", history)
    found = cache.get(key)
    if isinstance(found, forecasting.Backtest):
        return found
    result = forecasting.backtest(history, holdout=BACKTEST_HOLDOUT)
    cache.set(key, result, CACHE_SECONDS)
    return result


def town_shares(
    sold: Mapping[int | None, Decimal], supplied: Mapping[int | None, Decimal]
) -> dict[int | None, Decimal]:
    """Each township's share of a category's demand: of its past sales, else of its supply."""
    basis = sold if sum(sold.values(), ZERO) > 0 else supplied
    total = sum(basis.values(), ZERO)
    towns = set(sold) | set(supplied)
    if total <= 0:
        return dict.fromkeys(towns, ZERO)
    return {town: basis.get(town, ZERO) / total for town in towns}


def _peak_months(values: Sequence[Decimal]) -> set[int] | None:
    """Indexes of the months near the peak; None when the values are about even."""
    peak = max(values, default=ZERO)
    mean = sum(values, ZERO) / len(values) if values else ZERO
    if peak <= mean * SEASON_PEAK_FACTOR:
        return None
    return {index for index, value in enumerate(values) if value * 2 >= peak}


def seasons(figures: Figures) -> list[Figures]:
    """The runs of months to name in a sentence: those in which demand peaks and those in which
    growers harvest; all the months as one when demand is about even; none when nothing is
    wanted."""
    if not figures.demand or figures.total_demand <= 0:
        return []
    marked = _peak_months(figures.demand)
    if marked is None:
        return [figures]
    if figures.total_supply > 0:
        marked |= _peak_months(figures.supply) or set()
    runs: list[list[int]] = []
    for index in sorted(marked):
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    return [figures.part(run) for run in runs]


# Words for growers --------------------------------------------------------------------------


def weight_text(kg: Decimal) -> str:
    """12 吨, 3.5 吨, 350 公斤: as precise as a grower needs."""
    if kg >= TONNE:
        tonnes = kg / TONNE
        step = Decimal(1) if tonnes >= 10 else Decimal("0.1")
        value = tonnes.quantize(step, ROUND_HALF_UP).normalize()
        return _("%(amount)s t") % {"amount": f"{value:f}"}
    step = Decimal(10) if kg >= 100 else Decimal(1)
    value = (kg / step).quantize(Decimal(1), ROUND_HALF_UP) * step
    return _("%(amount)s kg") % {"amount": f"{value.normalize():f}"}


def months_text(months: Sequence[Month], *, today: date) -> str:
    """9–10月, 2027年3月, 12月–2027年2月: the year written only where it is not this year."""
    if not months:
        return ""
    if len(months) >= 12:
        return _("the next 12 months")
    first, last = months[0], months[-1]
    chinese = (get_language() or "").startswith("zh")

    def name(month: Month) -> str:
        return f"{month.month}月" if chinese else date_format(month, "F")

    def with_year(month: Month) -> str:
        return date_format(month, "YEAR_MONTH_FORMAT")

    first_text = with_year(first) if first.year != today.year else name(first)
    if first == last:
        return first_text
    if first.year == last.year:
        if chinese:
            head = f"{first.year}年" if first.year != today.year else ""
            return f"{head}{first.month}–{last.month}月"
        tail = f" {last.year}" if last.year != today.year else ""
        return f"{name(first)}–{name(last)}{tail}"
    return f"{first_text} – {with_year(last)}" if not chinese else f"{first_text}–{with_year(last)}"


def sentences(guidance: Guidance, category: CategoryGuidance) -> list[str]:
    """Plain sentences for growers, one per season of a category's demand."""
    east = guidance.east or east_name(guidance.pairing)
    said: list[str] = []
    if not seasons(category.figures) and category.figures.total_supply > 0:
        text = _(
            "%(east)s is not expected to want %(name)s in the next 12 months; "
            "%(supply)s is registered."
        )
        values = {
            "east": east,
            "name": category.name,
            "supply": weight_text(category.figures.total_supply),
        }
        return [text % values]
    for part in seasons(category.figures):
        values = {
            "east": east,
            "months": months_text(part.months, today=guidance.today),
            "name": category.name,
            "demand": weight_text(part.total_demand),
            "supply": weight_text(part.total_supply),
        }
        short = part.total_demand - part.total_supply
        if part.total_demand < 1:
            if part.total_supply <= 0:
                continue
            text = _(
                "%(east)s is not expected to want %(name)s in %(months)s; %(supply)s is registered."
            )
        elif part.total_supply <= 0:
            text = _(
                "%(east)s is expected to need about %(demand)s of %(name)s in %(months)s; "
                "no certified supply is registered for these months."
            )
        elif short > 0 and short * CLOSE_ENOUGH < part.total_demand:
            text = _(
                "%(east)s is expected to need about %(demand)s of %(name)s in %(months)s; "
                "%(supply)s is registered, about enough."
            )
        elif short > 0:
            values["gap"] = weight_text(short)
            text = _(
                "%(east)s is expected to need about %(demand)s of %(name)s in %(months)s; "
                "%(supply)s is registered, about %(gap)s short."
            )
        else:
            text = _(
                "%(east)s is expected to need about %(demand)s of %(name)s in %(months)s; "
                "%(supply)s is registered, enough supply."
            )
        said.append(text % values)
    return said


def east_name(pairing: Pairing) -> str:
    """上海 for a pairing with 松江区: the top of the eastern place's tree, without 市."""
    place = pairing.east_place
    top = Place.objects.filter(pk=_path_ids(place.path)[0]).first() if place.parent_id else place
    return short_name((top or place).name)


# Reading the ledger ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sold:
    by_category: dict[str, dict[Month, Decimal]]
    by_town: dict[str, dict[int | None, Decimal]]
    products: dict[str, set[str]]
    unconverted: dict[str, set[str]]
    last_month: Month | None


def counted_kg_sold(pairing: Pairing, towns: Sequence[Place]) -> _Sold:
    """Counted kilograms sold each month per category, in *pairing* and below.

    One query on the monthly sums, grouped by month and product (never the sale lines); each
    product's quantity is turned into kilograms by its unit in Python.
    """
    rows = (
        SalesMonth.objects.filter(pairing__path__startswith=pairing.path, is_counted=True)
        .values(
            "month",
            "product_id",
            "product__name",
            "product__category",
            "product__unit",
            "product__unit_kg",
            "product__origin__path",
        )
        .annotate(quantity=Sum("quantity"))
        .order_by()
    )
    by_category: dict[str, dict[Month, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    by_town: dict[str, dict[int | None, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    products: dict[str, set[str]] = defaultdict(set)
    unconverted: dict[str, set[str]] = defaultdict(set)
    last: Month | None = None
    for row in rows:
        category = row["product__category"]
        products[category].add(row["product__name"])
        last = max(last, row["month"]) if last else row["month"]
        per_unit = rules.kg_per_unit(row["product__unit"], row["product__unit_kg"])
        if per_unit is None:
            unconverted[category].add(row["product__name"])
            continue
        kg = row["quantity"] * per_unit
        by_category[category][row["month"]] += kg
        by_town[category][_town_of(row["product__origin__path"], towns)] += kg
    return _Sold(
        {c: dict(v) for c, v in by_category.items()},
        {c: dict(v) for c, v in by_town.items()},
        dict(products),
        dict(unconverted),
        last,
    )


@dataclass(frozen=True)
class SupplyItem:
    """One certified product's declared supply."""

    product_id: int
    name: str
    category: str
    town_id: int | None
    annual_kg: Decimal
    season_months: tuple[int, ...]
    spans: tuple[rules.Validity, ...]

    @property
    def certified_until(self) -> date | None:
        """The last day a certificate covers, withdrawals counted."""
        ends = [
            min(span.valid_to, span.withdrawn_on - timedelta(days=1))
            if span.withdrawn_on is not None
            else span.valid_to
            for span in self.spans
        ]
        return max(ends, default=None)

    def per_month(self, months: Sequence[Month]) -> list[Decimal]:
        """Its capacity spread over its season, in the months it is certified."""
        spread = spread_supply(self.annual_kg, self.season_months, months)
        return [
            kg if certified_in_month(self.spans, month) else ZERO
            for kg, month in zip(spread, months, strict=True)
        ]


def declared_supply(
    pairing: Pairing, months: Sequence[Month], towns: Sequence[Place]
) -> list[SupplyItem]:
    """The products of *pairing* (and below) certified in some month of *months*, with their
    capacity in kilograms; products sold in units that are not weights are left out."""
    products = list(
        Product.objects.filter(supplier__pairing__path__startswith=pairing.path).values_list(
            "pk",
            "name",
            "category",
            "unit",
            "unit_kg",
            "season_months",
            "capacity_quantity",
            "origin__path",
        )
    )
    spans = validities(p[0] for p in products)
    items: list[SupplyItem] = []
    for pk, name, category, unit, unit_kg, season, capacity, origin_path in products:
        per_unit = rules.kg_per_unit(unit, unit_kg)
        product_spans = tuple(spans.get(pk, []))
        if per_unit is None or not any(certified_in_month(product_spans, m) for m in months):
            continue
        items.append(
            SupplyItem(
                pk,
                name,
                category,
                _town_of(origin_path, towns),
                capacity * per_unit,
                tuple(season or ()),
                product_spans,
            )
        )
    return items


def posted_by_category(demands: Iterable[Demand]) -> dict[str, dict[Month, Decimal]]:
    posted: dict[str, dict[Month, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for demand in demands:
        spread = spread_demand(demand.quantity_kg, demand.deliver_from, demand.deliver_to)
        for month, kg in spread.items():
            posted[demand.category][month] += kg
    return {c: dict(v) for c, v in posted.items()}


def pairing_guidance(
    pairing: Pairing,
    *,
    today: date | None = None,
    horizon: int = HORIZON,
    with_backtest: bool = True,
) -> Guidance:
    """Demand against supply per category and township of *pairing*, for *horizon* months."""
    today = today or timezone.localdate()
    towns = townships(pairing)
    sold = counted_kg_sold(pairing, towns)
    start = month_of(today)
    forecast_from = forecast_start(today=today, last_sales_month=sold.last_month)
    months = months_from(start, horizon)
    supply = declared_supply(pairing, months, towns)
    demands = open_demand(pairing)
    posted = posted_by_category(demands)
    demand_names: dict[str, list[str]] = defaultdict(list)
    for demand in demands:
        if demand.product_name and demand.product_name not in demand_names[demand.category]:
            demand_names[demand.category].append(demand.product_name)
    horizon_end = add_months(months[-1], 1) - timedelta(days=1) if months else today
    town_by_id: dict[int | None, Place | None] = {t.pk: t for t in towns}
    town_by_id[None] = None

    categories = (set(sold.by_category) | {item.category for item in supply} | set(posted)) & set(
        ProductCategory.values
    )
    found: list[CategoryGuidance] = []
    for category in categories:
        history = {
            m: kg for m, kg in sold.by_category.get(category, {}).items() if m < forecast_from
        }
        items = [item for item in supply if item.category == category]
        by_town_supply: dict[int | None, list[Decimal]] = {}
        for item in items:
            spread = item.per_month(months)
            current = by_town_supply.get(item.town_id, [ZERO] * horizon)
            by_town_supply[item.town_id] = [a + b for a, b in zip(current, spread, strict=True)]
        total_supply = [sum(col, ZERO) for col in zip(*by_town_supply.values(), strict=True)]
        figures, result = category_figures(
            history,
            supply=total_supply or [ZERO] * horizon,
            posted=posted.get(category, {}),
            start=start,
            horizon=horizon,
            forecast_from=forecast_from,
        )
        shares = town_shares(
            sold.by_town.get(category, {}),
            {town: sum(kg, ZERO) for town, kg in by_town_supply.items()},
        )
        town_rows = [
            TownFigures(
                town_by_id.get(town),
                share,
                Figures(
                    months,
                    [d * share for d in figures.demand],
                    [p * share for p in figures.posted],
                    by_town_supply.get(town, [ZERO] * horizon),
                ),
            )
            for town, share in shares.items()
        ]
        town_rows.sort(key=lambda t: (t.town is None, t.town.path if t.town else ""))
        found.append(
            CategoryGuidance(
                category=category,
                figures=figures,
                method=result.method,
                history_months=result.history_months,
                history_kg=sum(history.values(), ZERO),
                backtest=category_backtest(history) if with_backtest else None,
                towns=town_rows,
                products=sorted(sold.products.get(category, set()) | {i.name for i in items}),
                demand_names=demand_names.get(category, []),
                unconverted=sorted(sold.unconverted.get(category, set())),
                expiring=sorted(
                    (item.name, until)
                    for item in items
                    if (until := item.certified_until) is not None and until < horizon_end
                ),
            )
        )
    found.sort(key=lambda c: (-c.figures.total_demand, c.category))
    return Guidance(
        pairing, start, months, found, sold.last_month, today, forecast_from, east_name(pairing)
    )


# Helpers ----------------------------------------------------------------------------------------


def _path_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def _town_of(path: str | None, towns: Sequence[Place]) -> int | None:
    """The township whose tree *path* lies in, if any."""
    if path:
        for town in towns:
            if path.startswith(town.path):
                return town.pk
    return None


def _cache_key(kind: str, *parts: object) -> str:
    text = json.dumps([_plain(part) for part in parts])
    return f"consumption.guidance.{kind}.{hashlib.sha256(text.encode()).hexdigest()}"


def _plain(value: object) -> object:
    """A JSON-able form of a forecast input; decimals normalised so 5000 and 5000.00 agree."""
    if isinstance(value, Mapping):
        return sorted((str(k), _plain(v)) for k, v in value.items())
    if isinstance(value, Decimal):
        return str(value.normalize())
    return str(value)


def _cached_forecast(
    history: Mapping[Month, Decimal],
    *,
    start: Month,
    horizon: int,
    posted: Mapping[Month, Decimal],
) -> forecasting.Forecast:
    """forecast.forecast, remembered by its inputs: a Holt-Winters fit takes about 0.1 s."""
    key = _cache_key("forecast", history, start, horizon, posted)
    found = cache.get(key)
    if isinstance(found, forecasting.Forecast):
        return found
    result = forecasting.forecast(history, start=start, horizon=horizon, posted=posted)
    cache.set(key, result, CACHE_SECONDS)
    return result


def backtest_table(found: Guidance) -> str:
    """The backtest of every category with two years of history, as a Markdown table."""
    lines = [
        "Each category's counted sales in kilograms a month; the last 12 months held out, "
        "forecast from the months before, and compared with a seasonal-naive forecast (the "
        "same month a year before). A ratio under 1 means the model did better.",
        "",
        "| category | months of history | method | model MAE kg/month | seasonal-naive MAE "
        "| ratio |",
        "|---|---|---|---|---|---|",
    ]
    for category in found.categories:
        test = category.backtest
        if test is None:
            lines.append(
                f"| {category.category} | {category.history_months} | {category.method} "
                "| — | — | under two years of history |"
            )
            continue
        ratio = "—" if test.ratio is None else f"{test.ratio:.2f}"
        lines.append(
            f"| {category.category} | {category.history_months} | {test.method} "
            f"| {test.model_mae:,.1f} | {test.naive_mae:,.1f} | {ratio} |"
        )
    return "\n".join(lines)
