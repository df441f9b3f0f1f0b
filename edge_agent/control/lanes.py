"""Lane commands on a running shelf: tare, calibrate with a known weight, set SKU and unit weight.

Each change is computed first, saved to the lane state file, and only then put
into the live pipeline, so a refused or failed command changes nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from pydantic import ValidationError

from edge_agent.control.handler import CommandRefusedError
from edge_agent.control.lane_state import LaneOverride
from edge_agent.sensing.weight.calibration import (
    LinearCalibration,
    calibration_from_settings,
    fit_calibration,
)
from edge_agent.sensing.weight.lane import LaneNotStableError, LanePipeline
from edge_agent.sensing.weight.settings import CalibrationPoint, LaneSettings
from edge_agent.sensing.weight.shelf import ShelfPipeline

MIN_SPAN_RAW_COUNTS = 100
"""A known load must move the reading at least this far from zero (about 0.25 g at gain 128)."""


class LanePipelines(Protocol):
    """The running shelf: its pipelines and the lock the reading loop holds while it feeds them."""

    lock: threading.Lock
    pipeline: ShelfPipeline


class LaneStore(Protocol):
    """Where lane changes are kept across restarts."""

    def save(self, lanes: dict[str, LaneOverride]) -> None:
        """Persist every lane's overrides (atomically)."""
        ...


def calibration_id(kind: str, at: datetime) -> str:
    """A calibration version tag such as ``tare-20261125T140501Z``."""
    return f"{kind}-{at:%Y%m%dT%H%M%SZ}"


def tared_line(line: LinearCalibration, zero_grams: float) -> LinearCalibration:
    """The same line with its zero moved up by ``zero_grams``."""
    return LinearCalibration(line.zero_raw_counts + zero_grams * line.counts_per_gram,
                             line.counts_per_gram)  # fmt: skip


def known_weight_line(zero_raw: float, loaded_raw: float, known_grams: float) -> LinearCalibration:
    """The line through the lane's zero and a known load; refused if the load barely shows."""
    if abs(loaded_raw - zero_raw) < MIN_SPAN_RAW_COUNTS:
        raise CommandRefusedError(
            f"the lane reads {loaded_raw - zero_raw:+.0f} counts from empty with {known_grams} g "
            "on it: put the known weight on the lane (not on its neighbour) and retry"
        )
    points = [CalibrationPoint(raw_counts=round(zero_raw), grams=0),
              CalibrationPoint(raw_counts=round(loaded_raw), grams=known_grams)]  # fmt: skip
    return fit_calibration(points)


class ShelfLaneControl:
    """``LaneControl`` over a running shelf's pipelines, persisting each change."""

    def __init__(
        self,
        *,
        device_id: str,
        shelf: LanePipelines,
        store: LaneStore,
        overrides: dict[str, LaneOverride],
        now: Callable[[], datetime],
    ) -> None:
        """``overrides`` are those loaded at start; they are kept and extended."""
        self._device_id = device_id
        self._shelf = shelf
        self._store = store
        self._overrides = dict(overrides)
        self._now = now

    def calibration_ids(self) -> dict[str, str]:
        """Each lane's calibration version, for the birth message."""
        with self._shelf.lock:
            lanes = self._shelf.pipeline.lanes.items()
            return {k: p.lane.calibration.calibration_id for k, p in lanes
                    if p.lane.calibration.calibration_id}  # fmt: skip

    def tare(self, lane: str) -> dict[str, Any]:
        """Zero the lane at its settled load; the new zero goes into its calibration."""
        with self._shelf.lock:
            pipe = self._lane(lane)
            if not pipe.is_stable or pipe.reference_grams is None:
                raise CommandRefusedError(_not_stable(lane))
            line = calibration_from_settings(pipe.lane.calibration)
            removed = pipe.reference_grams
            new_line = tared_line(line, pipe.zero_grams + removed)
            cal_id = self._apply_line(pipe, new_line, "tare")
        return {"lane": lane, "removed_grams": round(removed, 2), "calibration_id": cal_id,
                "zero_raw_counts": round(new_line.zero_raw_counts)}  # fmt: skip

    def calibrate(self, lane: str, known_grams: float) -> dict[str, Any]:
        """Fit the line through the lane's current zero and the known load resting on it."""
        with self._shelf.lock:
            pipe = self._lane(lane)
            try:
                loaded_raw = pipe.stable_raw_counts()
            except LaneNotStableError as err:
                raise CommandRefusedError(str(err)) from err
            line = calibration_from_settings(pipe.lane.calibration)
            read_grams = pipe.reference_grams or 0.0
            new_line = known_weight_line(line.raw_counts(pipe.zero_grams), loaded_raw, known_grams)
            cal_id = self._apply_line(pipe, new_line, "cal")
        return {"lane": lane, "known_grams": known_grams,
                "read_before_grams": round(read_grams, 2),
                "counts_per_gram": round(new_line.counts_per_gram, 4),
                "zero_raw_counts": round(new_line.zero_raw_counts),
                "calibration_id": cal_id}  # fmt: skip

    def set_lane(self, lane: str, sku: str, unit_grams: float) -> dict[str, Any]:
        """Make the lane hold ``sku`` at ``unit_grams``; counting restarts at the next plateau."""
        with self._shelf.lock:
            pipe = self._lane(lane)
            raw = {**pipe.lane.model_dump(), "sku": sku, "unit_grams": unit_grams, "mixed_skus": []}
            try:
                settings = type(pipe.lane).model_validate(raw)
            except ValidationError as err:
                raise CommandRefusedError(f"lane {lane}: {err.errors()[0]['msg']}") from err
            self._save(lane, sku=sku, unit_grams=unit_grams)
            self._shelf.pipeline.lanes[lane] = LanePipeline(settings, self._shelf.pipeline.settings)
        return {"lane": lane, "sku": sku, "unit_grams": unit_grams}

    def _lane(self, lane: str) -> LanePipeline:
        lanes = self._shelf.pipeline.lanes
        if lane not in lanes:
            raise CommandRefusedError(
                f"unknown lane {lane!r} on device {self._device_id}; lanes: {', '.join(lanes)}"
            )
        return lanes[lane]

    def _apply_line(self, pipe: LanePipeline, line: LinearCalibration, kind: str) -> str:
        """Save the new line, then switch the pipeline to it; returns its calibration id."""
        cal_id = calibration_id(kind, self._now())
        settings = line.to_settings(cal_id)
        self._save(pipe.lane.lane, calibration=settings)
        pipe.lane = pipe.lane.model_copy(update={"calibration": settings})
        pipe.recalibrate(line)
        return cal_id

    def _save(self, lane: str, **changes: Any) -> None:
        old = self._overrides.get(lane)
        fields = old.model_dump(exclude={"updated_at"}) if old is not None else {}
        override = LaneOverride.model_validate({**fields, **changes, "updated_at": self._now()})
        overrides = {**self._overrides, lane: override}
        try:
            self._store.save(overrides)
        except OSError as err:
            raise CommandRefusedError(
                f"could not save the lane state ({err}); nothing changed"
            ) from err
        self._overrides = overrides


def _not_stable(lane: str) -> str:
    return f"lane {lane}: not stable, cannot tare; keep hands off the lane and retry"


__all__ = ["LaneSettings", "ShelfLaneControl", "calibration_id", "known_weight_line", "tared_line"]
