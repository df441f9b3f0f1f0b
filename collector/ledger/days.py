"""Daily position changes (``position_days``), written with the journal by the session.

Each flush adds its lines' net quantity and value, units sold, cost of goods sold and
revenue to the row of their books day (the effective day in the books' time zone) and
position, with one upsert per row: a late event simply adds to the day it belongs to.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, tzinfo
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from collector.domain.model import MovementLine, MovementType, PositionKey
from collector.domain.money import ZERO
from collector.ledger.schema import movements, position_days

DayKey = tuple[date, str, str, str]
"""(books day, sku, location, owner)."""
_SUMMED = ("qty_change", "value_change", "sold_qty", "cogs", "revenue")


def day_changes(lines: Iterable[MovementLine], books_tz: tzinfo) -> dict[DayKey, list[Decimal]]:
    """The lines summed per books day and position, in ``_SUMMED`` order."""
    found: dict[DayKey, list[Decimal]] = {}
    for line in lines:
        key: PositionKey = line.key
        day = line.effective_at.astimezone(books_tz).date()
        sums = found.get((day, *key))
        if sums is None:
            sums = found[(day, *key)] = [ZERO, ZERO, ZERO, ZERO, ZERO]
        sums[0] += line.qty
        sums[1] += line.value
        if line.type is MovementType.SALE:
            sums[2] -= line.qty
        if line.cogs is not None:
            sums[3] += line.cogs
        if line.revenue is not None:
            sums[4] += line.revenue
    return found


def write_days(conn: sa.Connection, lines: Iterable[MovementLine], books_tz: tzinfo) -> None:
    """Add the lines to their days' rows (one executemany of upserts)."""
    changes = day_changes(lines, books_tz)
    if not changes:
        return
    rows = [
        {"day": day, "sku": sku, "location": location, "owner": owner,
         **dict(zip(_SUMMED, sums, strict=True))}
        for (day, sku, location, owner), sums in changes.items()
    ]  # fmt: skip
    conn.execute(_upsert(conn.dialect.name), rows)


REBUILD_CHUNK_LINES = 50_000


def rebuild_days(conn: sa.Connection, books_tz: tzinfo) -> int:
    """Refill ``position_days`` from the whole journal; returns the lines read.

    For a ledger loaded in bulk, or one whose books' time zone changed: the days are
    summed by the same ``day_changes`` the session uses, a chunk of lines at a time.
    """
    conn.execute(position_days.delete())
    columns = (movements.c.id, movements.c.event_id, movements.c.type, movements.c.sku,
               movements.c.location, movements.c.owner, movements.c.qty, movements.c.unit_cost,
               movements.c.value, movements.c.effective_at, movements.c.cogs,
               movements.c.revenue)  # fmt: skip
    query = sa.select(*columns).execution_options(yield_per=REBUILD_CHUNK_LINES)
    result = conn.execute(query)
    read = 0
    for rows in result.partitions():
        write_days(conn, [_line(row) for row in rows], books_tz)
        read += len(rows)
    return read


def _line(row: Any) -> MovementLine:
    return MovementLine(
        row.id, row.event_id, MovementType(row.type), PositionKey(row.sku, row.location, row.owner),
        row.qty, row.unit_cost, row.value, row.effective_at, cogs=row.cogs, revenue=row.revenue,
    )  # fmt: skip


def _upsert(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(position_days)
    return statement.on_conflict_do_update(
        index_elements=["day", "sku", "location", "owner"],
        set_={name: position_days.c[name] + statement.excluded[name] for name in _SUMMED},
    )
