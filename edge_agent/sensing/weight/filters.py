"""Streaming filters of the weight pipeline: median, stability window and noise estimate.

Every call is O(window) with small windows (≤ 15 samples) and no allocation
beyond a sort, so a lane costs a few microseconds per sample.
"""

from __future__ import annotations

import math
from collections import deque


class RunningMedian:
    """Median of the last ``window`` samples: one or two spikes in a row vanish."""

    def __init__(self, window: int) -> None:
        self._values: deque[float] = deque(maxlen=window)

    def push(self, value: float) -> float:
        """Add a sample; the median so far (of fewer samples until the window fills)."""
        self._values.append(value)
        ordered = sorted(self._values)
        return ordered[len(ordered) // 2]


class StabilityWindow:
    """The last ``samples`` filtered values; stable when their spread is within a band."""

    def __init__(self, samples: int) -> None:
        self._values: deque[float] = deque(maxlen=samples)

    def push(self, value: float) -> None:
        """Add a sample, dropping the oldest."""
        self._values.append(value)

    @property
    def samples(self) -> int:
        """Window length in samples."""
        return self._values.maxlen or 0

    def is_full(self) -> bool:
        """True once the window holds ``samples`` values."""
        return len(self._values) == self._values.maxlen

    def spread(self) -> float:
        """Max minus min over the window."""
        return max(self._values) - min(self._values)

    def trend(self) -> float:
        """Mean of the newer half minus mean of the older half: still moving if large."""
        values = list(self._values)
        half = len(values) // 2
        older, newer = values[:half], values[len(values) - half :]
        return (sum(newer) - sum(older)) / half

    def mean(self) -> float:
        """Mean over the window: the plateau level when stable."""
        return sum(self._values) / len(self._values)

    def clear(self) -> None:
        """Forget every sample (after a tare or recalibration)."""
        self._values.clear()


class NoiseEstimator:
    """Noise sigma in grams from successive raw samples while the lane is stable.

    Differences cancel slow drift and creep: var(x[t] - x[t-1]) = 2σ².  A single
    spike is not allowed to inflate the estimate (differences beyond 8σ are skipped).
    """

    def __init__(self, initial_sigma: float, time_constant_s: float) -> None:
        self._variance = initial_sigma * initial_sigma
        self._time_constant_s = time_constant_s
        self._previous: float | None = None

    @property
    def sigma(self) -> float:
        """Current estimate of one sample's noise (1σ, grams)."""
        return math.sqrt(self._variance)

    def update(self, grams: float, dt_s: float, *, stable: bool) -> None:
        """Take in the next raw sample; only stable stretches teach the estimate."""
        previous, self._previous = self._previous, grams
        if not stable or previous is None:
            return
        half_square = (grams - previous) ** 2 / 2
        if half_square > 64 * self._variance:
            return
        alpha = min(1.0, dt_s / self._time_constant_s)
        self._variance += (half_square - self._variance) * alpha
        self._variance = max(self._variance, 1e-6)
