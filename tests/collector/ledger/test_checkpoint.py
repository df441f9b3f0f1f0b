"""WAL checkpoints beside the writer: commits sync only the WAL, the database file catches up."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from structlog.testing import capture_logs

from collector.ledger.checkpoint import FALLBACK_AUTOCHECKPOINT_PAGES, WalCheckpointer
from collector.ledger.engine import create_ledger_engine

ROWS = 400
ROW_BYTES = 4_000  # ~1.6 MB: far below the fallback threshold, so only the thread checkpoints


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Path:
    return tmp_path / "ledger.db"


@pytest.fixture
def engine(sqlite_file: Path) -> Iterator[sa.Engine]:
    engine = create_ledger_engine(f"sqlite:///{sqlite_file}")
    yield engine
    engine.dispose()


def write_rows(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS blob (id INTEGER PRIMARY KEY, b BLOB)")
        conn.exec_driver_sql(
            "INSERT INTO blob (b) VALUES (?)", [(b"x" * ROW_BYTES,) for _ in range(ROWS)]
        )


def wait_for(condition, timeout_s: float = 5.0) -> bool:
    pause = threading.Event()
    for _ in range(int(timeout_s / 0.05)):
        if condition():
            return True
        pause.wait(0.05)
    return condition()


def test_the_writer_connections_leave_checkpoints_to_the_thread(engine: sa.Engine) -> None:
    WalCheckpointer(engine)
    with engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()
    assert pages == FALLBACK_AUTOCHECKPOINT_PAGES


def test_one_checkpoint_copies_every_committed_frame(engine: sa.Engine) -> None:
    checkpointer = WalCheckpointer(engine)
    write_rows(engine)
    raw = engine.raw_connection()
    try:
        result = checkpointer.run_once(raw.driver_connection)
    finally:
        raw.close()
    assert not result.busy
    assert result.wal_frames > ROWS * ROW_BYTES // 4096
    assert result.checkpointed_frames == result.wal_frames


def test_the_thread_brings_the_database_file_up_to_date(
    engine: sa.Engine, sqlite_file: Path
) -> None:
    checkpointer = WalCheckpointer(engine, interval_s=0.05)
    write_rows(engine)  # committed: in the WAL, not yet in the database file
    assert sqlite_file.stat().st_size < ROWS * ROW_BYTES
    checkpointer.start()
    try:
        assert wait_for(lambda: sqlite_file.stat().st_size >= ROWS * ROW_BYTES)
    finally:
        checkpointer.stop()


def test_without_the_thread_the_database_file_waits_for_the_fallback(
    engine: sa.Engine, sqlite_file: Path
) -> None:
    WalCheckpointer(engine, interval_s=0.05)  # configured, never started
    write_rows(engine)
    assert not wait_for(lambda: sqlite_file.stat().st_size >= ROWS * ROW_BYTES, timeout_s=0.5)


@pytest.mark.postgres
def test_other_databases_need_no_checkpoints(postgres_url: str) -> None:
    engine = create_ledger_engine(postgres_url)
    try:
        checkpointer = WalCheckpointer(engine)
        checkpointer.start()
        assert not checkpointer.enabled
    finally:
        engine.dispose()


def test_a_thread_that_cannot_connect_logs_and_stops(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "ledger.db"
    engine = sa.create_engine(f"sqlite:///{missing}")  # not created: connecting fails
    checkpointer = WalCheckpointer(engine, interval_s=0.01)
    with capture_logs() as logs:
        checkpointer.start()
        checkpointer.stop()
    assert [entry["event"] for entry in logs] == ["ledger.checkpoint_thread_stopped"]
    engine.dispose()
