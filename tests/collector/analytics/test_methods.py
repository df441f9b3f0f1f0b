"""The forecast methods on tiny hand-worked series, and seasonality recovered on a made one."""

from __future__ import annotations

import numpy as np
import pytest

from collector.analytics.methods import (
    croston,
    croston_rate,
    sba,
    seasonal_naive,
    ses_level,
    trend_seasonal,
    tsb,
)

# Demand of 3 on day 2 and 2 on day 5 of six days.
SPARSE = np.array([0, 3, 0, 0, 2, 0], dtype=np.float64)


def test_ses_level_is_the_unrolled_recursion() -> None:
    # l0 = 10; x = 20: 10 + 0.5·(20 − 10) = 15; x = 0: 15 + 0.5·(0 − 15) = 7.5
    assert ses_level(np.array([20.0, 0.0]), 0.5, 10.0) == pytest.approx(7.5)
    assert ses_level(np.array([]), 0.5, 10.0) == 10.0


def test_croston_by_hand() -> None:
    # Demands 3 (day 2) and 2 (day 5); intervals 2 (days up to the first) and 3.
    # α = 0.5: size 3 → 3 + 0.5·(2 − 3) = 2.5; interval 2 → 2 + 0.5·(3 − 2) = 2.5.
    # Rate = 2.5 ÷ 2.5 = 1.0 per day, flat over the horizon.
    assert croston(SPARSE, 3, alpha=0.5).tolist() == pytest.approx([1.0, 1.0, 1.0])


def test_croston_with_its_default_alpha_by_hand() -> None:
    # α = 0.1: size 3 + 0.1·(2 − 3) = 2.9; interval 2 + 0.1·(3 − 2) = 2.1; 2.9 ÷ 2.1
    assert croston_rate(SPARSE) == pytest.approx(2.9 / 2.1)


def test_sba_removes_crostons_bias_by_hand() -> None:
    # (1 − α/2) · Croston = (1 − 0.25) · 1.0 = 0.75
    assert sba(SPARSE, 2, alpha=0.5).tolist() == pytest.approx([0.75, 0.75])


def test_tsb_by_hand() -> None:
    # α = β = 0.5. Probability starts at 2/6 = 1/3 (share of days with demand), then each
    # day moves half way to 1 (demand) or 0 (none):
    #   day 1 (0): 1/6; day 2 (3): 1/6 + (1 − 1/6)/2 = 7/12; day 3: 7/24; day 4: 7/48;
    #   day 5 (2): 7/48 + (1 − 7/48)/2 = 55/96; day 6: 55/192.
    # Size starts at the mean size 2.5: day 2: 2.5 + (3 − 2.5)/2 = 2.75;
    #   day 5: 2.75 + (2 − 2.75)/2 = 2.375 = 19/8.
    # Forecast = 55/192 · 19/8 = 1045/1536 ≈ 0.6803 per day.
    assert tsb(SPARSE, 2, alpha=0.5, beta=0.5).tolist() == pytest.approx([1045 / 1536] * 2)


def test_tsb_decays_while_an_item_stops_selling_and_croston_does_not() -> None:
    stopped = np.concatenate([SPARSE, np.zeros(30)])
    assert tsb(stopped, 1)[0] < tsb(SPARSE, 1)[0] / 10
    assert croston(stopped, 1)[0] == croston(SPARSE, 1)[0]


def test_no_demand_forecasts_none() -> None:
    empty = np.zeros(10)
    assert (croston(empty, 2).tolist(), sba(empty, 2).tolist(), tsb(empty, 2).tolist()) == (
        [0.0, 0.0], [0.0, 0.0], [0.0, 0.0],
    )  # fmt: skip


def test_seasonal_naive_repeats_the_last_week() -> None:
    y = np.arange(1, 15, dtype=np.float64)  # the last week is 8 … 14
    assert seasonal_naive(y, 9).tolist() == [8, 9, 10, 11, 12, 13, 14, 8, 9]
    assert seasonal_naive(np.array([2.0, 4.0]), 2).tolist() == [3.0, 3.0]  # under a week: mean


def weekly_trend_yearly(days: int) -> np.ndarray:
    t = np.arange(days, dtype=np.float64)
    week = np.array([-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0])
    return 20.0 + 0.02 * t + week[t.astype(int) % 7] + 5.0 * np.sin(2 * np.pi * t / 365.25)


def test_trend_seasonal_recovers_a_noiseless_weekly_season_trend_and_year() -> None:
    y = weekly_trend_yearly(800)
    forecast = trend_seasonal(y[:730], 70)
    assert forecast == pytest.approx(y[730:], abs=1e-6)


def test_trend_seasonal_recovers_the_weekly_shape_under_noise() -> None:
    rng = np.random.default_rng(7)
    truth = weekly_trend_yearly(800)
    forecast = trend_seasonal(truth[:730] + rng.normal(0, 2, 730), 28)
    assert np.max(np.abs(forecast - truth[730:758])) < 1.5
    # Saturday's peak and Sunday's trough of the weekly pattern are where they were.
    week = forecast[:7]
    assert (int(np.argmax(week)), int(np.argmin(week))) == ((6 - 730) % 7, (0 - 730) % 7)


def test_trend_seasonal_never_forecasts_below_zero() -> None:
    falling = np.linspace(50, 1, 60)
    assert trend_seasonal(falling, 60).min() >= 0.0
