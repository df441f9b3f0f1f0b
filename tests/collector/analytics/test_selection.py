"""Method selection by rolling-origin backtest, and ``forecast_demand`` for reorder points."""

from __future__ import annotations

import time
from decimal import Decimal

import numpy as np
import pytest

from collector.analytics import forecast_demand
from collector.analytics.errors import AnalyticsError
from collector.analytics.methods import INTERMITTENT
from collector.analytics.selection import (
    Backtest,
    Forecast,
    backtest_plan,
    choose,
    is_intermittent,
)


def seasonal_demand(days: int, seed: int = 1) -> np.ndarray:
    """Poisson demand with a trend, a weekend peak and a summer high."""
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    week = np.array([1.0, 1.0, 1.0, 1.0, 1.4, 2.4, 1.8])
    rate = (8 + 0.01 * t) * week[t % 7] * (1 + 0.3 * np.sin(2 * np.pi * t / 365.25))
    return rng.poisson(rate).astype(np.float64)


def intermittent_demand(days: int, seed: int = 2) -> np.ndarray:
    """A slow mover: a sale on about one day in eight, of 1 to 3 units."""
    rng = np.random.default_rng(seed)
    return ((rng.random(days) < 0.12) * rng.integers(1, 4, days)).astype(np.float64)


def _scored(found: Forecast) -> tuple[Backtest, Backtest]:
    """The chosen method's and the baseline's backtests, both there."""
    assert found.chosen is not None
    assert found.baseline is not None
    return found.chosen, found.baseline


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_on_a_weekly_season_with_trend_the_choice_beats_seasonal_naive(seed: int) -> None:
    found = choose(seasonal_demand(730, seed), 28)
    assert not found.intermittent
    assert found.method == "trend_seasonal"
    chosen, baseline = _scored(found)
    assert chosen.rmsse is not None
    assert baseline.rmsse is not None
    assert chosen.rmsse < baseline.rmsse
    assert chosen.mase is not None
    assert baseline.mase is not None
    assert chosen.mase < baseline.mase


@pytest.mark.parametrize("seed", [2, 3, 4])
def test_on_intermittent_demand_a_croston_method_is_chosen(seed: int) -> None:
    found = choose(intermittent_demand(400, seed), 28)
    assert found.intermittent
    assert found.method in INTERMITTENT
    chosen, baseline = _scored(found)
    assert chosen.rmsse is not None
    assert baseline.rmsse is not None
    assert chosen.rmsse < baseline.rmsse
    assert [b.method for b in found.backtests] == ["seasonal_naive", "croston", "sba", "tsb"]


def test_the_intermittency_threshold_is_an_average_interval_of_1_32_days() -> None:
    assert not is_intermittent(np.array([1.0, 1.0, 0.0, 1.0, 1.0]))  # 5 days ÷ 4 = 1.25
    assert is_intermittent(np.array([1.0, 1.0, 0.0, 1.0]))  # 4 days ÷ 3 = 1.33
    assert is_intermittent(np.zeros(5))


def test_the_backtest_uses_three_origins_a_horizon_apart_when_the_history_allows() -> None:
    assert backtest_plan(200, 14) == (14, [158, 172, 186])
    assert backtest_plan(200, 90) == (28, [116, 144, 172])  # at most 28 days per origin
    assert backtest_plan(40, 7) == (7, [33])  # each origin keeps 28 days of training
    assert backtest_plan(20, 7) == (7, [])


def test_a_short_history_is_forecast_without_a_backtest() -> None:
    found = choose(np.array([2.0, 3.0, 4.0, 3.0, 2.0, 3.0, 4.0, 3.0, 2.0, 3.0]), 5)
    assert (found.method, found.backtests, found.chosen) == ("trend_seasonal", (), None)
    assert found.sigma_per_day == pytest.approx(float(np.std([2, 3, 4, 3, 2, 3, 4, 3, 2, 3])))


def test_forecast_demand_gives_the_mean_rate_and_the_backtest_sigma() -> None:
    y = seasonal_demand(730)
    rate = forecast_demand(y, 14)
    found = choose(y, 14)
    assert rate.mean_per_day == pytest.approx(float(np.mean(found.daily)))
    assert found.chosen is not None
    assert rate.sigma_per_day == pytest.approx(found.chosen.rmse)
    mean, sigma = rate  # a plain pair too
    assert 10 < mean < 25
    assert 0 < sigma < mean


def test_forecast_demand_takes_decimals_and_counts_negative_days_as_none() -> None:
    steady = [Decimal("2")] * 60
    assert forecast_demand(steady, 7) == (2.0, 0.0)
    assert forecast_demand([-1, 0, 0, 0, 0, 0], 3).mean_per_day == 0.0


def test_forecast_demand_refuses_a_horizon_out_of_range_and_non_numbers() -> None:
    with pytest.raises(AnalyticsError, match="horizon 0 days is not between 1 and 366"):
        forecast_demand([1, 2, 3], 0)
    with pytest.raises(AnalyticsError, match="not a finite number"):
        forecast_demand([1, float("nan")], 3)


def test_two_years_of_history_are_chosen_and_forecast_in_milliseconds() -> None:
    series = [seasonal_demand(730, seed) for seed in range(20)]
    started = time.perf_counter()
    for y in series:
        choose(y, 28)
    assert (time.perf_counter() - started) / len(series) < 0.05
