"""Cycle counts: snapshot the book under a location prefix, record counts, post the variances.

A count starts by remembering the book of every position under the prefix and the
journal's last movement id.  A position that moves after that (a sale during the
count) is flagged: its count may be stale, so its variance is only posted when the
counter confirms it (``accept_moved``).  A position the count did not snapshot (stock
found where the book had none) is recorded as found stock, book 0 at the start.
Scanner stations in count mode record counts into every open count covering their
location; ``close`` posts those. Variances are posted through the caller's
``PostingSession`` as reason-coded adjustments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from collector.domain.model import PositionKey
from collector.errors import CollectorError
from collector.ledger.adjustments import post_adjustment
from collector.ledger.schema import balances, movements
from collector.ledger.session import PostingSession
from collector.reconcile.intents import Count
from collector.reconcile.runtime.schema import cycle_count_lines, cycle_counts

OPEN, CLOSED = "open", "closed"


class CountError(CollectorError, ValueError):
    """A count action is not possible; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class LineResult:
    """What recording (or closing) one counted position did."""

    key: PositionKey
    counted: Decimal
    book: Decimal
    moved_during_count: bool
    adjustment_event_id: UUID | None

    @property
    def variance(self) -> Decimal:
        """Counted minus book: what the adjustment posts."""
        return self.counted - self.book


def _under(column: Any, prefix: str) -> sa.ColumnElement[bool]:
    return sa.or_(column == prefix, column.like(prefix + "/%"))


def start(conn: sa.Connection, *, prefix: str, by: str, now: datetime) -> int:
    """Open a count of every position under ``prefix``; returns its id."""
    top = conn.execute(sa.select(sa.func.max(movements.c.id))).scalar_one() or 0
    inserted = conn.execute(
        sa.insert(cycle_counts).values(
            location_prefix=prefix,
            status=OPEN,
            started_by=by,
            started_at=now,
            start_movement_id=top,
        )
    ).inserted_primary_key
    assert inserted is not None, "an INSERT returns its primary key"
    count_id = inserted[0]
    b = balances.c
    rows = conn.execute(
        sa.select(b.sku, b.location, b.owner, b.qty).where(_under(b.location, prefix))
    )
    lines = [
        {
            "count_id": count_id,
            "sku": r.sku,
            "location": r.location,
            "owner": r.owner,
            "book_at_start": r.qty,
            "moved_during_count": False,
        }
        for r in rows
    ]
    if lines:
        conn.execute(sa.insert(cycle_count_lines), lines)
    return int(count_id)


def load(conn: sa.Connection, count_id: int) -> sa.Row[Any]:
    """A count's row; ``CountError`` when there is none."""
    row = conn.execute(sa.select(cycle_counts).where(cycle_counts.c.id == count_id)).first()
    if row is None:
        raise CountError(f"no cycle count {count_id}: start one with `collector count start`")
    return row


def lines(conn: sa.Connection, count_id: int) -> list[sa.Row[Any]]:
    """The positions of a count."""
    c = cycle_count_lines.c
    query = sa.select(cycle_count_lines).where(c.count_id == count_id)
    return list(conn.execute(query.order_by(c.location, c.sku, c.owner)))


def _moved(conn: sa.Connection, count: sa.Row[Any], key: PositionKey) -> bool:
    """Did anything but this count's own adjustments move the position since the count began?"""
    m, line = movements.c, cycle_count_lines.c
    own = sa.select(line.adjustment_event_id).where(
        line.count_id == count.id, line.adjustment_event_id.is_not(None)
    )
    query = sa.select(sa.func.count()).where(
        m.sku == key.sku,
        m.location == key.location,
        m.owner == key.owner,
        m.id > count.start_movement_id,
        m.event_id.not_in(own),
    )
    return bool(conn.execute(query).scalar_one())


def _save_line(
    conn: sa.Connection, count_id: int, key: PositionKey, values: dict[str, Any]
) -> None:
    """Update the count's line of a position, or add it: stock found where the book had none."""
    c = cycle_count_lines.c
    where = sa.and_(
        c.count_id == count_id, c.sku == key.sku, c.location == key.location, c.owner == key.owner
    )
    if conn.execute(sa.update(cycle_count_lines).where(where).values(values)).rowcount == 0:
        found = {"book_at_start": Decimal(0), "moved_during_count": False} | values
        conn.execute(
            sa.insert(cycle_count_lines).values(
                count_id=count_id, sku=key.sku, location=key.location, owner=key.owner, **found
            )
        )


