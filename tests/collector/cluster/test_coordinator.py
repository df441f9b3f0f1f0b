"""Two members' heartbeats on one ledger: claims, rebalance, lost leases, lag, leaving."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from collector.cluster.coordinator import Coordinator, wait_before_next_s
from collector.cluster.leases import PartitionLag
from collector.cluster.ownership import Ownership
from collector.cluster.partitions import partition_of
from collector.cluster.schema import cluster_leases
from collector.cluster.status import read_status
from collector.ledger.ingestor import SqlIngestor
from tests.collector.cluster.conftest import PARTITIONS, TTL_S, lapse, store
from tests.collector.ledger.messages import tx_message
from tests.support.clock import FakeClock, ManualClock

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]


def member(engine: sa.Engine, name: str, lag: dict[int, PartitionLag] | None = None):
    ownership = Ownership()
    coordinator = Coordinator(
        store(engine, name), ownership, clock=ManualClock(), heartbeat_s=1.0, ttl_s=TTL_S,
        lag=lambda: dict(lag or {}),
    )  # fmt: skip
    return coordinator, ownership


def test_a_second_member_gets_half_the_partitions_after_the_first_releases_them(
    pg_engine: sa.Engine,
) -> None:
    a, a_owns = member(pg_engine, "a")
    b, b_owns = member(pg_engine, "b")
    a.tick()
    assert sorted(a_owns.held()) == list(range(PARTITIONS))
    b.tick()  # share 2, but nothing is free yet
    assert b_owns.held() == {}
    a.tick()  # a is over its share: gives up its highest two
    assert sorted(a_owns.held()) == [0, 1]
    b.tick()
    assert sorted(b_owns.held()) == [2, 3]
    assert [g.partition for g in b_owns.take_grants()] == [2, 3]
    assert all(token == 2 for token in b_owns.held().values())  # second claim of each
    with pg_engine.connect() as conn:
        status = read_status(conn, ttl_s=TTL_S)
    assert [(p.partition, p.owner, p.token) for p in status.partitions] == [
        (0, "a", 1), (1, "a", 1), (2, "b", 2), (3, "b", 2),
    ]  # fmt: skip
    assert [(m.member_id, m.alive, m.holding) for m in status.members] == [
        ("a", True, 2), ("b", True, 2),
    ]  # fmt: skip


def test_a_lease_lost_to_another_member_is_revoked_at_the_next_renewal(
    pg_engine: sa.Engine,
) -> None:
    a, a_owns = member(pg_engine, "a")
    a.tick()
    lapse(pg_engine, 0)
    thief = store(pg_engine, "b")
    assert thief.claim(0) == 2
    a.tick()
    assert 0 not in a_owns.held()
    assert sorted(a_owns.held()) == [1, 2, 3]


def test_a_grant_carries_the_ledger_progress_of_its_devices(pg_engine: sa.Engine) -> None:
    device = "pos-7"
    partition = partition_of(device, PARTITIONS)
    SqlIngestor(pg_engine, clock=FakeClock()).ingest([tx_message(n, device=device) for n in (1, 2)])
    a, a_owns = member(pg_engine, "a")
    a.tick()
    [grant] = [g for g in a_owns.take_grants() if g.partition == partition]
    assert [(s.device_id, s.epoch, s.contiguous_seq) for s in grant.streams] == [(device, 1, 2)]


def test_renewals_report_the_lag_and_leaving_frees_every_partition(pg_engine: sa.Engine) -> None:
    a, a_owns = member(pg_engine, "a", lag={1: PartitionLag(events=7, oldest_s=0.4)})
    a.tick()
    a.tick()  # the renewal writes the lag
    with pg_engine.connect() as conn:
        query = sa.select(cluster_leases.c.partition, cluster_leases.c.lag_events)
        lag = {int(p): int(n) for p, n in conn.execute(query).all()}
    assert lag == {0: 0, 1: 7, 2: 0, 3: 0}
    a.stop()
    assert a_owns.held() == {}
    with pg_engine.connect() as conn:
        status = read_status(conn, ttl_s=TTL_S)
    assert [p.live for p in status.partitions] == [False] * PARTITIONS
    assert status.members == []


def test_a_member_cut_off_from_the_broker_gives_its_leases_up_after_a_ttl(
    pg_engine: sa.Engine,
) -> None:
    linked = [True]
    clock = ManualClock()
    ownership = Ownership()
    a = Coordinator(store(pg_engine, "a"), ownership, clock=clock, heartbeat_s=1.0, ttl_s=TTL_S,
                    linked=lambda: linked[0])  # fmt: skip
    a.tick()
    assert len(ownership.held()) == PARTITIONS
    linked[0] = False
    clock.t_s += TTL_S / 2
    a.tick()  # a short drop is ridden out
    assert len(ownership.held()) == PARTITIONS
    clock.t_s += TTL_S
    a.tick()
    assert ownership.held() == {}
    b, b_owns = member(pg_engine, "b")
    b.tick()
    assert len(b_owns.held()) == PARTITIONS  # free at once, not after the TTL


def test_a_member_that_cannot_reach_the_database_for_a_ttl_admits_nothing(
    pg_engine: sa.Engine,
) -> None:
    clock = ManualClock()
    ownership = Ownership()
    leases = store(pg_engine, "a")
    a = Coordinator(leases, ownership, clock=clock, heartbeat_s=1.0, ttl_s=TTL_S)
    assert a.beat()
    assert len(ownership.held()) == PARTITIONS
    cut_off = sa.create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none")
    leases._engine = cut_off  # the database is gone (nothing listens on port 1)
    clock.t_s += 1.0
    assert not a.beat()
    assert len(ownership.held()) == PARTITIONS  # within the TTL: the leases still hold
    clock.t_s += TTL_S
    assert not a.beat()
    assert ownership.held() == {}  # they may have been taken: stop admitting
    cut_off.dispose()


@pytest.mark.parametrize(("took_s", "wait_s"), [(0.0, 1.5), (0.5, 1.0), (1.5, 0.15), (4.0, 0.15)])
def test_the_next_heartbeat_is_due_a_heartbeat_after_the_last_one_started(
    took_s: float, wait_s: float
) -> None:
    assert wait_before_next_s(100.0, 100.0 + took_s, 1.5) == pytest.approx(wait_s)
