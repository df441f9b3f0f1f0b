"""Fixtures for the outbox tests: a fresh outbox file and a sample event body."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from edge_agent import wire
from edge_agent.outbox.store import Outbox

DEVICE = "shelf-pi-1"
T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def weight_change(n: int = 1) -> wire.ShelfWeightChanged:
    """A realistic shelf event body; ``n`` varies it."""
    return wire.ShelfWeightChanged(
        lane=f"lane-{n % 8}", sku="SKU-1", grams_before=1200.5, grams_after=950.25,
        count_change=-1, estimated_count=12, confidence=0.97,
    )  # fmt: skip


@pytest.fixture
def outbox_path(tmp_path: Path) -> Path:
    """Where the test's outbox file lives."""
    return tmp_path / "outbox.sqlite3"


@pytest.fixture
def outbox(outbox_path: Path) -> Iterator[Outbox]:
    """A new, empty outbox with a 64 MiB cap."""
    box = Outbox(outbox_path, device_id=DEVICE, max_bytes=64 * 2**20)
    yield box
    box.close()


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now_s = 1000.0

    def __call__(self) -> float:
        return self.now_s

    def advance(self, seconds: float) -> None:
        self.now_s += seconds


class RecordingPublisher:
    """Stands in for the MQTT link: records payloads; can be disconnected or made to fail."""

    def __init__(self) -> None:
        self.is_connected = True
        self.payloads: list[bytes] = []
        self.refuse_after: int | None = None

    def publish_events(self, payloads: Sequence[bytes]) -> int:
        sent = 0
        for payload in payloads:
            if not self.is_connected:
                break
            if self.refuse_after is not None and len(self.payloads) >= self.refuse_after:
                break
            self.payloads.append(payload)
            sent += 1
        return sent

    def seqs(self) -> list[int]:
        return [wire.parse_event(p).seq for p in self.payloads]


@pytest.fixture
def clock() -> FakeClock:
    """A hand-driven monotonic clock."""
    return FakeClock()


@pytest.fixture
def publisher() -> RecordingPublisher:
    """A connected fake link."""
    return RecordingPublisher()
