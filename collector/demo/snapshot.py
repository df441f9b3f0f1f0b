"""What the live view and the summary read from the ledger: stock, last movements, alerts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from collector.alerts.schema import alert_events, alerts
from collector.ledger.queries import StockRow, dead_letter_rows, stock
from collector.ledger.schema import inbox, movements
from collector.reconcile.runtime.schema import device_liveness, reconcile_slots

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class SkuLine:
    """Units and value of one SKU over every location."""

    sku: str
    qty: Decimal
    value: Decimal


@dataclass(frozen=True, slots=True)
class MovementLine:
    """One ledger movement, newest first in the view."""

    at: datetime
    type: str
    sku: str
    qty: Decimal
    location: str


@dataclass(frozen=True, slots=True)
class AlertLine:
    """One alert with when it was opened."""

    id: int
    type: str
    status: str
    location: str
    sku: str
    device_id: str | None
    message: str
    opened_at: datetime


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The ledger at one instant, as the demo shows it."""

    positions: list[StockRow]
    movements: list[MovementLine]
    alerts: list[AlertLine]
    dead_letters: list[dict[str, object]] = field(default_factory=list)
    shelf_counts: dict[tuple[str, str], Decimal | None] = field(default_factory=dict)
    """What each lane (device, lane) last reported as its count (None: unknown)."""
    unresolved: dict[tuple[str, str], int] = field(default_factory=dict)
    """Weight changes in a row each lane could not explain by whole items."""
    last_heard: dict[str, datetime] = field(default_factory=dict)
    """When the collector last heard from each bound device."""
    taken_at: datetime | None = None

    @property
    def total_value(self) -> Decimal:
        """Value of all stock on hand."""
        return sum((row.value for row in self.positions), ZERO)

    def by_sku(self) -> list[SkuLine]:
        """Units and value per SKU, locations added up."""
        qty: dict[str, Decimal] = defaultdict(Decimal)
        value: dict[str, Decimal] = defaultdict(Decimal)
        for row in self.positions:
            qty[row.sku] += row.qty
            value[row.sku] += row.value
        return [SkuLine(sku, qty[sku], value[sku]) for sku in sorted(qty)]

    def on_hand(self, sku: str, location: str) -> Decimal:
        """Units the ledger holds of ``sku`` at ``location`` (any owner)."""
        return sum((r.qty for r in self.positions if r.sku == sku and r.location == location), ZERO)


def take_snapshot(
    conn: sa.Connection, *, taken_at: datetime | None = None, movement_limit: int = 8
) -> Snapshot:
    """Read stock, the last movements, every alert and the dead letters in one go."""
    return Snapshot(
        positions=stock(conn),
        movements=_last_movements(conn, movement_limit),
        alerts=_alerts(conn),
        dead_letters=dead_letter_rows(conn),
        **_lane_readings(conn),
        last_heard=_last_heard(conn),
        taken_at=taken_at,
    )


def _last_movements(conn: sa.Connection, limit: int) -> list[MovementLine]:
    m = movements.c
    query = (
        sa.select(m.effective_at, m.type, m.sku, m.qty, m.location)
        .order_by(m.id.desc())
        .limit(limit)
    )
    return [MovementLine(*row) for row in conn.execute(query)]


def _alerts(conn: sa.Connection) -> list[AlertLine]:
    a = alerts.c
    opened = (
        sa.select(alert_events.c.alert_id, sa.func.min(alert_events.c.at).label("opened_at"))
        .group_by(alert_events.c.alert_id)
        .subquery()
    )
    query = (
        sa.select(a.id, a.type, a.status, a.location, a.sku, a.device_id, a.message,
                  sa.func.coalesce(opened.c.opened_at, a.first_seen_at))
        .join(opened, opened.c.alert_id == a.id, isouter=True)
        .order_by(a.id)
    )  # fmt: skip
    return [AlertLine(*row) for row in conn.execute(query)]


def _lane_readings(conn: sa.Connection) -> dict[str, Any]:
    s = reconcile_slots.c
    query = sa.select(s.device_id, s.lane, s.observed, s.unresolved).where(s.lane.is_not(None))
    rows = list(conn.execute(query))
    return {
        "shelf_counts": {(r.device_id, r.lane): r.observed for r in rows},
        "unresolved": {(r.device_id, r.lane): r.unresolved for r in rows},
    }


def _last_heard(conn: sa.Connection) -> dict[str, datetime]:
    d = device_liveness.c
    rows = conn.execute(sa.select(d.device_id, d.last_seen_at))
    return {device: at for device, at in rows}  # noqa: C416 - rows are (device, at) tuples


def events_by_device(conn: sa.Connection) -> dict[tuple[str, str], int]:
    """How many events of each kind the ledger took from each device."""
    i = inbox.c
    query = (
        sa.select(i.device_id, i.kind, sa.func.count())
        .where(i.device_id.is_not(None))
        .group_by(i.device_id, i.kind)
    )
    return {(device, kind): n for device, kind, n in conn.execute(query)}
