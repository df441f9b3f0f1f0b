"""Bulk-load generated rows into a migrated SQLite ledger: a few big transactions.

During the load: WAL, ``synchronous=OFF``, foreign keys off and the big tables'
secondary indexes dropped; afterwards the indexes are rebuilt from their own stored
definitions, ``PRAGMA foreign_key_check`` must find nothing, and the WAL is checkpointed
into the file. The database is then exactly what the migrations made, plus the rows.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from benchmarks.ledger_gen.rows import Chunk, FinalRows
from benchmarks.ledger_gen.tables import BULK, FINAL, STREAMED

COMMIT_EVERY_LINES = 1_000_000
"""Journal lines per transaction: a few big ones, as the WAL grows with each."""
_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=OFF",
    "PRAGMA foreign_keys=OFF",
    "PRAGMA cache_size=-524288",  # 512 MiB: the inbox's UUID index is written at random
    "PRAGMA temp_store=MEMORY",
)


class LoadError(RuntimeError):
    """The loaded rows break the schema's constraints."""


def _insert(table: str, columns: tuple[str, ...]) -> str:
    marks = ", ".join("?" for _ in columns)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"


class SqliteLoader:
    """Loads chunks into the SQLite file at ``path`` (created by the migrations)."""

    def __init__(self, path: Path) -> None:
        """Nothing is opened until ``begin``."""
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._indexes: list[tuple[str, str]] = []
        self._uncommitted = 0
        self.timings: dict[str, float] = {}

    @property
    def conn(self) -> sqlite3.Connection:
        """The loading connection (after ``begin``)."""
        assert self._conn is not None, "begin() first"
        return self._conn

    def begin(self) -> None:
        """Open with the loading pragmas and drop the big tables' secondary indexes."""
        self._conn = sqlite3.connect(self.path, isolation_level=None)
        for pragma in _PRAGMAS:
            self.conn.execute(pragma)
        marks = ", ".join("?" for _ in BULK)
        self._indexes = self.conn.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks}) ORDER BY name",
            BULK,
        ).fetchall()
        for name, _ in self._indexes:
            self.conn.execute(f'DROP INDEX "{name}"')
        self.conn.execute("BEGIN")

    def write(self, chunk: Chunk) -> None:
        """Insert a chunk's rows; commit every ``COMMIT_EVERY_LINES`` journal lines."""
        conn = self.conn
        for (table, columns), rows in zip(
            STREAMED.items(), (chunk.inbox, chunk.movements, chunk.links, chunk.layers),
            strict=True,
        ):  # fmt: skip
            if rows:
                conn.executemany(_insert(table, columns), rows)
        self._uncommitted += len(chunk.movements)
        if self._uncommitted >= COMMIT_EVERY_LINES:
            conn.execute("COMMIT")
            conn.execute("BEGIN")
            self._uncommitted = 0

    def finish(self, final: FinalRows) -> None:
        """The end-of-book tables, then indexes, the foreign-key check and a checkpoint."""
        conn = self.conn
        tables = (final.owners, final.locations, final.items, final.balances, final.shortfalls,
                  final.layers, final.device_progress)  # fmt: skip
        for (table, columns), rows in zip(FINAL.items(), tables, strict=True):
            if rows:
                conn.executemany(_insert(table, columns), rows)
        conn.execute("COMMIT")
        started = time.perf_counter()
        for _, sql in self._indexes:
            conn.execute(sql)
        self.timings["indexes_s"] = time.perf_counter() - started
        started = time.perf_counter()
        broken = conn.execute("PRAGMA foreign_key_check").fetchmany(5)
        self.timings["foreign_keys_s"] = time.perf_counter() - started
        if broken:
            raise LoadError(f"rows break foreign keys (table, rowid, parent, fk): {broken}")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        self._conn = None

    def abort(self) -> None:
        """Close without finishing (the file is left half-loaded: the caller removes it)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
