"""Fakes for the batch loop's ports: a scripted transport, a recording ingestor, a manual clock."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from collector.errors import LedgerError
from collector.ingest.ports import (
    BatchOutcome,
    DeviceProgress,
    Disposition,
    InboundMessage,
    MessageOutcome,
)
from collector.runtime.ports import Delivery
from tests.support.clock import ManualClock


@dataclass
class FakeTransport:
    """Hands out queued deliveries; records acks and publishes into a shared journal."""

    clock: ManualClock
    journal: list[tuple[str, object]]
    queued: deque[Delivery] = field(default_factory=deque)
    arrival_gap_s: float = 0.0

    def receive(self, timeout_s: float) -> Delivery | None:
        if not self.queued:
            self.clock.t_s += timeout_s  # waiting in vain takes the whole timeout
            return None
        self.clock.t_s += self.arrival_gap_s
        return self.queued.popleft()

    def ack(self, delivery: Delivery) -> None:
        self.journal.append(("ack", delivery.mid))

    def publish(self, topic: str, payload: bytes) -> None:
        self.journal.append(("publish", (topic, payload)))


@dataclass
class FakeIngestor:
    """Applies everything; can be told to fail the next N calls as a database outage would."""

    journal: list[tuple[str, object]]
    failures_left: int = 0
    calls: list[list[InboundMessage]] = field(default_factory=list)

    def ingest(self, batch: Sequence[InboundMessage]) -> BatchOutcome:
        self.calls.append(list(batch))
        if self.failures_left:
            self.failures_left -= 1
            self.journal.append(("failed", len(batch)))
            raise LedgerError("database is locked (fake outage)")
        self.journal.append(("commit", len(batch)))
        outcomes = [
            MessageOutcome(Disposition.APPLIED, device_id="pos-1", epoch=1, seq=i + 1)
            for i in range(len(batch))
        ]
        progress = [
            DeviceProgress(site="s1", device_id="pos-1", epoch=1, contiguous_seq=len(batch))
        ]
        return BatchOutcome(outcomes=outcomes, progress=progress)


@dataclass
class FakeStop:
    """A stop signal whose waits return at once, recording how long they would have slept."""

    clock: ManualClock
    stop_after_waits: int | None = None
    waits_s: list[float] = field(default_factory=list)
    is_stopped: bool = False

    def is_set(self) -> bool:
        return self.is_stopped

    def wait(self, timeout: float | None = None) -> bool:
        self.waits_s.append(timeout or 0.0)
        self.clock.t_s += timeout or 0.0
        if self.stop_after_waits is not None and len(self.waits_s) >= self.stop_after_waits:
            self.is_stopped = True
        return self.is_stopped


def make_delivery(mid: int, device: str = "pos-1") -> Delivery:
    """A delivery of an (opaque) event payload from ``device``."""
    message = InboundMessage(
        topic=f"inventory/v1/s1/{device}/events",
        payload=b'{"seq": %d}' % mid,
        received_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return Delivery(mid=mid, qos=1, message=message)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def journal() -> list[tuple[str, object]]:
    return []


@pytest.fixture
def transport(clock: ManualClock, journal: list[tuple[str, object]]) -> FakeTransport:
    return FakeTransport(clock=clock, journal=journal)


@pytest.fixture
def ingestor(journal: list[tuple[str, object]]) -> FakeIngestor:
    return FakeIngestor(journal=journal)


@pytest.fixture
def stop(clock: ManualClock) -> FakeStop:
    return FakeStop(clock=clock)
