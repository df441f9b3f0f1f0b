"""Read models for operators: stock, movements, dead letters (reports: ``views.reports``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from collector.domain.money import unit_cost_of
from collector.ledger.schema import balances, dead_letters, movements


@dataclass(frozen=True, slots=True)
class StockRow:
    """On hand and value of one position."""

    sku: str
    location: str
    owner: str
    qty: Decimal
    value: Decimal
    avg_unit_cost: Decimal | None


def stock(
    conn: sa.Connection,
    *,
    sku: str | None = None,
    location_prefix: str | None = None,
    owner: str | None = None,
) -> list[StockRow]:
    """Positions with stock or value, filtered; location matches the path or anything below it."""
    query = sa.select(balances).where(sa.or_(balances.c.qty != 0, balances.c.value != 0))
    if sku:
        query = query.where(balances.c.sku == sku)
    if owner:
        query = query.where(balances.c.owner == owner)
    if location_prefix:
        prefix = location_prefix.strip("/").lower()
        query = query.where(
            sa.or_(balances.c.location == prefix, balances.c.location.startswith(prefix + "/"))
        )
    query = query.order_by(balances.c.sku, balances.c.location, balances.c.owner)
    return [
        StockRow(
            r.sku,
            r.location,
            r.owner,
            r.qty,
            r.value,
            unit_cost_of(r.value, r.qty) if r.qty > 0 else None,
        )
        for r in conn.execute(query)
    ]


MOVEMENT_FIELDS = (
    "id", "event_id", "type", "sku", "location", "owner", "qty", "unit_cost", "value", "cogs",
    "revenue", "effective_at", "recorded_at", "reverses_movement_id", "reason", "provisional",
    "applies_to_movement_id",
)  # fmt: skip


def movement_rows(
    conn: sa.Connection, *, sku: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Journal lines in posting order (the newest ``limit`` when given)."""
    query = sa.select(*(movements.c[name] for name in MOVEMENT_FIELDS))
    if sku:
        query = query.where(movements.c.sku == sku)
    if limit:
        query = query.order_by(movements.c.id.desc()).limit(limit)
        rows = list(conn.execute(query))[::-1]
    else:
        rows = list(conn.execute(query.order_by(movements.c.id)))
    return [dict(row._mapping) for row in rows]


DEAD_LETTER_FIELDS = (
    "id", "received_at", "topic", "site", "device_id", "epoch", "seq", "event_id", "reason",
    "times_seen", "last_seen_at", "payload_sha256", "replayed_at", "replayed_by",
)  # fmt: skip


def dead_letter_rows(conn: sa.Connection, *, limit: int | None = None) -> list[dict[str, Any]]:
    """Dead letters in arrival order with the payload as text (undecodable bytes escaped)."""
    query = sa.select(*(dead_letters.c[n] for n in DEAD_LETTER_FIELDS), dead_letters.c.payload)
    if limit:
        rows = list(conn.execute(query.order_by(dead_letters.c.id.desc()).limit(limit)))[::-1]
    else:
        rows = list(conn.execute(query.order_by(dead_letters.c.id)))
    result = []
    for row in rows:
        record = {name: row._mapping[name] for name in DEAD_LETTER_FIELDS}
        record["payload"] = bytes(row.payload).decode("utf-8", errors="backslashreplace")
        record["payload_bytes"] = len(row.payload)
        result.append(record)
    return result
