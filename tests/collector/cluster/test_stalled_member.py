"""A member cut off from PostgreSQL mid-transaction does not hold the others up for long.

Its session sits "idle in transaction" on the server, holding the ledger lock and the
lease rows its fence read ``FOR KEY SHARE``; PostgreSQL ends it after the writer's idle
timeout, so other writers go on and another member can claim the leases.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from collector.cluster.schema import cluster_leases
from collector.ledger import session as session_module
from collector.ledger.engine import WRITER_IDLE_TIMEOUT_S, lock_ledger
from collector.ledger.session import PostingSession
from tests.collector.cluster.conftest import in_thread, lapse, store

pytestmark = pytest.mark.postgres

IDLE_S = 0.5


@pytest.fixture
def short_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    """The posting session's idle bound shortened, so that a test waits half a second."""
    monkeypatch.setattr(session_module, "WRITER_IDLE_TIMEOUT_S", IDLE_S)


@pytest.fixture
def stalled(pg_engine: sa.Engine, short_idle: None) -> Iterator[sa.Connection]:
    """A posting session that took the ledger lock and read partition 0's lease, then stalled."""
    store(pg_engine, "m1").claim(0)
    conn = pg_engine.connect()
    conn.begin()
    PostingSession(conn, now=datetime.now(UTC))
    conn.execute(sa.select(cluster_leases.c.token).where(cluster_leases.c.partition == 0)
                 .with_for_update(read=True, key_share=True))  # fmt: skip
    try:
        yield conn  # and now it says nothing more, as if its host had frozen
    finally:
        conn.invalidate()
        conn.close()


def test_another_writer_gets_the_ledger_lock_once_a_stalled_session_is_ended(
    pg_engine: sa.Engine, stalled: sa.Connection
) -> None:
    def write() -> None:
        with pg_engine.begin() as conn:
            lock_ledger(conn)

    finished, took_s = in_thread(write, timeout_s=IDLE_S + 5)
    assert finished, "a stalled writer's transaction kept the ledger lock"
    assert took_s >= IDLE_S * 0.8  # it did wait for the stalled one first
    with pytest.raises(sa.exc.DBAPIError):  # the server ended the stalled session
        stalled.execute(sa.select(1))


def test_another_member_claims_a_lease_a_stalled_session_read_for_share(
    pg_engine: sa.Engine, stalled: sa.Connection
) -> None:
    lapse(pg_engine, 0)
    m2 = store(pg_engine, "m2")
    assert m2.claim(0) is None  # skipped while the stalled session holds the row
    deadline_s = time.monotonic() + IDLE_S + 5
    token = None
    while token is None and time.monotonic() < deadline_s:
        time.sleep(0.1)  # the heartbeats of the member that claims
        token = m2.claim(0)
    assert token == 2, "the stalled member's share lock kept the lease from being claimed"


def test_the_lease_store_bounds_its_own_transactions_idle_time(pg_engine: sa.Engine) -> None:
    leases = store(pg_engine, "m1")
    with leases._begin() as conn:
        shown = conn.execute(sa.text("SHOW idle_in_transaction_session_timeout")).scalar_one()
    assert shown == f"{int(WRITER_IDLE_TIMEOUT_S)}s"
    with pg_engine.connect() as conn:  # SET LOCAL: other transactions are left alone
        assert conn.execute(sa.text("SHOW idle_in_transaction_session_timeout")).scalar_one() == "0"
