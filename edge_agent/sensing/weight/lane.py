"""One shelf lane's weight pipeline: raw counts in, ``shelf.weight_changed`` out.

Pure: no IO and no clock; every sample brings its own timestamp.  Per sample:
calibrate, subtract the tracked zero, median-filter, and test the stability
window.  While stable the reference level follows slow drift and creep (rate
limited) and, near zero, zero tracking pulls the zero.  A disturbance followed
by a new stable plateau yields one change, quantized into item counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from edge_agent.errors import EdgeAgentError
from edge_agent.sensing.weight.calibration import LinearCalibration, calibration_from_settings
from edge_agent.sensing.weight.filters import NoiseEstimator, RunningMedian, StabilityWindow
from edge_agent.sensing.weight.quantize import CountResult, quantize_change
from edge_agent.sensing.weight.settings import LaneSettings, WeightPipelineSettings
from edge_agent.wire import CountCandidate, ShelfWeightChanged, WeightResolution

UNNAMED_SKU = "unit"
"""Key used in candidate counts when a single-SKU lane has no SKU assigned yet."""
RAW_SATURATION_CODES = frozenset((0x7FFFFF, -0x800000))
"""HX711 full-scale codes: the input is out of range, the sample means nothing."""
MEDIAN_NOISE_FACTOR = 1.25
"""A median's noise relative to a mean of the same samples (normal noise)."""


class LaneNotStableError(EdgeAgentError, RuntimeError):
    """A tare or calibration step needs the lane to be still, and it is not."""


@dataclass(frozen=True)
class LaneEvent:
    """A lane's weight change and the sample time (seconds) at which it settled."""

    t_s: float
    change: ShelfWeightChanged


