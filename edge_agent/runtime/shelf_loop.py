"""The shelf reading loop: HX711 lanes → weight pipelines → events, never waiting on the network.

Commands (tare, calibrate, set_lane) change the same pipelines from the MQTT
thread, so every access goes through :attr:`ShelfLoop.lock`.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime

import structlog

from edge_agent.drivers.hx711 import RawLoadCells
from edge_agent.errors import DeviceError
from edge_agent.sensing.weight.shelf import ShelfPipeline, lane_health
from edge_agent.wire import SensorHealth, ShelfWeightChanged

log = structlog.get_logger(__name__)

READ_FAILURE_WAIT_S = 1.0
"""Pause after a read in which no chip answered, instead of spinning on a dead bus."""


class ShelfLoop:
    """Reads every lane in lockstep and feeds each reading to its lane's pipeline."""

    def __init__(
        self,
        *,
        device_id: str,
        cells: RawLoadCells,
        lane_ids: Sequence[str],
        pipeline: ShelfPipeline,
        monotonic: Callable[[], float],
        now: Callable[[], datetime],
        emit: Callable[[ShelfWeightChanged, datetime], object],
    ) -> None:
        """``lane_ids`` in the cells' data-pin order; ``emit`` stores an event (never raises)."""
        self.device_id = device_id
        self.pipeline = pipeline
        self.lock = threading.Lock()
        self._cells = cells
        self._lane_ids = list(lane_ids)
        self._monotonic = monotonic
        self._now = now
        self._emit = emit
        self._samples: Counter[str] = Counter()
        self._errors: Counter[str] = Counter()
        self._failing: set[str] = set()
        self._read_failures = 0
        self._health_since_s = monotonic()
        self._retries_reported = 0

    def read_once(self) -> int:
        """One lockstep read of every lane; returns the events it produced."""
        readings = self._cells.read_lanes()
        t_s = self._monotonic()
        changes = []
        with self.lock:
            for lane_id, reading in zip(self._lane_ids, readings, strict=True):
                if isinstance(reading, DeviceError):
                    self._lane_failed(lane_id, reading)
                    continue
                self._lane_ok(lane_id)
                self._samples[lane_id] += 1
                event = self.pipeline.push_raw(t_s, lane_id, reading)
                if event is not None:
                    changes.append(event.change)
        for change in changes:
            self._emit(change, self._now())
        return len(changes)

    def run(self, stop: threading.Event) -> None:
        """Read until ``stop`` is set; a failed read is logged, counted and retried."""
        while not stop.is_set():
            try:
                self.read_once()
            except DeviceError as err:
                self._read_failures += 1
                log.error("shelf.read_failed", device=self.device_id, error=str(err))
                stop.wait(READ_FAILURE_WAIT_S)

    def has_settled(self) -> bool:
        """True once every lane found its first plateau: changes from now on are reported."""
        with self.lock:
            return all(p.reference_grams is not None for p in self.pipeline.lanes.values())

    def take_health(self) -> list[SensorHealth]:
        """Per lane: sample rate, errors and retries since the last call, noise and drift."""
        now_s = self._monotonic()
        retries = int(getattr(self._cells, "retries", 0))
        with self.lock:
            elapsed_s = max(now_s - self._health_since_s, 1e-9)
            new_retries = retries - self._retries_reported
            health = [
                lane_health(
                    self.pipeline.lane(lane_id),
                    sample_rate_hz=round(self._samples[lane_id] / elapsed_s, 2),
                    errors=self._errors[lane_id] + self._read_failures,
                    retries=new_retries,  # lanes are read in lockstep: a retry is every lane's
                )
                for lane_id in self._lane_ids
            ]
            self._samples.clear()
            self._errors.clear()
            self._read_failures = 0
            self._retries_reported = retries
            self._health_since_s = now_s
        return health

    def close(self) -> None:
        """Release the pins."""
        self._cells.close()

    def _lane_failed(self, lane_id: str, error: DeviceError) -> None:
        self._errors[lane_id] += 1
        if lane_id not in self._failing:  # log the change, not every 100 ms
            self._failing.add(lane_id)
            log.error("shelf.lane_failed", device=self.device_id, lane=lane_id, error=str(error))

    def _lane_ok(self, lane_id: str) -> None:
        if lane_id in self._failing:
            self._failing.discard(lane_id)
            log.info("shelf.lane_recovered", device=self.device_id, lane=lane_id)
