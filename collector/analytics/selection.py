"""The method per series, chosen by a rolling-origin backtest, and ``forecast_demand``.

A series is *intermittent* when its average demand interval (days ÷ days with demand)
exceeds 1.32 (Syntetos–Boylan–Croston): its candidates are Croston, SBA and TSB;
otherwise trend + seasonality. Seasonal naive, the benchmark, is always a candidate and
wins ties. Each candidate forecasts from up to three origins, ``backtest_days`` apart,
the last one ``backtest_days`` before the end; the lowest mean RMSSE is chosen (the
lowest RMSE when the history has no seasonal naive scale).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

import numpy as np

from collector.analytics.accuracy import mase, rmsse
from collector.analytics.errors import AnalyticsError
from collector.analytics.methods import INTERMITTENT, METHODS, SMOOTH, Series

INTERMITTENT_INTERVAL_DAYS = 1.32
BACKTEST_ORIGINS = 3
MAX_BACKTEST_DAYS = 28
MIN_TRAINING_DAYS = 28
MAX_HORIZON_DAYS = 366
BASELINE = "seasonal_naive"


@dataclass(frozen=True, slots=True)
class Backtest:
    """One method's accuracy over the backtest's origins (means of the origins)."""

    method: str
    mase: float | None
    rmsse: float | None
    rmse: float
    """Root mean squared daily error, in units: σ of demand around the forecast."""

    @property
    def score(self) -> float:
        """What selection minimises: RMSSE, or RMSE where there is no scale."""
        return self.rmsse if self.rmsse is not None else self.rmse


@dataclass(frozen=True, slots=True)
class Forecast:
    """The chosen method's forecast and how every candidate did in the backtest."""

    method: str
    daily: Series
    """Units per day over the horizon, from the day after the history."""
    intermittent: bool
    backtests: tuple[Backtest, ...]
    """Every candidate's, seasonal naive first; empty when the history is too short."""
    sigma_per_day: float

    @property
    def chosen(self) -> Backtest | None:
        """The chosen method's backtest (None without one)."""
        return next((b for b in self.backtests if b.method == self.method), None)

    @property
    def baseline(self) -> Backtest | None:
        """Seasonal naive's backtest (None without one)."""
        return next((b for b in self.backtests if b.method == BASELINE), None)


class DemandRate(NamedTuple):
    """What reorder points need: mean demand per day over a horizon, and its σ per day."""

    mean_per_day: float
    sigma_per_day: float


def as_series(values: Sequence[float | Decimal | int] | Series) -> Series:
    """Daily quantities as a float array; negative days (net reversals) count as none."""
    y = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(y)):
        raise AnalyticsError("the demand series has a value that is not a finite number")
    return np.asarray(np.clip(y, 0.0, None), dtype=np.float64)


def is_intermittent(y: Series) -> bool:
    """Average demand interval (days ÷ days with demand) above 1.32, or no demand at all."""
    demand_days = int(np.count_nonzero(y > 0))
    return demand_days == 0 or len(y) / demand_days > INTERMITTENT_INTERVAL_DAYS


def backtest_plan(n: int, horizon: int) -> tuple[int, list[int]]:
    """The backtest's days per origin and its origins (history lengths); none if too short."""
    days = min(horizon, MAX_BACKTEST_DAYS)
    origins = [n - k * days for k in range(BACKTEST_ORIGINS, 0, -1)]
    return days, [o for o in origins if o >= MIN_TRAINING_DAYS]


def backtest(y: Series, method: str, days: int, origins: Sequence[int]) -> Backtest:
    """``method`` forecasting ``days`` ahead from each origin, scored against the actuals."""
    mases: list[float | None] = []
    rmsses: list[float | None] = []
    squared = 0.0
    for origin in origins:
        history, actual = y[:origin], y[origin : origin + days]
        forecast = METHODS[method](history, days)
        mases.append(mase(actual, forecast, history))
        rmsses.append(rmsse(actual, forecast, history))
        squared += float(np.sum((actual - forecast) ** 2))
    return Backtest(
        method=method,
        mase=_mean(mases),
        rmsse=_mean(rmsses),
        rmse=math.sqrt(squared / (days * len(origins))),
    )


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known and len(known) == len(values) else None


def choose(y: Series, horizon: int) -> Forecast:
    """Pick the method by backtest (see the module) and forecast ``horizon`` days with it."""
    if not 1 <= horizon <= MAX_HORIZON_DAYS:
        raise AnalyticsError(f"horizon {horizon} days is not between 1 and {MAX_HORIZON_DAYS}")
    intermittent = is_intermittent(y)
    candidates = (BASELINE, *(INTERMITTENT if intermittent else SMOOTH))
    days, origins = backtest_plan(len(y), horizon)
    if not origins:
        # Too short to test anything: the family's first method, σ from the history.
        method = candidates[1]
        sigma = float(np.std(y)) if len(y) else 0.0
        return Forecast(method, METHODS[method](y, horizon), intermittent, (), sigma)
    backtests = tuple(backtest(y, name, days, origins) for name in candidates)
    best = backtests[0]
    for candidate in backtests[1:]:
        if candidate.score < best.score:
            best = candidate
    daily = METHODS[best.method](y, horizon)
    return Forecast(best.method, daily, intermittent, backtests, best.rmse)


def forecast_demand(
    series: Sequence[float | Decimal | int] | Series, horizon_days: int
) -> DemandRate:
    """Mean demand per day over the next ``horizon_days`` and σ of daily demand.

    ``series``: units demanded per day, oldest first, up to the day before the horizon.
    σ is the chosen method's backtest RMSE (the spread of daily demand around its
    forecast), or the history's standard deviation when it is too short to backtest.
    """
    found = choose(as_series(series), horizon_days)
    return DemandRate(float(np.mean(found.daily)), found.sigma_per_day)
