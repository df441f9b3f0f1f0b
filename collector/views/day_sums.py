"""The journal up to an instant, read from the daily sums instead of every line.

``position_days`` holds each books day's net change per position, written with the
journal, so what the journal held at an instant is either

* from the end: the balances, less the days after the instant's books day, less that
  day's lines after the instant; or
* from the start: the days before the instant's books day, plus that day's lines up to it.

Either way at most one day of journal lines is read (through the journal's
``effective_at`` indexes) and one row per position and day of the days table, however
long the journal is. A caller sums the signed ``Piece`` amounts grouped as it likes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import sqlalchemy as sa

from collector.ledger.schema import balances, movements, position_days


@dataclass(frozen=True, slots=True)
class Piece:
    """Rows of one table, within ``conditions``, whose amounts count with ``sign``."""

    table: sa.Table
    sign: int
    conditions: tuple[sa.ColumnElement[bool], ...]

    def amount(self, name: str) -> sa.ColumnElement[Any]:
        """The signed ``qty`` or ``value`` of a row (``qty_change``/``value_change`` of a day)."""
        column = self.table.c[f"{name}_change" if self.table is position_days else name]
        return column if self.sign > 0 else -column


def journal_until(
    instant: datetime, books_tz: tzinfo, *, inclusive: bool, from_end: bool
) -> list[Piece]:
    """Pieces summing to the lines effective before ``instant`` (or at it, ``inclusive``)."""
    day = instant.astimezone(books_tz).date()
    day_start, day_end = _day_bounds(day, books_tz)
    effective = movements.c.effective_at
    if from_end:
        later = effective > instant if inclusive else effective >= instant
        return [
            Piece(balances, 1, ()),
            Piece(position_days, -1, (position_days.c.day > day,)),
            Piece(movements, -1, (later, effective < day_end)),
        ]
    earlier = effective <= instant if inclusive else effective < instant
    return [
        Piece(position_days, 1, (position_days.c.day < day,)),
        Piece(movements, 1, (effective >= day_start, earlier)),
    ]


def nearer_the_end(conn: sa.Connection, instant: datetime) -> bool:
    """Whether fewer lines are effective after ``instant`` than before it (about: by time)."""
    # two statements: SQLite reads a lone min() or max() off the index, not both in one
    first = conn.execute(sa.select(sa.func.min(movements.c.effective_at))).scalar()
    last = conn.execute(sa.select(sa.func.max(movements.c.effective_at))).scalar()
    if first is None or last is None:
        return True
    return bool(instant >= first + (last - first) / 2)


def _day_bounds(day: date, books_tz: tzinfo) -> tuple[datetime, datetime]:
    """The instants [start, end) of one books day, in UTC (23 or 25 hours long on a change)."""
    start = datetime.combine(day, time(0), tzinfo=books_tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=books_tz)
    return start.astimezone(UTC), end.astimezone(UTC)
