"""What a bill reads from the ledger: daily closing stock per position, handling events
and late journal lines of one client. Reads only: bills are not ledger movements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from collector.billing.calculate import DayUse, HandlingEvent, PositionKey, closing_series, day_uses
from collector.billing.rates import Charge
from collector.domain.money import ZERO
from collector.ledger.schema import balances, items, movements, position_days
from collector.ledger.types import UtcDateTime
from collector.reconcile.runtime.schema import cycle_count_lines
from collector.views.reports import day_bounds

HANDLED = {"receipt": Charge.RECEIPT_LINES, "sale": Charge.PICKS, "return": Charge.RETURNS,
           "vendor_return": Charge.RETURNS}  # fmt: skip
"""Journal line types that are handling, and the charge each is."""
Series = dict[PositionKey, list[Decimal]]


@dataclass(frozen=True, slots=True)
class LateLine:
    """A journal line recorded after a bill closed, effective in a month already closed."""

    sku: str
    location: str
    day: date
    qty: Decimal
    event: HandlingEvent | None


def closing_by_position(conn: sa.Connection, owner: str, days: Sequence[date]) -> Series:
    """Each position's closing quantity on each of ``days``: today's balance less the
    changes after the day (``position_days``), read in one statement (one snapshot)."""
    b, p = balances.c, position_days.c
    query = sa.union_all(
        sa.select(b.sku, b.location, sa.cast(sa.null(), sa.Date).label("day"),
                  b.qty.label("qty")).where(b.owner == owner),
        sa.select(p.sku, p.location, p.day, p.qty_change).where(
            p.owner == owner, p.day >= days[0]),
    )  # fmt: skip
    held: dict[PositionKey, Decimal] = {}
    changes: dict[PositionKey, dict[date, Decimal]] = {}
    for row in conn.execute(query):
        key = (row.sku, row.location)
        if row.day is None:
            held[key] = row.qty
        else:
            day = row.day if isinstance(row.day, date) else date.fromisoformat(row.day)
            changes.setdefault(key, {})[day] = row.qty
    found: Series = {}
    for key, qty in held.items():
        daily = changes.get(key, {})
        closing_last = qty - sum((v for d, v in daily.items() if d > days[-1]), ZERO)
        series = closing_series(closing_last, daily, days)
        if any(series):
            found[key] = series
    return found


def without_late(series: Series, late: Sequence[LateLine], days: Sequence[date]) -> Series:
    """The closing quantities as they were before the late lines were recorded."""
    found = {key: list(values) for key, values in series.items()}
    for line in late:
        values = found.setdefault((line.sku, line.location), [ZERO] * len(days))
        for index, day in enumerate(days):
            if day >= line.day:
                values[index] -= line.qty
    return found


def uses_of(conn: sa.Connection, series: Series, n_days: int) -> list[DayUse]:
    """The client's stock per day: units, locations, cubic centimetres (item volumes)."""
    skus = sorted({sku for sku, _ in series})
    volumes: dict[str, int | None] = {}
    if skus:
        query = sa.select(items.c.sku, items.c.unit_volume_cm3).where(items.c.sku.in_(skus))
        volumes = {row.sku: row.unit_volume_cm3 for row in conn.execute(query)}
    return day_uses(series, volumes, n_days)


def _event(row: Any, tz: tzinfo) -> HandlingEvent | None:
    charge = HANDLED.get(str(row.type))
    if charge is None:
        return None
    count = -1 if row.reverses_movement_id is not None else 1
    return HandlingEvent(row.effective_at.astimezone(tz).date(), charge, count)


def handling_events(
    conn: sa.Connection, owner: str, days: Sequence[date], tz: tzinfo
) -> list[HandlingEvent]:
    """Receipt, pick and return lines (reversals count −1) and count lines of ``days``,
    counted in SQL per books day (a ``CASE`` on the days' first instants in ``tz``)."""
    m = movements.c
    start, end = day_bounds(days[0], days[-1], tz)
    bucket = _day_bucket(m.effective_at, days, tz)
    reversal = m.reverses_movement_id.is_not(None)
    query = (
        sa.select(m.type, reversal.label("reversal"), bucket.label("bucket"),
                  sa.func.count().label("n"))
        .where(m.owner == owner, m.effective_at >= start, m.effective_at < end,
               m.type.in_(sorted(HANDLED)))
        .group_by(m.type, reversal, bucket)
    )  # fmt: skip
    found = [
        HandlingEvent(days[row.bucket], HANDLED[row.type], -row.n if row.reversal else row.n)
        for row in conn.execute(query)
    ]
    c = cycle_count_lines.c
    counted_bucket = _day_bucket(c.counted_at, days, tz)
    counted = (
        sa.select(counted_bucket.label("bucket"), sa.func.count().label("n"))
        .where(c.owner == owner, c.counted_at >= start, c.counted_at < end,
               c.counted.is_not(None))
        .group_by(counted_bucket)
    )  # fmt: skip
    found += [HandlingEvent(days[row.bucket], Charge.COUNT_LINES, row.n)
              for row in conn.execute(counted)]  # fmt: skip
    return found


def _day_bucket(
    column: sa.ColumnElement[Any], days: Sequence[date], tz: tzinfo
) -> sa.ColumnElement[int]:
    """The index in ``days`` of the books day an instant falls on (within the days)."""
    ends = [day_bounds(day, day, tz)[1] for day in days[:-1]]
    whens = [(column < sa.literal(at, UtcDateTime()), index) for index, at in enumerate(ends)]
    return sa.case(*whens, else_=len(days) - 1) if whens else sa.literal(0)


def late_lines(
    conn: sa.Connection, owner: str, *, after_id: int, before: datetime, tz: tzinfo
) -> list[LateLine]:
    """Lines with an id above ``after_id`` (recorded after a close) effective before ``before``."""
    m = movements.c
    query = sa.select(m.sku, m.location, m.qty, m.type, m.effective_at,
                      m.reverses_movement_id).where(
        m.owner == owner, m.id > after_id, m.effective_at < before)  # fmt: skip
    return [
        LateLine(row.sku, row.location, row.effective_at.astimezone(tz).date(), row.qty,
                 _event(row, tz))
        for row in conn.execute(query)
    ]  # fmt: skip


def newest_movement_id(conn: sa.Connection) -> int:
    """The journal's highest line id (0 when empty)."""
    return int(conn.execute(sa.select(sa.func.max(movements.c.id))).scalar() or 0)
