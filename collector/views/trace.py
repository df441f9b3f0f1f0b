"""Recall trace: where a lot (or a serial) came from, where every unit went, what is left where.

Read from ``lot_movements`` (each journal line's units per lot) joined to the journal and
the inbox (who posted it), and ``lot_stock`` for what is on hand. A client's scope limits
every query to its owners' lines and stock, so another owner's lot traces as empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from collector.ledger.schema import inbox, items, lot_movements, lot_stock, lots, movements
from collector.views.scope import Scope


@dataclass(frozen=True, slots=True)
class TraceLine:
    """One journal line's units of the lot: + into its location, − out of it."""

    movement_id: int
    event_id: UUID
    type: str
    sku: str
    location: str
    owner: str
    qty: Decimal
    effective_at: datetime
    reference: str | None
    device_id: str | None
    principal: str | None
    applies_to_movement_id: int | None
    """The sale a return brings back, the receipt a vendor return sends back."""


@dataclass(frozen=True, slots=True)
class TraceStock:
    """Units of the lot on hand at one position now."""

    sku: str
    location: str
    owner: str
    qty: Decimal


@dataclass(frozen=True, slots=True)
class LotTrace:
    """A lot's (or serial's) whole path, as a scope may see it."""

    kind: str
    """``lot`` or ``serial``."""
    code: str
    skus: tuple[str, ...]
    expiry: date | None
    origin: tuple[TraceLine, ...]
    """Its receipts: where it came from (supplier reference, device or principal, time)."""
    lines: tuple[TraceLine, ...]
    """Every line that moved it, in journal order (receipts included)."""
    on_hand: tuple[TraceStock, ...]

    def total(self, movement_type: str) -> Decimal:
        """Net units of the lot that lines of one type moved (− out, + in)."""
        return sum((ln.qty for ln in self.lines if ln.type == movement_type), Decimal(0))

    @property
    def on_hand_qty(self) -> Decimal:
        """Units left, everywhere visible."""
        return sum((s.qty for s in self.on_hand), Decimal(0))


_LINE_COLUMNS = (
    movements.c.id, movements.c.event_id, movements.c.type, movements.c.sku,
    movements.c.location, movements.c.owner, lot_movements.c.qty, movements.c.effective_at,
    movements.c.reason, inbox.c.device_id, inbox.c.principal, movements.c.applies_to_movement_id,
)  # fmt: skip


def trace_lot(conn: sa.Connection, scope: Scope, sku: str, lot: str) -> LotTrace | None:
    """The trace of lot ``lot`` of ``sku``; None when no visible line moved it."""
    return _trace(conn, scope, "lot", lot, sa.and_(lots.c.sku == sku))


def trace_serial(conn: sa.Connection, scope: Scope, serial: str) -> LotTrace | None:
    """The trace of a serial, whichever serial-tracked item carries it; None when unseen."""
    tracked = sa.select(items.c.sku).where(items.c.tracking == "serial")
    return _trace(conn, scope, "serial", serial, lots.c.sku.in_(tracked.scalar_subquery()))


def _trace(
    conn: sa.Connection, scope: Scope, kind: str, code: str, which: sa.ColumnElement[bool]
) -> LotTrace | None:
    found = conn.execute(
        sa.select(lots.c.sku, lots.c.expiry).where(lots.c.code == code, which)
    ).all()
    skus = tuple(sorted(row.sku for row in found))
    if not skus:
        return None
    lines = _lines(conn, scope, code, skus)
    if not lines:
        return None  # another owner's lot reads as one that does not exist
    expiries = {row.expiry for row in found if row.expiry is not None}
    return LotTrace(
        kind=kind,
        code=code,
        skus=skus,
        expiry=min(expiries) if expiries else None,
        origin=tuple(ln for ln in lines if ln.type == "receipt" and ln.qty > 0),
        lines=lines,
        on_hand=_on_hand(conn, scope, code, skus),
    )


def _lines(
    conn: sa.Connection, scope: Scope, code: str, skus: tuple[str, ...]
) -> tuple[TraceLine, ...]:
    query = (
        sa.select(*_LINE_COLUMNS)
        .select_from(
            lot_movements.join(movements, movements.c.id == lot_movements.c.movement_id).join(
                inbox, inbox.c.event_id == movements.c.event_id
            )
        )
        .where(
            lot_movements.c.code == code, movements.c.sku.in_(skus), scope.where(movements.c.owner)
        )
        .order_by(movements.c.id)
    )
    return tuple(_line(row._mapping) for row in conn.execute(query))


def _line(m: Any) -> TraceLine:
    return TraceLine(
        movement_id=m["id"], event_id=m["event_id"], type=m["type"], sku=m["sku"],
        location=m["location"], owner=m["owner"], qty=m["qty"], effective_at=m["effective_at"],
        reference=m["reason"], device_id=m["device_id"], principal=m["principal"],
        applies_to_movement_id=m["applies_to_movement_id"],
    )  # fmt: skip


def _on_hand(
    conn: sa.Connection, scope: Scope, code: str, skus: tuple[str, ...]
) -> tuple[TraceStock, ...]:
    s = lot_stock.c
    query = (
        sa.select(s.sku, s.location, s.owner, s.qty)
        .where(s.code == code, s.sku.in_(skus), s.qty != 0, scope.where(s.owner))
        .order_by(s.sku, s.location, s.owner)
    )
    return tuple(TraceStock(r.sku, r.location, r.owner, r.qty) for r in conn.execute(query))


@dataclass(frozen=True, slots=True)
class LotOnHand:
    """Units of one lot (or serial) of an item at one position, with the lot's expiry."""

    code: str
    expiry: date | None
    location: str
    owner: str
    qty: Decimal


def lots_on_hand(
    conn: sa.Connection, scope: Scope, sku: str, *, limit: int
) -> tuple[LotOnHand, ...]:
    """The lots (or serials) of ``sku`` on hand where ``scope`` sees, soonest expiry first."""
    s = lot_stock.c
    query = (
        sa.select(s.code, lots.c.expiry, s.location, s.owner, s.qty)
        .join(lots, sa.and_(lots.c.sku == s.sku, lots.c.code == s.code))
        .where(s.sku == sku, s.qty != 0, scope.where(s.owner))
        .order_by(lots.c.expiry.is_(None), lots.c.expiry, s.code, s.location, s.owner)
        .limit(limit)
    )
    return tuple(
        LotOnHand(r.code, r.expiry, r.location, r.owner, r.qty) for r in conn.execute(query)
    )
