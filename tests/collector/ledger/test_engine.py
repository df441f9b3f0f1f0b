"""The ledger engine on SQLite: writers take the write lock at BEGIN, readers do not."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from collector.ledger.engine import create_ledger_engine, read_only_connection

SHORT_BUSY_MS = 200


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = create_ledger_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    yield engine
    engine.dispose()


def _impatient(conn: sa.Connection) -> sa.Connection:
    """Wait at most SHORT_BUSY_MS for a lock (set before the connection begins)."""
    conn.connection.dbapi_connection.execute(f"PRAGMA busy_timeout={SHORT_BUSY_MS}")  # type: ignore[union-attr]
    return conn


def test_a_read_only_connection_reads_while_a_writer_holds_the_lock(engine: sa.Engine) -> None:
    with engine.begin() as writer:
        writer.exec_driver_sql("UPDATE t SET n = 2")
        with _impatient(read_only_connection(engine)) as reader:
            assert reader.exec_driver_sql("SELECT n FROM t").scalar_one() == 1  # its snapshot


def test_any_other_connection_waits_for_the_writer_at_begin(engine: sa.Engine) -> None:
    with engine.begin() as writer:
        writer.exec_driver_sql("UPDATE t SET n = 2")
        with _impatient(engine.connect()) as other, pytest.raises(sa.exc.OperationalError):
            other.exec_driver_sql("SELECT n FROM t")
