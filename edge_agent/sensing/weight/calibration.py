"""Raw HX711 counts to grams: a straight line, fitted by least squares to known loads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from edge_agent.sensing.weight.settings import CalibrationPoint, LaneCalibration

NOMINAL_CALIBRATION = LaneCalibration(
    zero_raw_counts=0, counts_per_gram=420.0, calibration_id="nominal-uncalibrated"
)
"""Stand-in line of a lane not calibrated yet, for ``edge-agent calibrate`` to read it with.

About what a 5 kg, 1 mV/V cell gives an HX711 at gain 128.  Only the stability
test sees it, and the HX711's noise is a matter of counts rather than grams, so
the test holds whatever the real cell; the zero is irrelevant to it.
"""


@dataclass(frozen=True)
class LinearCalibration:
    """``grams = (raw_counts - zero_raw_counts) / counts_per_gram``."""

    zero_raw_counts: float
    counts_per_gram: float

    def grams(self, raw_counts: float) -> float:
        """Load in grams for a raw reading."""
        return (raw_counts - self.zero_raw_counts) / self.counts_per_gram

    def raw_counts(self, grams: float) -> float:
        """Raw reading this line expects for ``grams`` (the inverse of :meth:`grams`)."""
        return self.zero_raw_counts + grams * self.counts_per_gram

    def to_settings(self, calibration_id: str | None = None) -> LaneCalibration:
        """The settings form, to write back into a device config."""
        return LaneCalibration(
            zero_raw_counts=round(self.zero_raw_counts),
            counts_per_gram=self.counts_per_gram,
            calibration_id=calibration_id,
        )


def fit_calibration(points: Sequence[CalibrationPoint]) -> LinearCalibration:
    """Least-squares line raw = zero + slope·grams through two or more known loads."""
    if len({p.grams for p in points}) < 2:
        raise ValueError("calibration needs at least two different known loads")
    n = len(points)
    mean_g = sum(p.grams for p in points) / n
    mean_raw = sum(p.raw_counts for p in points) / n
    sxx = sum((p.grams - mean_g) ** 2 for p in points)
    sxy = sum((p.grams - mean_g) * (p.raw_counts - mean_raw) for p in points)
    slope = sxy / sxx
    if slope == 0:
        raise ValueError("calibration points give zero counts per gram: is the cell wired?")
    return LinearCalibration(zero_raw_counts=mean_raw - slope * mean_g, counts_per_gram=slope)


def worst_residual_grams(cal: LinearCalibration, points: Sequence[CalibrationPoint]) -> float:
    """Largest distance in grams between a known load and what the line says: linearity."""
    return max(abs(cal.grams(p.raw_counts) - p.grams) for p in points)


def calibration_from_settings(settings: LaneCalibration) -> LinearCalibration:
    """The line a lane's settings describe, fitting the points when given."""
    if settings.points:
        return fit_calibration(settings.points)
    assert settings.zero_raw_counts is not None
    assert settings.counts_per_gram is not None
    return LinearCalibration(float(settings.zero_raw_counts), settings.counts_per_gram)
