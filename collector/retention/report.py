"""``collector retention report``: per table, what it holds and what a prune would remove."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from collector.retention import inbox as inbox_rules
from collector.retention.policy import RetentionPolicy, cutoff
from collector.retention.tables import INBOX, TARGETS, Target, inbox_rule


@dataclass(frozen=True, slots=True)
class TableReport:
    """One table: its rows, its oldest row, its size, its rule and a prune's effect."""

    table: str
    rows: int
    oldest: datetime | None
    size_bytes: int | None
    """Table and indexes on disk, where the database says (PostgreSQL, SQLite's dbstat)."""
    kept: str
    would_delete: int
    would_empty: int
    """Inbox rows a prune would empty to their identity (0 elsewhere)."""


def report(conn: sa.Connection, policy: RetentionPolicy, now: datetime) -> list[TableReport]:
    """Every table of ``TARGETS``, in order."""
    return [_one(conn, target, policy, now) for target in TARGETS]


def _one(
    conn: sa.Connection, target: Target, policy: RetentionPolicy, now: datetime
) -> TableReport:
    rows, oldest = conn.execute(
        sa.select(sa.func.count(), sa.func.min(target.age)).select_from(target.table)
    ).one()
    delete, empty, kept = _effect(conn, target, policy, now)
    return TableReport(
        table=target.name,
        rows=int(rows),
        oldest=oldest,
        size_bytes=table_size_bytes(conn, target.name),
        kept=kept,
        would_delete=delete,
        would_empty=empty,
    )


def _effect(
    conn: sa.Connection, target: Target, policy: RetentionPolicy, now: datetime
) -> tuple[int, int, str]:
    """(rows deleted, rows emptied, the rule in words)."""
    if target is INBOX:
        counts = inbox_rules.count_prunable(conn, cutoff(policy.inbox_days, now))
        return counts.delete, counts.empty, inbox_rule(policy)
    if target.keep is not None:
        return 0, 0, target.keep
    delete = 0
    for part in target.parts:
        where = part.condition(policy, now)
        if where is not None:
            query = sa.select(sa.func.count()).select_from(target.table).where(where)
            delete += int(conn.execute(query).scalar_one())
    return delete, 0, "; ".join(part.rule(policy) for part in target.parts)


def table_size_bytes(conn: sa.Connection, table: str) -> int | None:
    """Bytes the table and its indexes take; None where the database cannot say."""
    try:
        if conn.dialect.name == "postgresql":
            query = sa.text("SELECT pg_total_relation_size(CAST(:t AS regclass))")
            return int(conn.execute(query, {"t": table}).scalar_one())
        if conn.dialect.name == "sqlite":
            query = sa.text(
                "SELECT SUM(pgsize) FROM dbstat WHERE name IN "
                "(SELECT name FROM sqlite_master WHERE tbl_name = :t)"
            )
            found = conn.execute(query, {"t": table}).scalar_one()
            return int(found) if found is not None else None
    except sa.exc.DBAPIError:  # no dbstat in this SQLite build, or no such relation
        return None
    return None
