"""Forecast accuracy scaled by the history's seasonal naive errors: MASE and RMSSE.

With history y₁ … yₙ, season m (7 days), actuals aₕ and forecasts fₕ over H days:

- MASE  = mean|aₕ − fₕ| ÷ mean|yₜ − yₜ₋ₘ|      (t = m+1 … n)
- RMSSE = √( mean(aₕ − fₕ)² ÷ mean(yₜ − yₜ₋ₘ)² )

Below 1, the forecast beats what seasonal naive did in the history. A history whose
seasonal naive never errs (or shorter than a season) has no scale: None.
"""

from __future__ import annotations

import math

import numpy as np

from collector.analytics.methods import WEEK_DAYS, Series


def naive_errors(history: Series, period: int = WEEK_DAYS) -> Series:
    """The in-sample errors of seasonal naive: yₜ − yₜ₋ₘ."""
    return np.asarray(history[period:] - history[:-period], dtype=np.float64)


def mase(
    actual: Series, forecast: Series, history: Series, period: int = WEEK_DAYS
) -> float | None:
    """Mean absolute scaled error (see the module's formula)."""
    scale = np.abs(naive_errors(history, period))
    if len(scale) == 0 or not scale.any():
        return None
    return float(np.mean(np.abs(actual - forecast)) / np.mean(scale))


def rmsse(
    actual: Series, forecast: Series, history: Series, period: int = WEEK_DAYS
) -> float | None:
    """Root mean squared scaled error (see the module's formula)."""
    scale = naive_errors(history, period) ** 2
    if len(scale) == 0 or not scale.any():
        return None
    return math.sqrt(float(np.mean((actual - forecast) ** 2) / np.mean(scale)))
