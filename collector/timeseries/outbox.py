"""The durable outbox in the ledger database: points wait here until the server accepts them.

Rows are written in the ledger's own transaction (see ``observer``), so a point
exists exactly when the movement or event that caused it was committed.  One
row holds all the lines of one ledger batch (newline-separated, with their
count): one INSERT per batch instead of one per point keeps the ledger's
transaction short.  The writer deletes a row only once the server accepted
every line of it, or refused some (those move to ``timeseries_rejected`` with
the server's reason).  The tables are created by the Alembic revision
``0002_timeseries_outbox``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, TypedDict

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from collector.ledger.types import UtcDateTime, id_column_type

metadata = sa.MetaData()
"""The outbox's own tables; they live in the ledger database but not in the ledger's schema."""

outbox_table = sa.Table(
    "timeseries_outbox",
    metadata,
    sa.Column("id", id_column_type(), primary_key=True, autoincrement=True),
    sa.Column("lines", sa.Text(), nullable=False),
    sa.Column("line_count", sa.Integer(), nullable=False),
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
_SCAN_ROWS = 64  # rows per look-up; a ledger batch is usually one row of hundreds


class PendingLine(NamedTuple):
    """One waiting line: which row it belongs to, its place there, and the line itself.

    A tuple, not a dataclass: the writer makes 5,000 of these per request.
    """

    row_id: int
    position: int
    line: str
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class Rejection:
    """A line the server refused, and why."""

    pending: PendingLine
    reason: str


@dataclass(frozen=True, slots=True)
class OutboxStatus:
    """How far behind the time series is."""

    backlog_points: int
    oldest_recorded_at: datetime | None
    oldest_age_s: float | None
    rejected_points: int


def record_lines(conn: Connection, lines: Sequence[str], *, recorded_at: datetime) -> int:
    """Queue lines in the caller's transaction, as one row; returns how many were queued."""
    if lines:
        conn.execute(
            outbox_table.insert(),
            {"lines": "\n".join(lines), "line_count": len(lines), "recorded_at": recorded_at},
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


class PendingRow(NamedTuple):
    """One waiting outbox row: its id, its lines, and when they were recorded."""

    row_id: int
    lines: list[str]
    recorded_at: datetime

    def pending_lines(self) -> list[PendingLine]:
        """The row's lines one by one (for bisecting a refused request)."""
        return [
            PendingLine(self.row_id, i, ln, self.recorded_at) for i, ln in enumerate(self.lines)
        ]


def fetch_rows(conn: Connection, *, max_lines: int) -> list[PendingRow]:
    """The oldest whole rows holding about ``max_lines`` lines (at least one row), oldest first."""
    ids = _oldest_rows_up_to(conn, max_lines)
    if not ids:
        return []
    rows = conn.execute(
        sa.select(outbox_table.c.id, outbox_table.c.lines, outbox_table.c.recorded_at)
        .where(outbox_table.c.id.in_(ids))
        .order_by(outbox_table.c.id)
    )
    return [PendingRow(r.id, r.lines.split("\n"), r.recorded_at) for r in rows]


def fetch_pending(conn: Connection, *, max_lines: int) -> list[PendingLine]:
    """The lines of ``fetch_rows``, one by one."""
    return [p for row in fetch_rows(conn, max_lines=max_lines) for p in row.pending_lines()]


def _oldest_rows_up_to(conn: Connection, max_lines: int) -> list[int]:
    """Ids of the oldest rows whose lines add up to at most ``max_lines`` (at least one row)."""
    ids: list[int] = []
    total, after = 0, -1
    while True:
        page = conn.execute(
            sa.select(outbox_table.c.id, outbox_table.c.line_count)
            .where(outbox_table.c.id > after)
            .order_by(outbox_table.c.id)
            .limit(_SCAN_ROWS)
        ).all()
        for row_id, count in page:
            if ids and total + count > max_lines:
                return ids
            ids.append(row_id)
            total += count
        if len(page) < _SCAN_ROWS:
            return ids
        after = page[-1][0]


def settle(
    conn: Connection,
    *,
    done_row_ids: Collection[int],
    rejections: Sequence[Rejection],
    at: datetime,
) -> None:
    """Drop finished rows and keep refused lines aside, in the caller's transaction."""
    if rejections:
        conn.execute(
            rejected_table.insert(),
            [
                {"line": r.pending.line, "reason": r.reason,
                 "recorded_at": r.pending.recorded_at, "rejected_at": at}
                for r in rejections
            ],
        )  # fmt: skip
    done = sorted(done_row_ids)
    for start in range(0, len(done), _DELETE_CHUNK):
        chunk = done[start : start + _DELETE_CHUNK]
        conn.execute(outbox_table.delete().where(outbox_table.c.id.in_(chunk)))


def read_status(conn: Connection, *, now: datetime) -> OutboxStatus:
    """Backlog size in points, age of the oldest waiting point, and the rejected count."""
    backlog = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(outbox_table.c.line_count), 0))
    ).scalar_one()
    oldest = conn.execute(
        sa.select(outbox_table.c.recorded_at).order_by(outbox_table.c.id).limit(1)
    ).scalar_one_or_none()
    rejected = conn.execute(sa.select(sa.func.count()).select_from(rejected_table)).scalar_one()
    age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else None
    return OutboxStatus(int(backlog), oldest, age, rejected)


class RejectedLine(TypedDict):
    """One ``timeseries_rejected`` row: a dict, so that it prints as JSON as it is."""

    id: int
    line: str
    reason: str
    recorded_at: datetime
    rejected_at: datetime


def list_rejected(conn: Connection, *, limit: int = 100) -> list[RejectedLine]:
    """The most recently rejected lines with their reasons, newest first."""
    query = sa.select(rejected_table).order_by(rejected_table.c.id.desc()).limit(limit)
    return [
        RejectedLine(
            id=r.id,
            line=r.line,
            reason=r.reason,
            recorded_at=r.recorded_at,
            rejected_at=r.rejected_at,
        )
        for r in conn.execute(query)
    ]
