"""Forecast methods: pure functions of a daily demand series (oldest first) and a horizon.

Each returns the forecast for the ``horizon`` days after the series, never negative:

- ``seasonal_naive``: each day repeats the same weekday of the last week;
- ``trend_seasonal``: least squares on a linear trend, day-of-week effects and, with a
  year of history, Fourier terms of the yearly season;
- ``croston``, ``sba``, ``tsb``: intermittent demand (slow movers), a flat rate per day.

The formulas are in docs/analytics.md.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

Series = npt.NDArray[np.float64]
"""Daily quantities, oldest first."""
Method = Callable[[Series, int], Series]
"""A forecast method: (history, horizon days) → forecast of those days."""

WEEK_DAYS = 7
YEAR_DAYS = 365.25
YEARLY_HARMONICS = 3
"""Fourier pairs of the yearly season: enough for a peak and its shoulders, few to overfit."""
CROSTON_ALPHA = 0.1
TSB_ALPHA = 0.1
TSB_BETA = 0.1


def seasonal_naive(y: Series, horizon: int, period: int = WEEK_DAYS) -> Series:
    """Day h repeats the day ``period`` days before it in the last season of the history."""
    if len(y) == 0:
        return np.zeros(horizon)
    if len(y) < period:
        return np.full(horizon, float(np.mean(y)))
    last = y[-period:]
    return np.asarray(last[np.arange(horizon) % period], dtype=np.float64)


def ses_level(x: Series, alpha: float, initial: float) -> float:
    """Simple exponential smoothing's level after ``x``, from ``initial``.

    lₘ = (1 − α)ᵐ·l₀ + Σⱼ α(1 − α)ᵐ⁻ʲ·xⱼ: the recursion lⱼ = lⱼ₋₁ + α(xⱼ − lⱼ₋₁), unrolled.
    """
    m = len(x)
    if m == 0:
        return initial
    decay = (1.0 - alpha) ** np.arange(m - 1, -1, -1, dtype=np.float64)
    return float((1.0 - alpha) ** m * initial + alpha * np.dot(decay, x))


def croston_rate(y: Series, alpha: float = CROSTON_ALPHA) -> float:
    """Croston's demand per day: smoothed demand size ÷ smoothed interval between demands.

    Both start at the first demand: size d₁, interval q₁ = days up to and including it.
    """
    days = np.flatnonzero(y > 0)
    if len(days) == 0:
        return 0.0
    sizes = y[days]
    intervals = np.diff(days, prepend=-1).astype(np.float64)
    size = ses_level(sizes[1:], alpha, float(sizes[0]))
    interval = ses_level(intervals[1:], alpha, float(intervals[0]))
    return size / interval


def croston(y: Series, horizon: int, alpha: float = CROSTON_ALPHA) -> Series:
    """Croston's method (classic): a flat forecast of size ÷ interval."""
    return np.full(horizon, croston_rate(y, alpha))


def sba(y: Series, horizon: int, alpha: float = CROSTON_ALPHA) -> Series:
    """Syntetos–Boylan approximation: Croston's rate × (1 − α/2), removing its bias."""
    return np.full(horizon, (1.0 - alpha / 2.0) * croston_rate(y, alpha))


def tsb(y: Series, horizon: int, alpha: float = TSB_ALPHA, beta: float = TSB_BETA) -> Series:
    """Teunter–Syntetos–Babai: smoothed probability of demand × smoothed demand size.

    The probability is smoothed every day (towards 1 on a day with demand, 0 without),
    so the forecast decays while an item stops selling; the size only on demand days.
    Starts: probability = share of days with demand, size = mean demand size.
    """
    sold = y > 0
    if not sold.any():
        return np.zeros(horizon)
    probability = ses_level(sold.astype(np.float64), beta, float(np.mean(sold)))
    sizes = y[sold]
    size = ses_level(sizes, alpha, float(np.mean(sizes)))
    return np.full(horizon, probability * size)


def design(days: npt.NDArray[np.float64], *, yearly: bool) -> Series:
    """Regressors of day index t: 1, t ÷ 365.25, six weekday dummies, yearly sin/cos pairs.

    The trend's scale is fixed (not the history's length), so a day's row is the same in
    every fit and the rows are made once (``_rows``).
    """
    weekday = days.astype(np.int64) % WEEK_DAYS
    columns = [np.ones_like(days), days / YEAR_DAYS]
    columns += [(weekday == d).astype(np.float64) for d in range(1, WEEK_DAYS)]
    if yearly:
        for k in range(1, YEARLY_HARMONICS + 1):
            angle = 2.0 * np.pi * k * days / YEAR_DAYS
            columns += [np.sin(angle), np.cos(angle)]
    return np.column_stack(columns)


_ROWS: dict[bool, Series] = {}


def _rows(stop: int, *, yearly: bool) -> Series:
    """The design's rows for days 0 … stop − 1, from a table grown as longer ones are asked."""
    table = _ROWS.get(yearly)
    if table is None or len(table) < stop:
        size = max(stop, 2 * len(table) if table is not None else 1200)
        table = _ROWS[yearly] = design(np.arange(size, dtype=np.float64), yearly=yearly)
    return table[:stop]


RIDGE = 1e-6
"""A touch of ridge on the normal equations: a fit with a dummy never seen stays solvable."""


def trend_seasonal(y: Series, horizon: int) -> Series:
    """Trend + weekly (+ yearly, with a year of history) seasonality by least squares."""
    n = len(y)
    if n < 2 * WEEK_DAYS:
        return seasonal_naive(y, horizon)
    yearly = n >= YEAR_DAYS
    rows = _rows(n + horizon, yearly=yearly)
    past = rows[:n]
    # The normal equations (a 14 × 14 or 20 × 20 solve) are ten times faster than an SVD.
    gram = past.T @ past + RIDGE * np.eye(past.shape[1])
    coefficients = np.linalg.solve(gram, past.T @ y)
    forecast = rows[n:] @ coefficients
    return np.asarray(np.clip(forecast, 0.0, None), dtype=np.float64)


METHODS: dict[str, Method] = {
    "seasonal_naive": seasonal_naive,
    "trend_seasonal": trend_seasonal,
    "croston": croston,
    "sba": sba,
    "tsb": tsb,
}
"""Every method by the name reports give it."""
INTERMITTENT = ("croston", "sba", "tsb")
SMOOTH = ("trend_seasonal",)
