"""Streaming filters of the weight pipeline: median, stability window and noise estimate.

The median sorts a handful of samples; the stability window answers spread,
mean and trend in O(1) amortized, so a lane costs a few microseconds per sample
at any window length.
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


class SlidingExtremes:
    """Max and min of the last ``samples`` values in O(1) amortized (monotonic queues)."""

    def __init__(self, samples: int) -> None:
        self._samples = samples
        self._index = 0
        self._max: deque[tuple[int, float]] = deque()
        self._min: deque[tuple[int, float]] = deque()

    def push(self, value: float) -> None:
        """Add a value; values older than the window fall out."""
        index, self._index = self._index, self._index + 1
        highs, lows = self._max, self._min
        while highs and highs[-1][1] <= value:
            highs.pop()
        while lows and lows[-1][1] >= value:
            lows.pop()
        highs.append((index, value))
        lows.append((index, value))
        oldest = index - self._samples
        if highs[0][0] <= oldest:
            highs.popleft()
        if lows[0][0] <= oldest:
            lows.popleft()

    def spread(self) -> float:
        """Max minus min of the window."""
        return self._max[0][1] - self._min[0][1]


class StabilityWindow:
    """The last ``samples`` filtered values; stable when their spread is within a band.

    Sums of the whole window and of its older and newer halves are kept
    incrementally (recomputed exactly once per window length so rounding cannot
    accumulate), so every query is O(1) even with 80-sample windows.
    """

    def __init__(self, samples: int) -> None:
        self._values: deque[float] = deque(maxlen=samples)
        self._half = samples // 2
        self.clear()

    def clear(self) -> None:
        """Forget every sample (after a tare or recalibration)."""
        self._values.clear()
        self._extremes = SlidingExtremes(self.samples)
        self._total = self._older = self._newer = 0.0
        self._until_exact = 0

    @property
    def samples(self) -> int:
        """Window length in samples."""
        return self._values.maxlen or 0

    def push(self, value: float) -> None:
        """Add a sample, dropping the oldest."""
        values, half = self._values, self._half
        self._extremes.push(value)
        if len(values) < self.samples or self._until_exact <= 0:
            values.append(value)
            self._recompute()
            return
        dropped = values[0]
        self._total += value - dropped
        self._older += values[half] - dropped
        self._newer += value - values[self.samples - half]
        values.append(value)
        self._until_exact -= 1

    def _recompute(self) -> None:
        values = list(self._values)
        half = self._half
        self._total = sum(values)
        self._older = sum(values[:half])
        self._newer = sum(values[len(values) - half :])
        self._until_exact = self.samples

    def is_full(self) -> bool:
        """True once the window holds ``samples`` values."""
        return len(self._values) == self.samples

    def spread(self) -> float:
        """Max minus min over the window."""
        return self._extremes.spread()

    def trend(self) -> float:
        """Mean of the newer half minus mean of the older half: still moving if large."""
        return (self._newer - self._older) / self._half

    def mean(self) -> float:
        """Mean over the window: the plateau level when stable."""
        return self._total / len(self._values)


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
