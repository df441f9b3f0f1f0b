"""A SKU's open FIFO cost layers: what is left of each receipt, at its cost, oldest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from collector.ledger.schema import cost_layers, movements
from collector.views.scope import Scope

_l = cost_layers.c


@dataclass(frozen=True, slots=True)
class LayerView:
    """One receipt's remainder at one position."""

    location: str
    owner: str
    received_at: datetime
    """When the receipt that made the layer was effective."""
    unit_cost: Decimal
    qty_in: Decimal
    qty_remaining: Decimal
    value_remaining: Decimal


def open_layers(conn: sa.Connection, scope: Scope, sku: str, *, limit: int) -> list[LayerView]:
    """Up to ``limit`` layers of ``sku`` with units left, per position oldest first
    (the order sales consume them); only ``scope``'s owners."""
    columns = (_l.location, _l.owner, movements.c.effective_at, _l.unit_cost, _l.qty_in,
               _l.qty_remaining, _l.value_remaining)  # fmt: skip
    query = (
        sa.select(*columns)
        .join(movements, movements.c.id == _l.movement_id)
        .where(_l.sku == sku, _l.qty_remaining > 0, scope.where(_l.owner))
        .order_by(_l.location, _l.owner, _l.order_key)
        .limit(limit)
    )
    return [LayerView(*row) for row in conn.execute(query)]
