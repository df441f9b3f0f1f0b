"""Read models for operators: stock, movements, dead letters and the COGS report."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from collector.domain.model import MovementType
from collector.domain.money import ZERO, unit_cost_of
from collector.domain.report import CogsLine, cogs_line, total_line
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


def cogs_report(conn: sa.Connection, *, start: datetime, end: datetime) -> list[CogsLine]:
    """Per item, then the total (sku ``*``), for movements effective in [start, end)."""
    in_period = sa.and_(movements.c.effective_at >= start, movements.c.effective_at < end)
    before = (
        sa.select(movements.c.sku, sa.func.sum(movements.c.value))
        .where(movements.c.effective_at < start)
        .group_by(movements.c.sku)
    )
    beginning: dict[str, Decimal] = {sku: value for sku, value in conn.execute(before)}  # noqa: C416
    values = _values_by_type(conn, in_period)
    revenue = _priced_sales(conn, in_period)
    lines = [
        cogs_line(
            sku,
            beginning_value=beginning.get(sku, ZERO),
            value_by_type=values.get(sku, {}),
            revenue=revenue[sku][0] if sku in revenue else None,
            priced_cost_of_sales=revenue[sku][1] if sku in revenue else ZERO,
        )
        for sku in sorted(beginning.keys() | values.keys())
    ]
    return [*lines, total_line(lines)]


def _values_by_type(
    conn: sa.Connection, in_period: sa.ColumnElement[bool]
) -> dict[str, dict[MovementType, Decimal]]:
    query = (
        sa.select(movements.c.sku, movements.c.type, sa.func.sum(movements.c.value))
        .where(in_period)
        .group_by(movements.c.sku, movements.c.type)
    )
    values: dict[str, dict[MovementType, Decimal]] = defaultdict(dict)
    for sku, kind, value in conn.execute(query):
        values[sku][MovementType(kind)] = value
    return values


def _priced_sales(
    conn: sa.Connection, in_period: sa.ColumnElement[bool]
) -> dict[str, tuple[Decimal, Decimal]]:
    """Per sku: revenue of sales with a price, and their cost with the period's true-ups of
    them (a sale sold short at a provisional cost is not all margin)."""
    query = (
        sa.select(movements.c.sku, sa.func.sum(movements.c.revenue), sa.func.sum(movements.c.value))
        .where(in_period, movements.c.type == "sale", movements.c.revenue.is_not(None))
        .group_by(movements.c.sku)
    )
    priced = {sku: (revenue, -value) for sku, revenue, value in conn.execute(query)}
    for sku, true_ups in conn.execute(_priced_true_ups(in_period)):
        revenue, cost = priced.get(sku, (ZERO, ZERO))
        priced[sku] = (revenue, cost + true_ups)
    return priced


def _priced_true_ups(in_period: sa.ColumnElement[bool]) -> sa.Select[Any]:
    """Per sku: the cost true-ups in the period added to sales that carried a price."""
    sale = movements.alias("sale")
    return (
        sa.select(movements.c.sku, sa.func.sum(movements.c.cogs))
        .join(sale, sale.c.id == movements.c.applies_to_movement_id)
        .where(
            in_period,
            movements.c.type == MovementType.TRUE_UP.value,
            sale.c.type == MovementType.SALE.value,
            sale.c.revenue.is_not(None),
        )
        .group_by(movements.c.sku)
    )
