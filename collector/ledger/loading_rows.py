"""Read book state from its rows: positions with layers and shortfalls, sales, receipts."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from collector.domain.book import SaleOwner
from collector.domain.model import (
    Layer,
    MovementType,
    Position,
    PositionKey,
    ReceiptRef,
    SaleState,
    Shortfall,
)
from collector.domain.money import ZERO
from collector.ledger.bulk import chunks
from collector.ledger.schema import balances, cost_layers, movements, shortfalls

_m = movements.c


def _key_filter(table: sa.Table, keys: Sequence[PositionKey]) -> sa.ColumnElement[bool]:
    return sa.tuple_(table.c.sku, table.c.location, table.c.owner).in_(
        [(k.sku, k.location, k.owner) for k in keys]
    )


def load_positions(conn: sa.Connection, keys: Iterable[PositionKey]) -> list[Position]:
    """Stored positions among ``keys`` (those never used have no row), with their state."""
    found: list[Position] = []
    for part in chunks(sorted(keys)):
        layers = _open_layers(conn, part)
        rows = list(conn.execute(sa.select(balances).where(_key_filter(balances, part))))
        negative = [PositionKey(r.sku, r.location, r.owner) for r in rows if r.qty < 0]
        owed = _open_shortfalls(conn, negative) if negative else {}
        for row in rows:
            key = PositionKey(row.sku, row.location, row.owner)
            found.append(
                Position(
                    key,
                    row.qty,
                    row.value,
                    tuple(layers.get(key, ())),
                    row.last_unit_cost,
                    tuple(owed.get(key, ())),
                )
            )
    return found


def _open_layers(
    conn: sa.Connection, keys: Sequence[PositionKey]
) -> dict[PositionKey, list[Layer]]:
    query = (
        sa.select(cost_layers)
        .where(_key_filter(cost_layers, keys), cost_layers.c.qty_remaining > 0)
        .order_by(cost_layers.c.order_key, cost_layers.c.id)
    )
    by_key: dict[PositionKey, list[Layer]] = {}
    for row in conn.execute(query):
        by_key.setdefault(PositionKey(row.sku, row.location, row.owner), []).append(
            layer_from_row(row)
        )
    return by_key


def _open_shortfalls(
    conn: sa.Connection, keys: Sequence[PositionKey]
) -> dict[PositionKey, list[Shortfall]]:
    query = sa.select(shortfalls).where(_key_filter(shortfalls, keys)).order_by(shortfalls.c.id)
    by_key: dict[PositionKey, list[Shortfall]] = {}
    for row in conn.execute(query):
        by_key.setdefault(PositionKey(row.sku, row.location, row.owner), []).append(
            Shortfall(row.id, row.movement_id, row.qty, row.value, row.qty_short)
        )
    return by_key


def layer_from_row(row: sa.Row[Any]) -> Layer:
    """A ``cost_layers`` row as the domain's layer."""
    return Layer(
        layer_id=row.id,
        movement_id=row.movement_id,
        order_key=row.order_key,
        unit_cost=row.unit_cost,
        qty_in=row.qty_in,
        value_in=row.value_in,
        qty=row.qty_remaining,
        value=row.value_remaining,
    )


_IS_SALE = sa.and_(_m.type == MovementType.SALE.value, _m.reverses_movement_id.is_(None))


def latest_sale_ids(conn: sa.Connection, owners: Collection[SaleOwner]) -> dict[SaleOwner, int]:
    """The latest sale line of each (sku, owner) that has one."""
    found: dict[SaleOwner, int] = {}
    for part in chunks(sorted(owners)):
        query = (
            sa.select(_m.sku, _m.owner, sa.func.max(_m.id))
            .where(_IS_SALE, sa.tuple_(_m.sku, _m.owner).in_(part))
            .group_by(_m.sku, _m.owner)
        )
        for sku, owner, movement_id in conn.execute(query):
            found[(sku, owner)] = int(movement_id)
    return found


def load_sales(
    conn: sa.Connection, *, event_ids: Collection[UUID], movement_ids: Collection[int]
) -> list[SaleState]:
    """Sales by event or line id, with what they cost in the end and what came back of them."""
    cols = (_m.id, _m.event_id, _m.sku, _m.owner, _m.qty, _m.value)
    rows: dict[int, Any] = {}
    for where, values in ((_m.event_id, event_ids), (_m.id, movement_ids)):
        for part in chunks(sorted(values)):
            for row in conn.execute(sa.select(*cols).where(_IS_SALE, where.in_(part))):
                rows[row.id] = row
    if not rows:
        return []
    after = _what_followed(conn, list(rows))
    return [_sale_state(row, after.get(row.id, _Followed())) for row in rows.values()]


class _Followed:
    """What later lines did to one sale: true-ups, returns of it, its reversal."""

    __slots__ = ("is_reversed", "returned_qty", "returned_value", "true_ups")

    def __init__(self) -> None:
        self.true_ups = ZERO
        self.returned_qty = ZERO
        self.returned_value = ZERO
        self.is_reversed = False


def _what_followed(conn: sa.Connection, sale_ids: list[int]) -> dict[int, _Followed]:
    """Per sale line: its true-ups, returns (net of their reversals) and whether it was reversed."""
    found: dict[int, _Followed] = {}
    for part in chunks(sale_ids):
        query = (
            sa.select(
                _m.applies_to_movement_id, _m.type, sa.func.sum(_m.qty), sa.func.sum(_m.value)
            )
            .where(_m.applies_to_movement_id.in_(part))
            .group_by(_m.applies_to_movement_id, _m.type)
        )
        for sale_id, kind, qty, value in conn.execute(query):
            followed = found.setdefault(sale_id, _Followed())
            if kind == MovementType.TRUE_UP.value:
                followed.true_ups -= _micro(value)  # a true-up's value is −(its cogs)
            elif kind == MovementType.RETURN.value:
                followed.returned_qty += _micro(qty)
                followed.returned_value += _micro(value)
        reversed_query = sa.select(_m.reverses_movement_id).where(_m.reverses_movement_id.in_(part))
        for (sale_id,) in conn.execute(reversed_query):
            found.setdefault(sale_id, _Followed()).is_reversed = True
    return found


def _micro(total: Any) -> Decimal:
    """A SUM of a Micro column: SQLAlchemy types it as the column, so it is a Decimal."""
    return total if isinstance(total, Decimal) else Decimal(total or 0)


def _sale_state(row: sa.Row[Any], followed: _Followed) -> SaleState:
    return SaleState(
        movement_id=row.id,
        event_id=row.event_id,
        sku=row.sku,
        owner=row.owner,
        qty=-row.qty,
        value=-row.value + followed.true_ups,
        returned_qty=followed.returned_qty,
        returned_value=followed.returned_value,
        is_reversed=followed.is_reversed,
    )


def load_receipts(conn: sa.Connection, event_ids: Collection[UUID]) -> list[ReceiptRef]:
    """Receipt lines of these events (not reversals), as vendor returns name them."""
    is_receipt = sa.and_(_m.type == MovementType.RECEIPT.value, _m.reverses_movement_id.is_(None))
    cols = (_m.id, _m.event_id, _m.sku, _m.location, _m.owner, _m.unit_cost)
    found = []
    for part in chunks(sorted(event_ids)):
        for row in conn.execute(sa.select(*cols).where(is_receipt, _m.event_id.in_(part))):
            key = PositionKey(row.sku, row.location, row.owner)
            found.append(ReceiptRef(row.id, row.event_id, key, row.unit_cost))
    return found
