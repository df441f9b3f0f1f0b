"""On hand over time: one SKU's quantity at the end of each books day it changed, scoped."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from collector.domain.money import ZERO
from collector.ledger.schema import position_days
from collector.views.scope import Scope


def on_hand_by_day(
    conn: sa.Connection, scope: Scope, sku: str, *, location: str | None = None
) -> list[tuple[date, Decimal]]:
    """(day, on hand at its end) for each day the scope's stock of ``sku`` changed."""
    d = position_days.c
    query = (
        sa.select(d.day, sa.func.sum(d.qty_change))
        .where(d.sku == sku, scope.where(d.owner))
        .group_by(d.day)
        .order_by(d.day)
    )
    if location is not None:
        query = query.where(d.location == location)
    total = ZERO
    found: list[tuple[date, Decimal]] = []
    for day, change in conn.execute(query):
        total += change
        found.append((day, total))
    return found
