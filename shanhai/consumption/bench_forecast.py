"""Backtests of the demand forecast on synthetic monthly sales shaped like the ledger's.

The demo ledger holds three years at most, too short to backtest Holt-Winters (two years to fit
and one to hold out, from the first counted sale). These series are five years long, seeded, in
the shapes consumption sales take: a harvest peak (kiwifruit, Sept–Nov), the same peak on a
growing market, a flat all-year product, and a season that drifts a month later.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import date

from shanhai.consumption import forecast

YEARS = 5


def _series(shape: Callable[[int, int], float], *, seed: int) -> dict[date, float]:
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic sales, not secrets
    points: dict[date, float] = {}
    for index in range(YEARS * 12):
        year, month = 2019 + index // 12, index % 12 + 1
        noise = 1 + rng.uniform(-0.15, 0.15)
        points[date(year, month, 1)] = max(0.0, shape(index, month) * noise)
    return points


def _peak(month: int, centre: float) -> float:
    return 200 + 3000 * math.exp(-((month - centre) ** 2) / 1.5)


SHAPES: dict[str, Callable[[int, int], float]] = {
    "harvest peak (Sept–Nov)": lambda i, m: _peak(m, 10),
    "harvest peak, market growing 20 %/year": lambda i, m: _peak(m, 10) * 1.2 ** (i / 12),
    "all year, slowly growing": lambda i, m: 800 + 10 * i,
    "peak drifting later each year": lambda i, m: _peak(m, 9 + i / 24),
}


def table(*, seeds: range = range(1, 11)) -> str:
    """Mean backtest errors over *seeds* for each shape, as a Markdown table."""
    lines = [
        f"Synthetic monthly sales, {YEARS} years, ±15 % noise, {len(seeds)} seeds per shape "
        "(`shanhai/consumption/bench_forecast.py`); the last 12 months held out.",
        "",
        "| shape | model MAE kg/month | seasonal-naive MAE | ratio (mean of seeds) "
        "| model better in |",
        "|---|---|---|---|---|",
    ]
    for name, shape in SHAPES.items():
        model, naive, ratios, wins = 0.0, 0.0, [], 0
        for seed in seeds:
            result = forecast.backtest(_series(shape, seed=seed))
            model += float(result.model_mae)
            naive += float(result.naive_mae)
            if result.ratio is not None:
                ratios.append(float(result.ratio))
                wins += result.ratio < 1
        n = len(seeds)
        mean_ratio = sum(ratios) / len(ratios) if ratios else float("nan")
        lines.append(
            f"| {name} | {model / n:,.0f} | {naive / n:,.0f} | {mean_ratio:.2f} | {wins} of {n} |"
        )
    return "\n".join(lines)
