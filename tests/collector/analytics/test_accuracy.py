"""MASE and RMSSE against the history's seasonal naive errors, by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from collector.analytics.accuracy import mase, rmsse

# Two weeks: the second is the first + 2 on every day, so each seasonal naive error is 2
# (|e| = 2, e² = 4).
HISTORY = np.array([1, 2, 3, 4, 5, 6, 7, 3, 4, 5, 6, 7, 8, 9], dtype=np.float64)


def test_mase_by_hand() -> None:
    # errors 1 and 3: mean |e| = 2; scale 2 → 1.0
    assert mase(np.array([5.0, 5.0]), np.array([4.0, 8.0]), HISTORY) == pytest.approx(1.0)


def test_rmsse_by_hand() -> None:
    # errors 1 and 3: mean e² = 5; scale 4 → √(5/4)
    assert rmsse(np.array([5.0, 5.0]), np.array([4.0, 8.0]), HISTORY) == pytest.approx(
        math.sqrt(5 / 4)
    )


def test_a_perfect_forecast_scores_zero() -> None:
    actual = np.array([3.0, 4.0])
    assert (mase(actual, actual, HISTORY), rmsse(actual, actual, HISTORY)) == (0.0, 0.0)


def test_a_history_seasonal_naive_never_misses_has_no_scale() -> None:
    flat = np.full(14, 5.0)
    assert mase(np.array([5.0]), np.array([4.0]), flat) is None
    assert rmsse(np.array([5.0]), np.array([4.0]), flat[:3]) is None  # shorter than a week
