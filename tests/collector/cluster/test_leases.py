"""The lease store's SQL on a real PostgreSQL ledger: renewals and claims in one statement."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from collector.cluster.leases import PartitionLag
from collector.cluster.schema import cluster_leases
from tests.collector.cluster.conftest import lapse, store

pytestmark = pytest.mark.postgres


def _lag_rows(engine: sa.Engine) -> dict[int, tuple[int, float | None]]:
    query = sa.select(cluster_leases.c.partition, cluster_leases.c.lag_events,
                      cluster_leases.c.lag_s)  # fmt: skip
    with engine.connect() as conn:
        return {int(p): (int(n), s) for p, n, s in conn.execute(query).all()}


def test_one_renewal_extends_the_leases_still_held_and_reports_the_rest_lost(
    pg_engine: sa.Engine,
) -> None:
    a, b = store(pg_engine, "a"), store(pg_engine, "b")
    tokens = {p: a.claim(p) for p in range(4)}
    held = {p: t for p, t in tokens.items() if t is not None}
    assert len(held) == 4
    lapse(pg_engine, 1)  # expired, nobody took it yet
    lapse(pg_engine, 2)
    assert b.claim(2) == held[2] + 1  # taken by b
    lag = {0: PartitionLag(events=7, oldest_s=0.4)}
    assert a.renew({**held, 3: held[3] + 5}, lag) == {0}  # 3: a token a no longer has
    assert a.renew({3: held[3]}, {}) == {3}
    assert _lag_rows(pg_engine)[0] == (7, 0.4)
    assert _lag_rows(pg_engine)[3] == (0, None)


def test_renewing_nothing_asks_the_database_nothing(pg_engine: sa.Engine) -> None:
    leases = store(pg_engine, "a")
    statements: list[str] = []
    sa.event.listen(pg_engine, "before_cursor_execute",
                    lambda _c, _k, sql, *_rest: statements.append(sql))  # fmt: skip
    assert leases.renew({}, {}) == set()
    assert statements == []


def test_one_claim_takes_every_free_or_expired_partition_and_leaves_live_ones(
    pg_engine: sa.Engine,
) -> None:
    a, b = store(pg_engine, "a"), store(pg_engine, "b")
    assert a.claim_many([0, 1]) == {0: 1, 1: 1}
    lapse(pg_engine, 1)
    assert b.claim_many([0, 1, 2, 3]) == {1: 2, 2: 1, 3: 1}  # 0 is a's, alive
    assert b.claim_many([]) == {}


def test_a_claim_skips_a_partition_a_posting_transaction_still_holds(
    pg_engine: sa.Engine,
) -> None:
    a, b = store(pg_engine, "a"), store(pg_engine, "b")
    token = a.claim(0)
    assert token is not None
    a.release(0, token)
    with pg_engine.begin() as conn:  # as the fence of a's last batch still reads it
        conn.execute(sa.select(cluster_leases.c.token).where(cluster_leases.c.partition == 0)
                     .with_for_update(read=True, key_share=True))  # fmt: skip
        started = time.monotonic()
        assert b.claim_many([0, 1]) == {1: 1}  # not waited for: the heartbeat must go on
        assert time.monotonic() - started < 1.0
    assert b.claim(0) == token + 1  # the next heartbeat gets it, after a's commit
