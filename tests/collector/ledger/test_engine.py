"""The ledger engine on SQLite: writers take the write lock at BEGIN, readers do not."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from collector.ledger.engine import (
    PG_DEAD_LINK_DEFAULTS,
    create_ledger_engine,
    read_only_connection,
)
from tests.support.services import POSTGRES_ADMIN_URL

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


def _receipts(engine: sa.Engine, count: int, first_seq: int) -> None:
    from collector.ledger.ingestor import SqlIngestor  # noqa: PLC0415
    from tests.collector.ledger.messages import tx_message  # noqa: PLC0415
    from tests.support.clock import FakeClock  # noqa: PLC0415

    SqlIngestor(engine, clock=FakeClock()).ingest(
        [tx_message(first_seq + n, qty=1) for n in range(count)]
    )


def test_a_sqlite_ledger_is_analysed_once_and_again_after_it_grew(tmp_path: Path) -> None:
    from collector.ledger import engine as ledger_engine  # noqa: PLC0415
    from collector.ledger.engine import open_ledger, refresh_planner_statistics  # noqa: PLC0415
    from tests.collector.ledger.messages import add_items  # noqa: PLC0415

    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = open_ledger(url)
    add_items(engine)
    _receipts(engine, 20, 1)
    assert refresh_planner_statistics(engine) is True  # rows, never analysed with them
    with engine.connect() as conn:
        stats = conn.exec_driver_sql("SELECT idx FROM sqlite_stat1 WHERE tbl = 'movements'")
        assert "ix_movements_effective_at" in set(stats.scalars())
    assert refresh_planner_statistics(engine) is False  # nothing new: no second ANALYZE
    ledger_engine.STATISTICS_GROWTH = 1  # grow past the mark without a thousand lines
    try:
        _receipts(engine, 1, 100)
        assert refresh_planner_statistics(engine) is False  # within the 1,000-line slack
    finally:
        ledger_engine.STATISTICS_GROWTH = 10
    engine.dispose()


def test_postgresql_keeps_its_own_statistics() -> None:
    from collector.ledger.engine import refresh_planner_statistics  # noqa: PLC0415

    engine = sa.create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    assert refresh_planner_statistics(engine) is False  # autovacuum analyses; never touched
    engine.dispose()


def test_a_delete_does_not_write_the_freed_pages_again(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    engine = create_ledger_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE big (body TEXT)")
        conn.exec_driver_sql("INSERT INTO big VALUES (?)", ("x" * 1_000_000,))
    raw = engine.raw_connection()  # outside a transaction: an empty WAL to measure from
    raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
    raw.close()
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM big")
    wal_bytes = Path(f"{path}-wal").stat().st_size
    engine.dispose()
    # zeroing the row's ~250 freed overflow pages would write a megabyte into the WAL
    assert wal_bytes < 100_000


@pytest.mark.postgres
def test_a_postgresql_link_that_goes_silent_is_given_up_and_the_url_may_say_otherwise() -> None:
    url = sa.make_url(POSTGRES_ADMIN_URL).update_query_dict({"keepalives_idle": "7"})
    engine = create_ledger_engine(url.render_as_string(hide_password=False))
    with engine.connect() as conn:
        used = conn.connection.dbapi_connection.info.get_parameters()  # type: ignore[union-attr]
    engine.dispose()
    # a frozen network then ends the session in ~30 s, not when TCP gives up hours later
    assert used["tcp_user_timeout"] == str(PG_DEAD_LINK_DEFAULTS["tcp_user_timeout"])
    assert used["keepalives"] == "1"
    assert used["keepalives_idle"] == "7"  # the URL's own wins
