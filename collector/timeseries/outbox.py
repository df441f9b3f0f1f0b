"""The durable outbox in the ledger database: points wait here until the server accepts them.

Rows are written in the ledger's own transaction (see ``observer``), so a point
exists exactly when the movement or event that caused it was committed.  The
writer deletes a row only after the server accepted its line, or moves it to
``timeseries_rejected`` with the server's reason when the server refused it.
The tables are created by the Alembic revision ``0002_timeseries_outbox``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from collector.ledger.types import UtcDateTime, id_column_type

metadata = sa.MetaData()
"""The outbox's own tables; they live in the ledger database but not in the ledger's schema."""

outbox_table = sa.Table(
    "timeseries_outbox",
    metadata,
    sa.Column("id", id_column_type(), primary_key=True, autoincrement=True),
    sa.Column("line", sa.Text(), nullable=False),
    sa.Column("recorded_at", UtcDateTime(), nullable=False),
)

rejected_table = sa.Table(
    "timeseries_rejected",
    metadata,
    sa.Column("id", id_column_type(), primary_key=True, autoincrement=True),
    sa.Column("line", sa.Text(), nullable=False),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("recorded_at", UtcDateTime(), nullable=False),
    sa.Column("rejected_at", UtcDateTime(), nullable=False),
)

_DELETE_CHUNK = 1_000  # stays far below every driver's bound-parameter limit


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One waiting line."""

    id: int
    line: str
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class Rejection:
    """A line the server refused, and why."""

    row: OutboxRow
    reason: str


@dataclass(frozen=True, slots=True)
class OutboxStatus:
    """How far behind the time series is."""

    backlog_points: int
    oldest_recorded_at: datetime | None
    oldest_age_s: float | None
    rejected_points: int


def record_lines(conn: Connection, lines: Sequence[str], *, recorded_at: datetime) -> int:
    """Queue lines in the caller's transaction; returns how many were queued."""
    if lines:
        conn.execute(
            outbox_table.insert(), [{"line": ln, "recorded_at": recorded_at} for ln in lines]
        )
    return len(lines)


def record_unbuildable(
    conn: Connection, failures: Iterable[tuple[str, str]], *, at: datetime
) -> None:
    """Set aside sources no point could be built from: (description, reason) pairs."""
    rows = [
        {"line": what, "reason": why, "recorded_at": at, "rejected_at": at}
        for what, why in failures
    ]
    if rows:
        conn.execute(rejected_table.insert(), rows)


def fetch_batch(conn: Connection, *, max_lines: int) -> list[OutboxRow]:
    """The oldest waiting lines, oldest first."""
    query = sa.select(outbox_table).order_by(outbox_table.c.id).limit(max_lines)
    return [OutboxRow(r.id, r.line, r.recorded_at) for r in conn.execute(query)]


def settle(
    conn: Connection,
    *,
    accepted_ids: Sequence[int],
    rejections: Sequence[Rejection],
    at: datetime,
) -> None:
    """Drop accepted lines and move rejected ones aside, in the caller's transaction."""
    if rejections:
        conn.execute(
            rejected_table.insert(),
            [
                {"line": r.row.line, "reason": r.reason, "recorded_at": r.row.recorded_at,
                 "rejected_at": at}
                for r in rejections
            ],
        )  # fmt: skip
    done = [*accepted_ids, *(r.row.id for r in rejections)]
    for start in range(0, len(done), _DELETE_CHUNK):
        chunk = done[start : start + _DELETE_CHUNK]
        conn.execute(outbox_table.delete().where(outbox_table.c.id.in_(chunk)))


def read_status(conn: Connection, *, now: datetime) -> OutboxStatus:
    """Backlog size, age of the oldest waiting point, and the rejected count."""
    backlog = conn.execute(sa.select(sa.func.count()).select_from(outbox_table)).scalar_one()
    oldest = conn.execute(
        sa.select(outbox_table.c.recorded_at).order_by(outbox_table.c.id).limit(1)
    ).scalar_one_or_none()
    rejected = conn.execute(sa.select(sa.func.count()).select_from(rejected_table)).scalar_one()
    age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else None
    return OutboxStatus(backlog, oldest, age, rejected)


def list_rejected(conn: Connection, *, limit: int = 100) -> list[dict[str, object]]:
    """The most recently rejected lines with their reasons, newest first."""
    query = sa.select(rejected_table).order_by(rejected_table.c.id.desc()).limit(limit)
    return [dict(r._mapping) for r in conn.execute(query)]