class LanePipeline:
    """Turns one lane's samples into settled weight changes."""

    def __init__(self, lane: LaneSettings, settings: WeightPipelineSettings) -> None:
        self.lane = lane
        self.settings = settings
        self._units = {sku or UNNAMED_SKU: g for sku, g in lane.unit_weights().items()}
        smallest = min(self._units.values())
        self._zero_band_grams = min(settings.zero_band_grams, lane.tolerance_fraction * smallest)
        self._calibration = calibration_from_settings(lane.calibration)
        self._median = RunningMedian(settings.median_window_samples)
        self._window = StabilityWindow(settings.stable_window_samples)
        # Per-sample constants, hoisted out of the hot path.
        self._band_min_grams = settings.stable_band_min_grams
        self._band_sigmas = settings.stable_band_sigma
        half_window = settings.stable_window_samples // 2
        self._trend_per_sigma = (
            settings.stable_trend_sigma * MEDIAN_NOISE_FACTOR / math.sqrt(half_window)
        )
        self._noise = NoiseEstimator(lane.noise_grams, settings.noise_time_constant_s)
        self.zero_grams = 0.0
        self.reference_grams: float | None = None
        self.estimated_count: int | None = None
        self.is_stable = False
        self._disturbed = False
        self._last_t_s: float | None = None
        self.saturated_samples = 0

    @property
    def noise_grams(self) -> float:
        """Measured noise of one sample (1σ, grams)."""
        return self._noise.sigma

    def recalibrate(self, calibration: LinearCalibration) -> None:
        """Use a new raw→grams line from the next sample on; the zero restarts."""
        self._calibration = calibration
        self.zero_grams = 0.0
        self._restart()

    def tare(self) -> float:
        """Make the current stable level the zero; returns the grams removed."""
        if not self.is_stable or self.reference_grams is None:
            raise LaneNotStableError(
                f"lane {self.lane.lane}: not stable, cannot tare; keep hands off and retry"
            )
        removed = self.reference_grams
        self.zero_grams += removed
        self._restart()
        return removed

    def stable_raw_counts(self) -> float:
        """The settled level as raw counts (a spike-free mean), for a calibration point.

        ``edge-agent calibrate`` records it empty and with a known load, then fits
        a new line with :func:`~edge_agent.sensing.weight.calibration.fit_calibration`.
        """
        if not self.is_stable or self.reference_grams is None:
            raise LaneNotStableError(
                f"lane {self.lane.lane}: not stable, cannot take a calibration point; "
                "keep hands off and retry"
            )
        return self._calibration.raw_counts(self.reference_grams + self.zero_grams)

    def _restart(self) -> None:
        self._window.clear()
        self._median = RunningMedian(self.settings.median_window_samples)
        self.reference_grams = None
        self.is_stable = False
        self._disturbed = False

    def push_raw(self, t_s: float, raw_counts: int) -> LaneEvent | None:
        """Feed one raw HX711 reading taken at ``t_s``; full-scale codes are dropped."""
        if raw_counts in RAW_SATURATION_CODES:
            self.saturated_samples += 1
            return None
        return self.push_grams(t_s, self._calibration.grams(raw_counts))

    def push_grams(self, t_s: float, grams: float) -> LaneEvent | None:
        """Feed one calibrated reading (grams on the lane) taken at ``t_s``."""
        dt_s = 0.0 if self._last_t_s is None else max(0.0, t_s - self._last_t_s)
        self._last_t_s = t_s
        net = grams - self.zero_grams
        self._noise.update(net, dt_s, stable=self.is_stable)
        window = self._window
        window.push(self._median.push(net))
        if not window.is_full():
            return None
        band = self._stable_band_grams()
        self.is_stable = self._is_still(window, band)
        if not self.is_stable:
            self._disturbed = self.reference_grams is not None
            return None
        level = window.mean()
        reference = self.reference_grams
        if reference is None:
            self._start(level)
            return None
        if self._disturbed or abs(level - reference) > band:
            self._disturbed = False
            self.reference_grams = level
            return self._settled(t_s, reference, level)
        self._track(level, reference, dt_s)
        return None

    def _stable_band_grams(self) -> float:
        """Widest spread a still window may show: a multiple of the noise, with a floor."""
        return max(self._band_min_grams, self._band_sigmas * self._noise.sigma)

    def _is_still(self, window: StabilityWindow, band: float) -> bool:
        """Within the band, and the newer half not drifting away from the older half."""
        if window.spread() > band:
            return False
        trend_limit = max(self._band_min_grams, self._trend_per_sigma * self._noise.sigma)
        return abs(window.trend()) <= trend_limit

    def _start(self, level: float) -> None:
        """First plateau: take it as the reference and estimate the count from it."""
        self.reference_grams = level
        self.estimated_count = self._count_from_level(level)

    def _track(self, level: float, reference: float, dt_s: float) -> None:
        """Follow slow drift and creep; near zero, move the zero itself (bounded rates)."""
        step = self.settings.drift_track_grams_per_s * dt_s
        reference += max(-step, min(step, level - reference))
        if abs(reference) <= self._zero_band_grams:
            zero_step = self.settings.zero_track_grams_per_s * dt_s
            shift = max(-zero_step, min(zero_step, reference))
            self.zero_grams += shift
            reference -= shift
        self.reference_grams = reference

    def _sigma_level(self, samples: int) -> float:
        """Noise of a mean over ``samples`` median-filtered samples."""
        return self.noise_grams * MEDIAN_NOISE_FACTOR / math.sqrt(samples)

    def _count_from_level(self, level: float) -> int | None:
        """Units on a single-SKU lane from its level, when the level is a whole number of them."""
        if len(self._units) != 1:
            return None
        (unit,) = self._units.values()
        count = round(level / unit)
        fits = abs(level - count * unit) <= self._tolerance_grams(unit)
        return count if fits and count >= 0 else None

    def _tolerance_grams(self, unit: float) -> float:
        return max(self.lane.tolerance_fraction * unit, 3 * self.noise_grams * math.sqrt(2))

    def _settled(self, t_s: float, before: float, after: float) -> LaneEvent | None:
        """A new plateau after a disturbance: count it, or emit nothing for no change."""
        sigma_level = self._sigma_level(self._window.samples)
        result = quantize_change(
            after - before,
            self._units,
            sigma_grams=self.noise_grams,
            sigma_delta_grams=sigma_level * math.sqrt(2),
            fraction=self.lane.tolerance_fraction,
            max_items=self.lane.max_items_per_event,
        )
        if result is None:
            return None
        self._update_count(result, after)
        return LaneEvent(t_s, self._change(result, before, after))

    def _update_count(self, result: CountResult, after: float) -> None:
        """Keep counting from the last known count; re-anchor on the level only when lost.

        Item weights vary, so the level drifts away from count×unit over many events;
        the sum of resolved changes stays exact.
        """
        change = sum(result.counts.values()) if result.counts is not None else None
        if self.estimated_count is not None and change is not None:
            self.estimated_count = max(0, self.estimated_count + change)
        else:
            self.estimated_count = self._count_from_level(after)

    def _change(self, result: CountResult, before: float, after: float) -> ShelfWeightChanged:
        """The wire model for a quantized change."""
        mixed = len(self._units) > 1
        counts = result.counts
        resolved = result.resolution is WeightResolution.RESOLVED and counts is not None
        return ShelfWeightChanged(
            lane=self.lane.lane,
            sku=None if mixed else self.lane.sku,
            grams_before=round(before, 2),
            grams_after=round(after, 2),
            count_change=sum(counts.values()) if resolved and counts is not None else None,
            count_changes=counts if resolved and mixed else None,
            estimated_count=self.estimated_count if resolved else None,
            resolution=result.resolution,
            candidates=[
                CountCandidate(counts=c.counts, residual_grams=round(c.residual_grams, 2))
                for c in result.candidates
            ],
            confidence=round(result.confidence, 3),
        )
