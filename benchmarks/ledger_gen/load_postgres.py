"""Bulk-load generated rows into a migrated PostgreSQL ledger with ``COPY``.

The big tables' keys, indexes and the foreign keys touching them are dropped first and
re-created afterwards from their own definitions (``pg_get_constraintdef``,
``pg_get_indexdef``): building an index once is far cheaper than maintaining it row by
row, and re-adding a foreign key validates every row. Then ``VACUUM ANALYZE``, as
autovacuum would have done on a ledger that grew over a year.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg import sql

from benchmarks.ledger_gen.rows import Chunk, FinalRows, Row
from benchmarks.ledger_gen.tables import BULK, FINAL, STREAMED

_SETTINGS = (
    "SET TIME ZONE 'UTC'",  # the rows' instants are UTC text without a zone
    "SET synchronous_commit = off",
    "SET maintenance_work_mem = '1GB'",
)
_FOREIGN_KEYS = """
SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
FROM pg_constraint
WHERE contype = 'f' AND (conrelid = ANY(%(tables)s::regclass[])
                         OR confrelid = ANY(%(tables)s::regclass[]))
ORDER BY 1, 2
"""
_KEYS = """
SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
FROM pg_constraint
WHERE contype IN ('p', 'u') AND conrelid = ANY(%(tables)s::regclass[])
ORDER BY 1, 2
"""
_INDEXES = """
SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid)
FROM pg_index i
WHERE indrelid = ANY(%(tables)s::regclass[])
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
ORDER BY 1
"""


def conninfo(url: str) -> str:
    """The libpq connection string of a SQLAlchemy ``postgresql+psycopg://`` URL."""
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresLoader:
    """Loads chunks into the migrated PostgreSQL database at ``url``."""

    def __init__(self, url: str) -> None:
        """Nothing is opened until ``begin``."""
        self.url = url
        self._conn: psycopg.Connection[Any] | None = None
        self._foreign_keys: list[tuple[str, str, str]] = []
        self._keys: list[tuple[str, str, str]] = []
        self._indexes: list[tuple[str, str]] = []
        self.timings: dict[str, float] = {}

    @property
    def conn(self) -> psycopg.Connection[Any]:
        """The loading connection (after ``begin``)."""
        assert self._conn is not None, "begin() first"
        return self._conn

    def begin(self) -> None:
        """Connect, and drop the big tables' keys, indexes and foreign keys (saved first)."""
        self._conn = psycopg.connect(conninfo(self.url))
        with self.conn.cursor() as cur:
            for setting in _SETTINGS:
                cur.execute(setting)
            tables = {"tables": list(BULK)}
            self._foreign_keys = cur.execute(_FOREIGN_KEYS, tables).fetchall()
            self._keys = cur.execute(_KEYS, tables).fetchall()
            self._indexes = cur.execute(_INDEXES, tables).fetchall()
            for table, name, _ in (*self._foreign_keys, *self._keys):
                cur.execute(
                    sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                        sql.SQL(table), sql.Identifier(name)
                    )
                )
            for name, _ in self._indexes:
                cur.execute(sql.SQL("DROP INDEX {}").format(sql.SQL(name)))
        self.conn.commit()

    def write(self, chunk: Chunk) -> None:
        """COPY a chunk's rows, committed together."""
        with self.conn.cursor() as cur:
            for (table, columns), rows in zip(
                STREAMED.items(), (chunk.inbox, chunk.movements, chunk.links, chunk.layers),
                strict=True,
            ):  # fmt: skip
                _copy(cur, table, columns, rows)
        self.conn.commit()

    def finish(self, final: FinalRows) -> None:
        """The end-of-book tables, then keys, indexes, foreign keys and ``VACUUM ANALYZE``."""
        tables = (final.owners, final.locations, final.items, final.balances, final.shortfalls,
                  final.layers, final.device_progress)  # fmt: skip
        with self.conn.cursor() as cur:
            for (table, columns), rows in zip(FINAL.items(), tables, strict=True):
                _copy(cur, table, columns, rows)
            self.conn.commit()
            started = time.perf_counter()
            for table, name, definition in self._keys:
                cur.execute(_add_constraint(table, name, definition))
            for _, definition in self._indexes:
                cur.execute(sql.SQL(definition))  # a definition from the catalog
            self.conn.commit()
            self.timings["indexes_s"] = time.perf_counter() - started
            started = time.perf_counter()
            for table, name, definition in self._foreign_keys:
                cur.execute(_add_constraint(table, name, definition))
            self.conn.commit()
            self.timings["foreign_keys_s"] = time.perf_counter() - started
        started = time.perf_counter()
        self.conn.autocommit = True
        for table in dict.fromkeys((*BULK, *FINAL)):
            self.conn.execute(sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(table)))
        self.timings["vacuum_s"] = time.perf_counter() - started
        self.conn.close()
        self._conn = None

    def abort(self) -> None:
        """Close without finishing (the database is left half-loaded)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _copy(cur: psycopg.Cursor[Any], table: str, columns: Sequence[str], rows: list[Row]) -> None:
    if not rows:
        return
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with cur.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _add_constraint(table: str, name: str, definition: str) -> sql.Composed:
    return sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
        sql.SQL(table),
        sql.Identifier(name),
        sql.SQL(definition),
    )
