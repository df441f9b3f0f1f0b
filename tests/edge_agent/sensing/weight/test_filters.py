"""Streaming filters: median, stability window, noise estimate."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge_agent.sensing.weight.filters import NoiseEstimator, RunningMedian, StabilityWindow


def test_median_removes_a_lone_spike():
    median = RunningMedian(5)
    outputs = [median.push(v) for v in (10, 10, 10, 900, 10, 10)]
    assert outputs[-3:] == [10, 10, 10]


def test_median_removes_two_spikes_in_a_row_with_window_five():
    median = RunningMedian(5)
    outputs = [median.push(v) for v in (10, 10, 10, 900, -500, 10, 10)]
    assert max(outputs) == 10


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=40))
def test_median_lies_within_the_window(values):
    median = RunningMedian(5)
    for i, v in enumerate(values):
        out = median.push(v)
        recent = values[max(0, i - 4) : i + 1]
        assert min(recent) <= out <= max(recent)


def test_window_reports_spread_and_mean_once_full():
    window = StabilityWindow(4)
    for v in (1.0, 3.0, 2.0):
        window.push(v)
    assert not window.is_full()
    window.push(6.0)
    assert window.is_full()
    assert (window.spread(), window.mean()) == (5.0, 3.0)
    window.push(2.0)  # drops the oldest
    assert window.spread() == 4.0


def test_noise_estimate_converges_and_ignores_drift():
    rng = random.Random(5)
    noise = NoiseEstimator(initial_sigma=5.0, time_constant_s=30.0)
    for k in range(3000):
        noise.update(1000 + 0.05 * k + rng.gauss(0, 0.8), 0.1, stable=True)
    assert noise.sigma == pytest.approx(0.8, rel=0.15)


def test_noise_estimate_learns_only_while_stable_and_skips_spikes():
    noise = NoiseEstimator(initial_sigma=1.0, time_constant_s=10.0)
    noise.update(0.0, 0.1, stable=True)
    noise.update(500.0, 0.1, stable=True)  # a spike
    noise.update(0.0, 0.1, stable=False)  # a hand
    noise.update(300.0, 0.1, stable=False)
    assert noise.sigma == 1.0


def test_trend_tells_a_settling_load_from_a_still_one():
    window = StabilityWindow(10)
    for v in (0, 1, 2, 3, 4, 5, 6, 7, 8, 9):
        window.push(float(v))
    assert window.trend() == 5.0
    for _ in range(10):
        window.push(4.0)
    assert window.trend() == 0.0


@given(
    samples=st.integers(3, 40),
    values=st.lists(st.floats(-1e5, 1e5), min_size=1, max_size=200),
)
def test_incremental_window_matches_direct_computation(samples, values):
    window = StabilityWindow(samples)
    for i, v in enumerate(values):
        window.push(v)
        recent = values[max(0, i + 1 - samples) : i + 1]
        assert window.spread() == max(recent) - min(recent)
        assert window.mean() == pytest.approx(sum(recent) / len(recent), abs=1e-6)
        if window.is_full():
            half = samples // 2
            trend = (sum(recent[samples - half :]) - sum(recent[:half])) / half
            assert window.trend() == pytest.approx(trend, abs=1e-6)
