"""The shelf loop: readings into lane pipelines, events out, failures counted, not fatal."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from edge_agent.drivers.hx711 import HX711NotReadyError
from edge_agent.errors import DeviceError
from edge_agent.runtime.shelf_loop import ShelfLoop
from edge_agent.sensing.weight.settings import (
    LaneCalibration,
    LaneSettings,
    WeightPipelineSettings,
)
from edge_agent.sensing.weight.shelf import ShelfPipeline
from edge_agent.wire import ShelfWeightChanged

CAL = LaneCalibration(zero_raw_counts=0, counts_per_gram=100.0)
NOW = datetime(2026, 11, 25, tzinfo=UTC)


@dataclass
class FakeCells:
    """Scripted lockstep readings: each entry is one ``read_lanes()`` result or an error."""

    script: list[list[int | DeviceError] | DeviceError]
    retries: int = 0
    closed: bool = False

    def read_lanes(self) -> list[int | DeviceError]:
        item = self.script.pop(0)
        if isinstance(item, DeviceError):
            raise item
        return item

    def power_down(self) -> None: ...
    def power_up(self) -> None: ...

    def close(self) -> None:
        self.closed = True


@dataclass
class Clock:
    t_s: float = 0.0

    def tick(self) -> float:
        self.t_s += 0.1
        return self.t_s


@dataclass
class Sink:
    events: list[ShelfWeightChanged] = field(default_factory=list)

    def __call__(self, data: ShelfWeightChanged, observed_at: datetime) -> None:
        self.events.append(data)


def _loop(cells: FakeCells, sink: Sink, clock: Clock) -> ShelfLoop:
    lanes = [
        LaneSettings(lane=n, sku="TEA-100", unit_grams=100.0, calibration=CAL)
        for n in ("lane-1", "lane-2")
    ]
    return ShelfLoop(
        device_id="shelf-1",
        cells=cells,
        lane_ids=["lane-1", "lane-2"],
        pipeline=ShelfPipeline(lanes, WeightPipelineSettings()),
        monotonic=clock.tick,
        now=lambda: NOW,
        emit=sink,
    )


def test_a_settled_change_becomes_one_event() -> None:
    # 3 s empty, 3 s with 2 items (200 g = 20000 counts) on lane 1; lane 2 stays empty.
    script: list = [[0, 0]] * 30 + [[20_000, 0]] * 30
    sink, clock = Sink(), Clock()
    loop = _loop(FakeCells(script), sink, clock)
    for _ in range(60):
        loop.read_once()
    assert [(e.lane, e.count_change) for e in sink.events] == [("lane-1", 2)]


def test_a_dead_lane_is_counted_while_the_other_keeps_reading() -> None:
    dead = HX711NotReadyError("lane 2 silent")
    empty: list[int | DeviceError] = [0, dead]
    loaded: list[int | DeviceError] = [20_000, dead]
    sink, clock = Sink(), Clock()
    loop = _loop(FakeCells([*[empty] * 30, *[loaded] * 30]), sink, clock)
    for _ in range(60):
        loop.read_once()
    assert [e.lane for e in sink.events] == ["lane-1"]
    health = {h.sensor: h for h in loop.take_health()}
    assert health["lane-2"].errors == 60
    assert health["lane-1"].errors == 0
    assert health["lane-1"].sample_rate_hz == pytest.approx(10, rel=0.05)


def test_health_counts_reset_each_interval_and_carry_driver_retries() -> None:
    cells = FakeCells([[0, 0]] * 4)
    loop = _loop(cells, Sink(), Clock())
    loop.read_once()
    cells.retries = 3
    assert {h.retries for h in loop.take_health()} == {3}
    loop.read_once()
    assert {h.retries for h in loop.take_health()} == {0}


def test_run_survives_a_failed_read_and_stops_when_told() -> None:
    stop = threading.Event()
    cells = FakeCells([DeviceError("bus down")] + [[0, 0]] * 1000)
    loop = _loop(cells, Sink(), Clock())
    original = loop.read_once

    def read_then_stop() -> int:
        if len(cells.script) < 990:
            stop.set()
        return original()

    loop.read_once = read_then_stop  # type: ignore[method-assign]
    loop.run(stop)
    health = loop.take_health()
    assert all(h.errors == 1 for h in health)  # the failed read counts against every lane
