"""Forecast eastern demand for a product category month by month, and measure the forecast.

Pure logic on plain mappings of day → quantity; it reads no models and writes nothing. The
caller totals sales (and posted demand) per category and hands them in.

How a forecast is made, from the dense monthly history before the first forecast month
(months without sales count as 0, up to the month before *start*):

- 24 months or more: Holt-Winters exponential smoothing (statsmodels ``ExponentialSmoothing``),
  seasonality over 12 months, parameters and initial state estimated. It is fitted with a
  damped additive trend and with none, each with an additive season and — when every month has
  sales — a multiplicative one, and the fit with the lowest AICc is used. With 36 months or
  more the model must also have beaten seasonal naive on the history's own last year (fitted
  without it); otherwise seasonal naive is used (see docs/benchmarks.md for why). A fit
  that does not converge, fails, or diverges (non-finite, or ten times beyond anything in the
  history) is dropped; with neither left, seasonal naive is used. Two years is the least that
  lets the model tell a season from a trend.
- 12 to 23 months: seasonal naive, each month as the same month a year before.
- fewer than 12 months: the mean of the history, flat; no history at all: zeros.

Negative predictions are clipped to 0: demand cannot be negative.

Posted demand is a floor, not an addition: each month's figure is the larger of the statistical
forecast and the demand buyers have already posted for delivery that month. Posted demand is
known to come, so the forecast is never below it; but it is part of the month's demand, not on
top of it (buyers post what they will buy anyway), so adding it would count it twice.

backtest() fits on all but the last months of the history, forecasts them, and compares the
mean absolute error with that of seasonal naive from the same point in time. Its ratio is
MASE-like: below 1 the model beats "same month last year".

statsmodels, and the numpy/pandas/scipy stack under it, is imported on first use: it takes
seconds to import, and most processes that import this module never forecast.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from statistics import fmean

Month = date  # always the first day of a month
Quantity = Decimal | float | int

SEASON = 12
HOLT_WINTERS_MIN_MONTHS = 2 * SEASON
SEASONAL_NAIVE_MIN_MONTHS = SEASON
DIVERGED_FACTOR = 10  # a forecast this many times beyond the whole history is a failed fit
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Forecast:
    """Demand forecast for consecutive months, posted demand included as a floor."""

    months: list[Month]
    values: list[Decimal]  # one per month, >= 0, to 0.01
    method: str  # "holt_winters", "seasonal_naive" or "mean": what was actually used
    history_months: int  # months of history the forecast was made from


@dataclass(frozen=True)
class Backtest:
    """How well the forecast predicted the last months of a history, against seasonal naive."""

    holdout_months: int
    model_mae: Decimal
    naive_mae: Decimal  # seasonal naive (same month a year before) on the same holdout
    model_mape: Decimal | None  # in per cent; None when an actual in the holdout is 0
    naive_mape: Decimal | None
    method: str

    @property
    def ratio(self) -> Decimal | None:
        """Return model MAE / naive MAE (below 1: the model wins), or None if naive was exact."""
        if not self.naive_mae:
            return None
        return (self.model_mae / self.naive_mae).quantize(Decimal("0.001"), ROUND_HALF_UP)


def monthly_series(
    points: Mapping[date, Quantity], *, end: date | None = None
) -> list[tuple[Month, float]]:
    """Return a dense monthly series from sparse points, missing months as 0.

    Points on any day count for their month and are added up. The series runs from the first
    month with a point to *end*'s month (default: the last month with a point); it is empty
    when there are no points or *end* comes before the first.
    """
    totals = _totals_by_month(points)
    if not totals:
        return []
    last = _month(end) if end is not None else max(totals)
    count = _months_from(min(totals), last) + 1
    months = [_add_months(min(totals), step) for step in range(max(count, 0))]
    return [(month, totals.get(month, 0.0)) for month in months]


def forecast(
    history: Mapping[date, Quantity],
    *,
    start: date,
    horizon: int = 12,
    posted: Mapping[date, Quantity] | None = None,
) -> Forecast:
    """Forecast demand for *horizon* months from *start*'s month.

    The model is fitted on *history* before *start*'s month (later points are ignored); each
    month's figure is at least the demand *posted* for it.
    """
    if horizon < 1:
        raise ValueError(f"A forecast needs a horizon of at least 1 month, not {horizon}.")
    first = _month(start)
    before = {day: value for day, value in history.items() if _month(day) < first}
    series = [value for _, value in monthly_series(before, end=_add_months(first, -1))]
    predictions, method = _predict(series, horizon)

    months = [_add_months(first, step) for step in range(horizon)]
    floors = _totals_by_month(posted or {})
    values = [
        _to_cents(max(prediction, floors.get(month, 0.0), 0.0))
        for month, prediction in zip(months, predictions, strict=True)
    ]
    return Forecast(months=months, values=values, method=method, history_months=len(series))


def backtest(history: Mapping[date, Quantity], *, holdout: int = 12) -> Backtest:
    """Fit on all but the last *holdout* months, forecast them, compare with actuals and with
    seasonal naive.

    Seasonal naive is forecast from the same point as the model, from the training months only.
    Raise ValueError when the history is shorter than *holdout* + 12 months.
    """
    if holdout < 1:
        raise ValueError(f"A backtest needs a holdout of at least 1 month, not {holdout}.")
    series = monthly_series(history)
    needed = holdout + SEASON
    if len(series) < needed:
        raise ValueError(
            f"A backtest over {holdout} months needs at least {needed} months of history; "
            f"there are {len(series)}."
        )
    cut = len(series) - holdout
    training = series[:cut]
    training_values = [value for _, value in training]
    actuals = [value for _, value in series[cut:]]

    result = forecast(dict(training), start=series[cut][0], horizon=holdout)
    model = [float(value) for value in result.values]
    # Rounded like the model's figures, so that equal forecasts have equal errors.
    naive = [float(_to_cents(value)) for value in _seasonal_naive(training_values, holdout)]
    return Backtest(
        holdout_months=holdout,
        model_mae=_mae(actuals, model),
        naive_mae=_mae(actuals, naive),
        model_mape=_mape(actuals, model),
        naive_mape=_mape(actuals, naive),
        method=result.method,
    )


def _predict(series: Sequence[float], horizon: int) -> tuple[list[float], str]:
    if len(series) >= HOLT_WINTERS_MIN_MONTHS and _holt_winters_earns_its_place(series):
        predictions = _holt_winters(series, horizon)
        if predictions is not None:
            return predictions, "holt_winters"
    if len(series) >= SEASONAL_NAIVE_MIN_MONTHS:
        return _seasonal_naive(series, horizon), "seasonal_naive"
    return [fmean(series) if series else 0.0] * horizon, "mean"


def _holt_winters_earns_its_place(series: Sequence[float]) -> bool:
    """Whether Holt-Winters beat seasonal naive on this series' own last year.

    With three years or more, the model is fitted without the last 12 months and must forecast
    them better than "the same month a year before" did; otherwise the simple rule is kept (on
    peaks that grow or drift, Holt-Winters often does worse). With two years there is nothing to
    hold out and the model is trusted.
    """
    if len(series) < HOLT_WINTERS_MIN_MONTHS + SEASON:
        return True
    training, actuals = series[:-SEASON], series[-SEASON:]
    model = _holt_winters(training, SEASON)
    if model is None:
        return False
    naive = _seasonal_naive(training, SEASON)
    clipped = [max(value, 0.0) for value in model]
    return _mae(actuals, clipped) < _mae(actuals, naive)


def _holt_winters(series: Sequence[float], horizon: int) -> list[float] | None:
    """Return Holt-Winters predictions, or None when neither configuration fits sensibly."""
    import numpy as np
    from statsmodels.tools.sm_exceptions import (  # type: ignore[import-untyped]
        ConvergenceWarning,
    )
    from statsmodels.tsa.holtwinters import (  # type: ignore[import-untyped]
        ExponentialSmoothing,
    )

    data = np.asarray(series, dtype=float)
    bound = DIVERGED_FACTOR * (float(np.abs(data).max()) + 1.0)
    candidates: list[tuple[float, list[float]]] = []  # (AICc, predictions)
    # Multiplicative seasons suit peaks that grow with the market, but need sales every month.
    seasonals = ("add", "mul") if float(data.min()) > 0 else ("add",)
    for trend, seasonal in itertools.product(("add", None), seasonals):
        with warnings.catch_warnings():
            # A perfect fit (an all-zero series) has its AICc taken from log(0): -inf, fine.
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("error", ConvergenceWarning)
            model = ExponentialSmoothing(
                data,
                trend=trend,
                damped_trend=trend is not None,
                seasonal=seasonal,
                seasonal_periods=SEASON,
                initialization_method="estimated",
            )
            try:
                # least_squares, not the default L-BFGS-B: that one spends its time in BLAS
                # calls so small that OpenBLAS's threads make them 10-20 times slower.
                result = model.fit(method="least_squares")
                predictions = [float(value) for value in result.forecast(horizon)]
            except (ConvergenceWarning, ValueError, ArithmeticError, np.linalg.LinAlgError):
                continue
        if all(math.isfinite(value) and abs(value) <= bound for value in predictions):
            aicc = float(result.aicc)
            candidates.append((aicc if not math.isnan(aicc) else math.inf, predictions))
    if not candidates:
        return None
    # The trend costs two parameters; AICc weighs them against the fit, which matters most
    # on the short histories (two or three years) this mostly sees.
    return min(candidates, key=lambda candidate: candidate[0])[1]


def _seasonal_naive(series: Sequence[float], horizon: int) -> list[float]:
    """Repeat the last 12 months of *series*, which must hold at least 12."""
    last_year = series[-SEASON:]
    return [last_year[step % SEASON] for step in range(horizon)]


def _mae(actuals: Sequence[float], predictions: Sequence[float]) -> Decimal:
    errors = [abs(a - p) for a, p in zip(actuals, predictions, strict=True)]
    return _to_cents(fmean(errors))


def _mape(actuals: Sequence[float], predictions: Sequence[float]) -> Decimal | None:
    """Return the mean absolute percentage error, or None: it is undefined if an actual is 0."""
    if any(actual == 0 for actual in actuals):
        return None
    errors = [abs(a - p) / abs(a) for a, p in zip(actuals, predictions, strict=True)]
    return _to_cents(100 * fmean(errors))


def _totals_by_month(points: Mapping[date, Quantity]) -> dict[Month, float]:
    totals: dict[Month, float] = {}
    for day, value in points.items():
        month = _month(day)
        totals[month] = totals.get(month, 0.0) + float(value)
    return totals


def _month(day: date) -> Month:
    return date(day.year, day.month, 1)  # also turns a datetime into a plain date


def _add_months(month: Month, count: int) -> Month:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _months_from(first: Month, last: Month) -> int:
    return (last.year - first.year) * 12 + last.month - first.month


def _to_cents(value: float) -> Decimal:
    return Decimal(value).quantize(CENT, ROUND_HALF_UP)


def warm_up() -> None:
    """Import statsmodels now (seconds), so that the first guidance page does not wait for it."""
    import importlib

    importlib.import_module("statsmodels.tsa.holtwinters")
