"""What the scripted day acts on: floor, tills, ledger; and waiting for them to catch up."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

import sqlalchemy as sa

from collector.demo.catalog import OPENING_COUNTS
from collector.demo.faults import FaultSpec, Injected
from collector.demo.floor import Floor, Lane
from collector.demo.pos import Terminal
from collector.demo.snapshot import Snapshot, take_snapshot
from collector.errors import CollectorError
from collector.runtime.ports import Clock

WAIT_TIMEOUT_S = 30.0
POLL_S = 0.2


class DemoStalledError(CollectorError, TimeoutError):
    """The system did not reach a state the script waits for before its deadline."""


@dataclass
class Stage:
    """The running demo as the script sees it."""

    floor: Floor
    till: Terminal
    office: Terminal
    engine: sa.Engine
    clock: Clock
    pace_s: float = 0.0
    sleep: Callable[[float], None] = time.sleep
    injected: list[Injected] = field(default_factory=list)
    sales: dict[str, UUID] = field(default_factory=dict)
    value_samples: list[Decimal] = field(default_factory=list)
    story: list[str] = field(default_factory=list)
    on_note: Callable[[str], None] | None = None
    guard: Callable[[], None] = lambda: None
    """Raises when a part the day depends on (the collector) has stopped."""

    def read(self) -> Snapshot:
        """The ledger now."""
        with self.engine.connect() as conn:
            return take_snapshot(conn, taken_at=self.clock.now())

    def tell(self, line: str) -> None:
        """Note what just happened on the floor (the live view shows the last lines)."""
        self.story.append(line)
        if self.on_note is not None:
            self.on_note(line)

    def inject(self, spec: FaultSpec) -> None:
        """Record that a fault was injected now."""
        self.injected.append(Injected(spec, self.clock.now()))
        self.tell(f"fault injected: {spec.name}")

    def true_count(self, lane: Lane) -> int:
        """Units really standing on the lane now."""
        return self.floor.true_count(lane.key, start=OPENING_COUNTS.get(astuple(lane), 0))

    def wait_until(
        self, what: str, condition: Callable[[Snapshot], bool], timeout_s: float = WAIT_TIMEOUT_S
    ) -> Snapshot:
        """Poll the ledger until ``condition`` holds; else ``DemoStalledError`` naming ``what``."""
        deadline_s = self.clock.monotonic() + timeout_s
        while True:
            self.guard()
            snapshot = self.read()
            if condition(snapshot):
                return snapshot
            if self.clock.monotonic() > deadline_s:
                raise DemoStalledError(f"waited {timeout_s:.0f} s for {what}")
            self.sleep(POLL_S)

    def wait_shelves_agree(self, *lanes: Lane) -> Snapshot:
        """Until every named lane reported its true count and no outbox holds unacked events."""

        def reported(snapshot: Snapshot) -> bool:
            counts = snapshot.shelf_counts
            return self.floor.unacked() == 0 and all(
                counts.get(astuple(lane)) == self.true_count(lane) for lane in lanes
            )

        names = ", ".join(lane.sku for lane in lanes) or "the outboxes"
        return self.wait_until(f"the shelves to report {names}", reported)

    def sample_value(self) -> None:
        """Remember the book value now (for the average inventory of the turnover)."""
        self.value_samples.append(self.read().total_value)

    def pause(self) -> None:
        """Let a watching human follow (no pause in fast mode)."""
        if self.pace_s:
            self.sleep(self.pace_s)


def astuple(lane: Lane) -> tuple[str, str]:
    """(device id, lane id) of a lane."""
    return lane.key.device_id, lane.key.lane
