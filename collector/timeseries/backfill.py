"""Rebuild the time series from the ledger after a bucket is lost, into the outbox.

Movements come from the journal in posting order and balances are recomputed
by summing them, so every point is the very one the live path recorded (same
series, same timestamp): writing history twice changes nothing in InfluxDB.
Sensor events (shelf weights, heartbeats) are re-read from the inbox.  At the
end the recomputed balances are compared with the ledger's ``balances`` table,
so a backfill also proves the journal and the projection agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from uuid import UUID

import sqlalchemy as sa
from pydantic import ValidationError

from collector.domain.model import PositionKey
from collector.ledger.inbox import TOMBSTONE
from collector.ledger.observers import StoredEvent
from collector.ledger.schema import balances, inbox, movements
from collector.timeseries.observer import event_points
from collector.timeseries.outbox import record_lines
from collector.timeseries.points import BalanceFact, MovementFact, movement_points, to_lines
from edge_agent.wire import EventKind, parse_event

SENSOR_KINDS = (EventKind.SHELF_WEIGHT_CHANGED.value, EventKind.DEVICE_HEARTBEAT.value)
CHUNK_LINES = 5_000
PAGE_ROWS = 5_000


@dataclass(slots=True)
class BackfillReport:
    """What a backfill queued, and whether the journal agreed with the balances table."""

    movement_points: int = 0
    sensor_points: int = 0
    unreadable_events: int = 0
    balance_mismatches: list[str] = field(default_factory=list)

    @property
    def total_points(self) -> int:
        """Lines queued in the outbox."""
        return self.movement_points + self.sensor_points


def replay_balances(
    journal: Iterable[MovementFact],
) -> Iterator[tuple[MovementFact, BalanceFact]]:
    """Each movement with the balance it left, summing the journal from nothing (pure)."""
    running: dict[tuple[str, str, str], tuple[Decimal, Decimal]] = {}
    for m in journal:
        key = (m.sku, m.location, m.owner)
        qty, value = running.get(key, (Decimal(0), Decimal(0)))
        qty, value = qty + m.qty, value + m.value
        running[key] = (qty, value)
        yield m, BalanceFact(m.sku, m.location, m.owner, qty, value)


def backfill(
    engine: sa.Engine, *, start: datetime, end: datetime | None, now: datetime
) -> BackfillReport:
    """Queue every point whose time falls in ``[start, end)`` (``end`` None: up to now).

    Reads and writes in short transactions, page by page, so ingest carries on
    meanwhile (on SQLite every transaction takes the write lock).
    """
    report, queue = BackfillReport(), _ChunkedQueue(engine, now)
    final: dict[PositionKey, tuple[int, BalanceFact]] = {}
    for movement, balance in replay_balances(_journal(engine)):
        key = PositionKey(balance.sku, balance.location, balance.owner)
        final[key] = (movement.movement_id, balance)
        if _within(movement.effective_at, start, end):
            lines = to_lines(movement_points(movement, balance))
            report.movement_points += len(lines)
            queue.add(lines)
    for lines in _sensor_lines(engine, start, end, report):
        report.sensor_points += len(lines)
        queue.add(lines)
    queue.flush()
    with engine.connect() as conn:
        report.balance_mismatches = _compare_balances(conn, final)
    return report


def _journal(engine: sa.Engine) -> Iterator[MovementFact]:
    """The whole journal in posting order, a page per short transaction."""
    last_id = 0
    while True:
        query = (
            sa.select(movements)
            .where(movements.c.id > last_id)
            .order_by(movements.c.id)
            .limit(PAGE_ROWS)
        )
        with engine.connect() as conn:
            page = conn.execute(query).all()
        for r in page:
            yield MovementFact(
                movement_id=r.id,
                effective_at=r.effective_at,
                sku=r.sku,
                location=r.location,
                owner=r.owner,
                movement_type=r.type,
                qty=r.qty,
                value=r.value,
                cogs=r.cogs,
            )
        if len(page) < PAGE_ROWS:
            return
        last_id = page[-1].id


def _sensor_lines(
    engine: sa.Engine, start: datetime, end: datetime | None, report: BackfillReport
) -> Iterator[list[str]]:
    """Lines of the stored sensor events in range, a page of the inbox at a time."""
    query = sa.select(inbox).where(
        inbox.c.kind.in_(SENSOR_KINDS),
        inbox.c.observed_at >= start,
        inbox.c.payload != TOMBSTONE,  # emptied by retention: nothing left to rebuild from
    )
    if end is not None:
        query = query.where(inbox.c.observed_at < end)
    after: UUID | None = None
    while True:
        paged = query if after is None else query.where(inbox.c.event_id > after)
        with engine.connect() as conn:
            page = conn.execute(paged.order_by(inbox.c.event_id).limit(PAGE_ROWS)).all()
        for r in page:
            try:
                event = parse_event(r.payload)
                yield to_lines(event_points(StoredEvent(r.site or "", r.device_id or "", event)))
            except (ValidationError, ValueError):
                report.unreadable_events += 1
        if len(page) < PAGE_ROWS:
            return
        after = page[-1].event_id


def _compare_balances(
    conn: sa.Connection, replayed: dict[PositionKey, tuple[int, BalanceFact]]
) -> list[str]:
    """Positions whose ledger balance differs from the journal's sum (skipping ones that
    moved again while the backfill ran)."""
    problems = []
    for r in conn.execute(sa.select(balances)):
        last_id, got = replayed.get(PositionKey(r.sku, r.location, r.owner), (0, None))
        if r.last_movement_id != last_id:
            continue
        summed = (got.on_hand, got.value) if got else (Decimal(0), Decimal(0))
        if summed != (r.qty, r.value):
            problems.append(
                f"{r.sku} at {r.location} ({r.owner}): journal sums to {summed[0]} worth "
                f"{summed[1]}, balances table says {r.qty} worth {r.value}"
            )
    return problems


def _within(at: datetime, start: datetime, end: datetime | None) -> bool:
    return at >= start and (end is None or at < end)


class _ChunkedQueue:
    """Collects lines and commits them in chunks, each in its own short transaction."""

    def __init__(self, engine: sa.Engine, now: datetime) -> None:
        self._engine, self._now, self._pending = engine, now, list[str]()

    def add(self, lines: list[str]) -> None:
        """Queue lines; commit once a chunk is full."""
        self._pending += lines
        if len(self._pending) >= CHUNK_LINES:
            self.flush()

    def flush(self) -> None:
        """Commit whatever is pending."""
        if self._pending:
            with self._engine.begin() as conn:
                record_lines(conn, self._pending, recorded_at=self._now)
            self._pending = []
