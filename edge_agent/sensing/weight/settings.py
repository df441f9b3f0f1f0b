"""Settings of the weight pipeline: per-shelf tuning and per-lane SKU, unit weight and calibration.

These models hold no hardware facts (pins, gain): the shelf device's config adds
those and embeds :class:`LaneSettings` and :class:`WeightPipelineSettings`.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from edge_agent.wire import Sku


class _Settings(BaseModel):
    """Base of every settings model: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class CalibrationPoint(_Settings):
    """One known load and the raw HX711 counts it produced."""

    raw_counts: int = Field(description="Raw HX711 reading (24-bit signed) with this load.")
    grams: float = Field(ge=0, description="Known load on the lane in grams (0 = empty tray).")


class LaneCalibration(_Settings):
    """How raw counts map to grams: a straight line, given directly or fitted to known loads."""

    zero_raw_counts: int | None = Field(
        default=None, description="Raw counts of the empty lane (tare); with counts_per_gram."
    )
    counts_per_gram: float | None = Field(
        default=None, description="Slope: raw counts per gram; negative if the cell is inverted."
    )
    points: list[CalibrationPoint] = Field(
        default_factory=list,
        description="Two or more known loads; a least-squares line through them is used.",
    )
    calibration_id: str | None = Field(
        default=None, max_length=64, description="Version tag, reported in the birth message."
    )

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        """Exactly one of (zero_raw_counts + counts_per_gram) or points must be given."""
        direct = self.zero_raw_counts is not None or self.counts_per_gram is not None
        if direct and self.points:
            raise ValueError("give either zero_raw_counts/counts_per_gram or points, not both")
        if direct and (self.zero_raw_counts is None or not self.counts_per_gram):
            raise ValueError("zero_raw_counts and a non-zero counts_per_gram go together")
        if not direct and len(self.points) < 2:
            raise ValueError("points needs at least two known loads (e.g. empty and 1000 g)")
        if self.points and len({p.raw_counts for p in self.points}) < 2:
            raise ValueError("calibration points need at least two different raw_counts")
        return self


class MixedSku(_Settings):
    """One SKU of a mixed lane."""

    sku: Sku = Field(description="SKU stocked on the lane.")
    unit_grams: float = Field(gt=0, le=1_000_000, description="Weight of one unit in grams.")


class LaneSettings(_Settings):
    """One load-cell lane: what it holds and how its raw counts become grams."""

    lane: str = Field(min_length=1, max_length=64, description="Lane id, unique on the device.")
    sku: Sku | None = Field(default=None, description="SKU of a single-SKU lane.")
    unit_grams: float | None = Field(
        default=None, gt=0, le=1_000_000, description="Weight of one unit (single-SKU lane)."
    )
    mixed_skus: list[MixedSku] = Field(
        default_factory=list,
        max_length=4,
        description="A mixed lane: 2 to 4 SKUs with distinct unit weights (instead of sku).",
    )
    calibration: LaneCalibration = Field(description="Raw counts to grams.")
    noise_grams: float = Field(
        default=0.5, gt=0, description="Expected noise (1 sigma, grams) until one is measured."
    )
    tolerance_fraction: float = Field(
        default=0.25,
        gt=0,
        lt=0.5,
        description="A change counts as n units if within max(fraction*unit, 3*sigma*sqrt2).",
    )
    max_items_per_event: int = Field(
        default=10, ge=1, le=50, description="Largest count change one event may explain."
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        """A lane has either one SKU with a unit weight or a mixed list, and never neither."""
        single = self.sku is not None or self.unit_grams is not None
        if single and self.mixed_skus:
            raise ValueError(f"lane {self.lane}: give sku/unit_grams or mixed_skus, not both")
        if not single and not self.mixed_skus:
            raise ValueError(f"lane {self.lane}: no unit weight (set unit_grams or mixed_skus)")
        if single and self.unit_grams is None:
            raise ValueError(f"lane {self.lane}: sku {self.sku} has no unit_grams")
        if self.mixed_skus:
            _check_mixed(self.lane, self.mixed_skus)
        return self

    def unit_weights(self) -> dict[str | None, float]:
        """Unit grams keyed by SKU (a single-SKU lane may have SKU ``None``)."""
        if self.mixed_skus:
            return {m.sku: m.unit_grams for m in self.mixed_skus}
        assert self.unit_grams is not None
        return {self.sku: self.unit_grams}


def _check_mixed(lane: str, mixed: list[MixedSku]) -> None:
    """A mixed lane needs ≥2 distinct SKUs whose unit weights differ by more than 10 %."""
    if len(mixed) < 2:
        raise ValueError(f"lane {lane}: a mixed lane needs at least two SKUs")
    if len({m.sku for m in mixed}) != len(mixed):
        raise ValueError(f"lane {lane}: a SKU is listed twice in mixed_skus")
    weights = sorted(m.unit_grams for m in mixed)
    if any(b < a * 1.1 for a, b in pairwise(weights)):
        raise ValueError(f"lane {lane}: mixed SKU unit weights must differ by more than 10 %")


class WeightPipelineSettings(_Settings):
    """Tuning of the weight pipeline, shared by the lanes of one shelf."""

    sample_rate_hz: float = Field(
        default=10.0, gt=0, le=100, description="HX711 conversions per second (10 or 80)."
    )
    median_window_samples: int = Field(
        default=5, ge=1, le=15, description="Odd window of the spike-rejecting median filter."
    )
    stable_window_s: float = Field(
        default=1.0, gt=0, le=10, description="How long the weight must stay in band to be stable."
    )
    stable_band_sigma: float = Field(
        default=6.0, gt=0, description="Stable band (max-min in the window) in noise sigmas."
    )
    stable_trend_sigma: float = Field(
        default=3.0,
        gt=0,
        description="Stable only if the window's newer and older halves differ by less than "
        "this many sigmas of a half-window mean (the load is not still moving).",
    )
    stable_band_min_grams: float = Field(
        default=1.0, ge=0, description="Stable band never narrower than this."
    )
    drift_track_grams_per_s: float = Field(
        default=0.02, ge=0, description="Fastest slow drift/creep the stable reference follows."
    )
    zero_band_grams: float = Field(
        default=3.0, ge=0, description="Zero tracking acts only while stable within this of zero."
    )
    zero_track_grams_per_s: float = Field(
        default=0.05, ge=0, description="Fastest rate at which zero tracking moves the zero."
    )
    noise_time_constant_s: float = Field(
        default=60.0, gt=0, description="Time constant of the measured-noise estimate."
    )

    @model_validator(mode="after")
    def _odd_median(self) -> Self:
        """The median window must be odd so the median is one sample."""
        if self.median_window_samples % 2 == 0:
            raise ValueError("median_window_samples must be odd (1, 3, 5, ...)")
        return self

    @property
    def stable_window_samples(self) -> int:
        """Samples in the stability window (at least 3)."""
        return max(3, round(self.stable_window_s * self.sample_rate_hz))
