"""A migrated PostgreSQL ledger of each test's own, and lease stores of two members on it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

from collector.cluster.leases import LeaseStore
from collector.ledger.engine import open_ledger
from tests.collector.ledger.messages import add_items
from tests.support.services import fresh_postgres_database

PARTITIONS = 4
TTL_S = 5.0


@pytest.fixture
def pg_engine() -> Iterator[sa.Engine]:
    """An empty, migrated PostgreSQL ledger with SKU-1 and SKU-2, dropped after the test."""
    with fresh_postgres_database() as url:
        engine = open_ledger(url)
        add_items(engine)
        yield engine
        engine.dispose()


def store(engine: sa.Engine, member_id: str) -> LeaseStore:
    """The lease store of ``member_id`` with the tests' partition count, rows prepared."""
    leases = LeaseStore(engine, member_id=member_id, partitions=PARTITIONS, ttl_s=TTL_S)
    leases.prepare()
    return leases


def lapse(engine: sa.Engine, partition: int) -> None:
    """Let a lease run out now, as a member that stopped renewing it would."""
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE cluster_leases SET lease_until = clock_timestamp() - interval '1 second' "
                "WHERE partition = :p"
            ),
            {"p": partition},
        )


def in_thread(work: Callable[[], object], timeout_s: float) -> tuple[bool, float]:
    """Run ``work()`` on a thread: (finished within ``timeout_s``, seconds it took)."""
    started = time.monotonic()
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(timeout_s)
    return not thread.is_alive(), time.monotonic() - started
