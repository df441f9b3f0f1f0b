"""The prune's read of the inbox walks ``ix_inbox_unpruned``, not the whole table (both databases).

On PostgreSQL sequential scans are switched off for the check: an empty test table is
cheaper to scan, and the point is that the index *can* serve the query (its predicate is
matched), which fails when the query compares the payload with a parameter.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from collector.retention.inbox import candidates
from tests.collector.retention.conftest import LATER


def _plan(conn: sa.Connection, statement: sa.Select) -> str:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        text = str(statement.compile(conn, compile_kwargs={"literal_binds": True}))
        return "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {text}"))
    compiled = statement.compile(conn)
    args = tuple(_sqlite(compiled.params[name]) for name in compiled.positiontup or ())
    rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", args)
    return "\n".join(str(row[3]) for row in rows)


def _sqlite(value: object) -> object:
    return value.isoformat(sep=" ") if isinstance(value, datetime) else value


def test_the_prunes_read_of_the_inbox_uses_the_partial_index(engine):
    with engine.begin() as conn:
        plan = _plan(conn, candidates(LATER, 1_000))
    assert "ix_inbox_unpruned" in plan, plan
