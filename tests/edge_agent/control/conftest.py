"""Fakes for command handling: lanes that record calls, an outbox resender, a lane store."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import pytest

from edge_agent.control.handler import CommandHandler, CommandRefusedError
from edge_agent.control.lane_state import LaneOverride
from edge_agent.sensing.weight.settings import (
    LaneCalibration,
    LaneSettings,
    WeightPipelineSettings,
)
from edge_agent.sensing.weight.shelf import ShelfPipeline

EPOCH = 7


@dataclass
class FakeLanes:
    """Records lane commands; ``refuse`` makes every one fail as a real lane might."""

    calls: list[tuple[Any, ...]] = field(default_factory=list)
    refuse: str | None = None

    def _do(self, *call: Any) -> dict[str, Any]:
        if self.refuse:
            raise CommandRefusedError(self.refuse)
        self.calls.append(call)
        return {"lane": call[1]}

    def tare(self, lane: str) -> dict[str, Any]:
        return self._do("tare", lane)

    def calibrate(self, lane: str, known_grams: float) -> dict[str, Any]:
        return self._do("calibrate", lane, known_grams)

    def set_lane(self, lane: str, sku: str, unit_grams: float) -> dict[str, Any]:
        return self._do("set_lane", lane, sku, unit_grams)


@dataclass
class FakeResender:
    """Remembers resend requests for the one epoch it has."""

    requests: list[tuple[int, int]] = field(default_factory=list)

    def resend_from(self, epoch: int, seq: int) -> bool:
        if epoch != EPOCH:
            return False
        self.requests.append((epoch, seq))
        return True


@dataclass
class FakeStore:
    """A lane store in memory; ``fail`` makes saving raise like a full or read-only disk."""

    saved: list[dict[str, LaneOverride]] = field(default_factory=list)
    fail: bool = False

    def save(self, lanes: dict[str, LaneOverride]) -> None:
        if self.fail:
            raise OSError(28, "No space left on device")
        self.saved.append(dict(lanes))


@dataclass
class FakeShelf:
    """The running shelf as lane commands see it: pipelines and their lock."""

    pipeline: ShelfPipeline
    lock: threading.Lock = field(default_factory=threading.Lock)


ZERO_RAW = 1000
COUNTS_PER_GRAM = 400.0


def lane_settings(lane: str = "lane-1") -> LaneSettings:
    """A single-SKU lane calibrated at 400 counts/g from 1000 counts."""
    return LaneSettings(
        lane=lane,
        sku="TEA-100",
        unit_grams=105.0,
        calibration=LaneCalibration(zero_raw_counts=ZERO_RAW, counts_per_gram=COUNTS_PER_GRAM),
    )


def settle(shelf: FakeShelf, lane: str, raw_counts: int, *, start_s: float = 0.0) -> float:
    """Feed three seconds of a steady reading at 10 Hz; returns the next sample time."""
    t_s = start_s
    for _ in range(30):
        shelf.pipeline.push_raw(t_s, lane, raw_counts)
        t_s += 0.1
    return t_s


@pytest.fixture
def lanes() -> FakeLanes:
    return FakeLanes()


@pytest.fixture
def resender() -> FakeResender:
    return FakeResender()


@pytest.fixture
def handler(lanes: FakeLanes, resender: FakeResender) -> CommandHandler:
    return CommandHandler(device_id="shelf-1", lanes=lanes, resender=resender, epoch=lambda: EPOCH)


@pytest.fixture
def shelf() -> FakeShelf:
    return FakeShelf(
        ShelfPipeline([lane_settings("lane-1"), lane_settings("lane-2")], WeightPipelineSettings())
    )