def record(
    session: PostingSession,
    count_id: int,
    key: PositionKey,
    *,
    counted: Decimal,
    by: str,
    accept_moved: bool = False,
) -> LineResult:
    """Record a counted position and post its variance, unless it moved during the count."""
    conn, now = session.conn, session.now
    count = _open(conn, count_id, key.location)
    if counted < 0:
        raise CountError(f"counted {counted} is negative; count the units at {key.location}")
    moved = _moved(conn, count, key)
    book = session.position(key).qty
    event_id = None
    if counted != book and (accept_moved or not moved):
        reason = f"cycle count {count_id} by {by}: counted {counted:f}, book {book:f}"
        event_id = post_adjustment(session, key, delta=counted - book, reason=reason, by=by)
    _save_line(
        conn,
        count_id,
        key,
        {
            "counted": counted,
            "counted_by": by,
            "counted_at": now,
            "book_at_count": book,
            "moved_during_count": moved,
            "adjustment_event_id": event_id,
        },
    )
    return LineResult(key, counted, book, moved, event_id)


def _open(conn: sa.Connection, count_id: int, location: str) -> sa.Row[Any]:
    count = load(conn, count_id)
    if count.status != OPEN:
        raise CountError(f"cycle count {count_id} is closed; start a new one")
    prefix = count.location_prefix
    if location != prefix and not location.startswith(prefix + "/"):
        raise CountError(f"{location} is not under {prefix}, the location of count {count_id}")
    return count


def record_scanned(conn: sa.Connection, intent: Count, *, by: str, now: datetime) -> bool:
    """A scanner's count: noted on every open count covering the location, posted at close.

    Returns whether any open count took it.
    """
    c = cycle_counts.c
    key = PositionKey(intent.sku, intent.location, intent.owner)
    taken = False
    for count in list(conn.execute(sa.select(cycle_counts).where(c.status == OPEN))):
        prefix = count.location_prefix
        if intent.location != prefix and not intent.location.startswith(prefix + "/"):
            continue
        moved = _moved(conn, count, key)
        values = {
            "counted": intent.qty,
            "counted_by": by,
            "counted_at": now,
            "moved_during_count": moved,
        }
        _save_line(conn, count.id, key, values)
        taken = True
    return taken


def tally(
    conn: sa.Connection, count_id: int, key: PositionKey, *, units: Decimal, by: str, now: datetime
) -> Decimal:
    """Add ``units`` scanned at a position to this count's tally; returns the tally.

    Like a scanner station's count it is only noted (nothing is posted): ``close`` posts the
    variance. A position whose count was recorded and posted already is refused.
    """
    count = _open(conn, count_id, key.location)
    if units <= 0:
        raise CountError(f"{units} units: a scan adds 1 or more units")
    c = cycle_count_lines.c
    where = sa.and_(
        c.count_id == count_id, c.sku == key.sku, c.location == key.location, c.owner == key.owner
    )
    line = conn.execute(sa.select(c.counted, c.adjustment_event_id).where(where)).first()
    if line is not None and line.adjustment_event_id is not None:
        raise CountError(
            f"{key.sku} at {key.location} (owner {key.owner}) was recorded and posted already in "
            f"count {count_id}; start a new count to count it again"
        )
    counted = (line.counted if line is not None and line.counted is not None else 0) + units
    values = {"counted": counted, "counted_by": by, "counted_at": now,
              "moved_during_count": _moved(conn, count, key)}  # fmt: skip
    _save_line(conn, count_id, key, values)
    return Decimal(counted)


def close(session: PostingSession, count_id: int, *, by: str) -> list[LineResult]:
    """Post the variances of counted, unposted lines that did not move; then close the count."""
    conn = session.conn
    count = _open(conn, count_id, load(conn, count_id).location_prefix)
    results = []
    for line in lines(conn, count_id):
        if line.counted is None or line.adjustment_event_id is not None:
            continue
        key = PositionKey(line.sku, line.location, line.owner)
        if _moved(conn, count, key):
            results.append(LineResult(key, line.counted, session.position(key).qty, True, None))
            continue
        results.append(record(session, count_id, key, counted=line.counted, by=by))
    conn.execute(
        sa.update(cycle_counts)
        .where(cycle_counts.c.id == count_id)
        .values(status=CLOSED, closed_by=by, closed_at=session.now)
    )
    return results
