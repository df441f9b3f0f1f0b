"""Record a batch's points in the outbox inside the ledger's own transaction.

The ledger calls ``on_posted`` after writing a batch and before committing it,
so the points commit exactly when the movements and events that caused them
do.  Turning the batch into lines is pure (``lines_from_posted``); a source no
point can be built from is set aside in ``timeseries_rejected`` with the reason
instead of aborting the ledger batch: the ledger must never fail for the time
series' sake.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import structlog

from collector.domain.model import MovementLine, PositionKey
from collector.ledger.observers import BalanceAfter, Posted, StoredEvent
from collector.timeseries.outbox import record_lines, record_unbuildable
from collector.timeseries.points import (
    BalanceFact,
    MovementFact,
    heartbeat_points,
    movement_points,
    shelf_weight_point,
    to_lines,
)
from edge_agent.wire import DeviceHeartbeatEvent, ShelfWeightChangedEvent

log = structlog.get_logger(__name__)


def event_points(stored: StoredEvent) -> list[str]:
    """Points of a stored sensor event; tag reads and scans have no measurement (yet)."""
    event = stored.event
    if isinstance(event, ShelfWeightChangedEvent):
        return [shelf_weight_point(stored.site, event)]
    if isinstance(event, DeviceHeartbeatEvent):
        return heartbeat_points(stored.site, event)
    return []


@dataclass(frozen=True, slots=True)
class BatchLines:
    """The lines of one batch, and the sources no line could be built from."""

    lines: list[str]
    failures: list[tuple[str, str]]


def movement_fact(line: MovementLine) -> MovementFact:
    """The time series' view of a journal line."""
    return MovementFact(
        movement_id=line.movement_id,
        effective_at=line.effective_at,
        sku=line.key.sku,
        location=line.key.location,
        owner=line.key.owner,
        movement_type=line.type.value,
        qty=line.qty,
        value=line.value,
        cogs=line.cogs,
    )


def balances_after_each(
    movements: Sequence[MovementLine], balances_after_batch: Iterable[BalanceAfter]
) -> list[tuple[MovementLine, BalanceFact | None]]:
    """The balance right after each movement, unwound backwards from the batch's end balances.

    A balance moves by exactly each movement's signed qty and value, so walking the
    batch from its last movement to its first recovers every intermediate balance.
    """
    running: dict[PositionKey, tuple[Decimal, Decimal]] = {
        b.key: (b.qty, b.value) for b in balances_after_batch
    }
    paired: list[tuple[MovementLine, BalanceFact | None]] = []
    for line in sorted(movements, key=lambda m: m.movement_id, reverse=True):
        after = running.get(line.key)
        if after is None:
            paired.append((line, None))
            continue
        key = line.key
        paired.append((line, BalanceFact(key.sku, key.location, key.owner, *after)))
        running[key] = (after[0] - line.qty, after[1] - line.value)
    paired.reverse()
    return paired


def lines_from_posted(posted: Posted) -> BatchLines:
    """Every line a committed batch produces (pure)."""
    out = BatchLines([], [])
    for line, balance in balances_after_each(posted.movements, posted.balances):
        if balance is None:
            out.failures.append((_source(line), "the batch reported no balance for its position"))
            continue
        try:
            out.lines.extend(movement_points(movement_fact(line), balance))
        except (ValueError, TypeError, ArithmeticError) as err:
            out.failures.append((_source(line), f"could not build a point: {err}"))
    for stored in posted.stored_events:
        source = f"event {stored.event.event_id} from {stored.device_id}"
        _collect(out, source, event_points, stored)
    return out


def _source(line: MovementLine) -> str:
    """How a failure names the movement (built only when one fails)."""
    return f"movement {line.movement_id} ({line.key.label()})"


def _collect(out: BatchLines, source: str, build: Callable[..., list[str]], *args: Any) -> None:
    try:
        out.lines.extend(to_lines(build(*args)))
    except (ValueError, TypeError, ArithmeticError) as err:
        out.failures.append((source, f"could not build a point: {err}"))


class OutboxObserver:
    """A ``PostingObserver`` that queues the batch's points in the time-series outbox."""

    def __init__(self, *, clock: Callable[[], datetime]) -> None:
        """``clock`` stamps when points were recorded (the backlog's age is measured from it)."""
        self._clock = clock

    def on_posted(self, conn: sa.Connection, posted: Posted) -> None:
        """Queue the batch's lines through ``conn``: they commit or roll back with the ledger."""
        batch = lines_from_posted(posted)
        now = self._clock()
        record_lines(conn, batch.lines, recorded_at=now)
        if batch.failures:
            record_unbuildable(conn, ((f"[unbuilt] {s}", r) for s, r in batch.failures), at=now)
            for source, reason in batch.failures:
                log.error("timeseries.point_unbuildable", source=source, reason=reason)
