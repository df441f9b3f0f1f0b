"""``LeaseStore``: the SQL of membership and partition leases, all timed by the database clock.

Every statement runs in its own short transaction and touches one lease row, so a
renewal or a claim never holds one row while waiting for another (no deadlock with a
posting transaction that holds its partitions ``FOR SHARE``). Times are
``clock_timestamp()`` on the database, so the members' own clocks never matter.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from collector.cluster.errors import ClusterError
from collector.cluster.partitions import partition_of
from collector.cluster.schema import cluster_leases, cluster_members
from collector.ledger.engine import bound_idle_in_transaction
from collector.ledger.schema import device_progress

_NOW = sa.func.clock_timestamp()


def _later(seconds: float) -> sa.ColumnElement[object]:
    return _NOW + sa.func.make_interval(0, 0, 0, 0, 0, 0, seconds)


def _earlier(seconds: float) -> sa.ColumnElement[object]:
    return _NOW - sa.func.make_interval(0, 0, 0, 0, 0, 0, seconds)


@dataclass(frozen=True, slots=True)
class StreamSeed:
    """Where the ledger stands for one device stream: what a new owner starts from."""

    site: str
    device_id: str
    epoch: int
    contiguous_seq: int
    highest_seq: int
    gaps: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class PartitionLag:
    """Events of a partition received and not yet committed, and the oldest one's age."""

    events: int = 0
    oldest_s: float | None = None


class LeaseStore:
    """Membership heartbeats and partition leases of one member on one PostgreSQL ledger."""

    def __init__(self, engine: sa.Engine, *, member_id: str, partitions: int, ttl_s: float) -> None:
        """``engine``: a migrated PostgreSQL ledger (``ClusterError`` on SQLite)."""
        if engine.dialect.name != "postgresql":
            raise ClusterError(
                f"collector run --cluster needs a PostgreSQL ledger, not {engine.dialect.name}: "
                "several collectors share one database (see docs/deploy-ha.md)"
            )
        self._engine = engine
        self.member_id = member_id
        self.partitions = partitions
        self._ttl_s = ttl_s

    @contextmanager
    def _begin(self) -> Iterator[sa.Connection]:
        """A transaction that PostgreSQL ends if this member stalls inside it holding rows."""
        with self._engine.begin() as conn:
            bound_idle_in_transaction(conn)
            yield conn

    def prepare(self) -> None:
        """Make sure the lease rows 0..N-1 exist; ``ClusterError`` if the cluster has another N."""
        with self._begin() as conn:
            existing = conn.execute(sa.select(sa.func.count()).select_from(cluster_leases))
            count = int(existing.scalar_one())
            if count not in (0, self.partitions):
                raise ClusterError(
                    f"the ledger's cluster has {count} partitions but this collector was started "
                    f"with {self.partitions}: set COLLECTOR_CLUSTER_PARTITIONS={count} on every "
                    "member (changing it needs every member stopped first)"
                )
            if count == 0:
                rows = [{"partition": p} for p in range(self.partitions)]
                stmt = pg_insert(cluster_leases).on_conflict_do_nothing()
                conn.execute(stmt, rows)

    def beat(self, *, host: str, pid: int) -> int:
        """Record this member's heartbeat; returns how many members are alive (itself included)."""
        insert = pg_insert(cluster_members).values(
            member_id=self.member_id, host=host, pid=pid, partitions=self.partitions,
            started_at=_NOW, heartbeat_at=_NOW,
        )  # fmt: skip
        upsert = insert.on_conflict_do_update(
            index_elements=[cluster_members.c.member_id],
            set_={"heartbeat_at": _NOW, "host": host, "pid": pid},
        )
        alive = sa.select(sa.func.count()).where(
            cluster_members.c.heartbeat_at > _earlier(self._ttl_s)
        )
        with self._begin() as conn:
            conn.execute(upsert)
            return int(conn.execute(alive).scalar_one())

    def claimable(self) -> set[int]:
        """Partitions no live lease holds: never claimed, released, or expired."""
        query = sa.select(cluster_leases.c.partition).where(
            sa.or_(cluster_leases.c.owner.is_(None), cluster_leases.c.lease_until <= _NOW)
        )
        with self._begin() as conn:
            return set(conn.execute(query).scalars())

    def claim(self, partition: int) -> int | None:
        """Take a free or expired partition: its new fencing token, or None if another got it."""
        stmt = (
            sa.update(cluster_leases)
            .where(
                cluster_leases.c.partition == partition,
                sa.or_(cluster_leases.c.owner.is_(None), cluster_leases.c.lease_until <= _NOW),
            )
            .values(
                owner=self.member_id,
                token=cluster_leases.c.token + 1,
                since=_NOW,
                lease_until=_later(self._ttl_s),
                lag_events=0,
                lag_s=None,
                reported_at=_NOW,
            )
            .returning(cluster_leases.c.token)
        )
        with self._begin() as conn:
            token = conn.execute(stmt).scalar_one_or_none()
        return int(token) if token is not None else None

    def renew(self, partition: int, token: int, lag: PartitionLag) -> bool:
        """Extend a lease still held under ``token``; False when it was lost (expired, taken)."""
        stmt = (
            sa.update(cluster_leases)
            .where(
                cluster_leases.c.partition == partition,
                cluster_leases.c.owner == self.member_id,
                cluster_leases.c.token == token,
                cluster_leases.c.lease_until > _NOW,
            )
            .values(
                lease_until=_later(self._ttl_s),
                lag_events=lag.events,
                lag_s=lag.oldest_s,
                reported_at=_NOW,
            )
            .returning(cluster_leases.c.partition)
        )
        with self._begin() as conn:
            return conn.execute(stmt).scalar_one_or_none() is not None

    def release(self, partition: int, token: int) -> None:
        """Give a partition up now (it waits for a posting transaction that holds it)."""
        stmt = (
            sa.update(cluster_leases)
            .where(
                cluster_leases.c.partition == partition,
                cluster_leases.c.owner == self.member_id,
                cluster_leases.c.token == token,
            )
            .values(owner=None, lease_until=_NOW, lag_events=0, lag_s=None, reported_at=_NOW)
        )
        with self._begin() as conn:
            conn.execute(stmt)

    def leave(self, held: Iterable[tuple[int, int]]) -> None:
        """Release every lease held and drop this member's row (a clean stop)."""
        for partition, token in held:
            self.release(partition, token)
        with self._begin() as conn:
            conn.execute(
                sa.delete(cluster_members).where(cluster_members.c.member_id == self.member_id)
            )

    def streams_of(self, partitions: Iterable[int]) -> dict[int, list[StreamSeed]]:
        """The ledger's progress of every device stream of ``partitions``, by partition
        (one read, after the claims committed)."""
        wanted = set(partitions)
        found: dict[int, list[StreamSeed]] = {p: [] for p in wanted}
        if not wanted:
            return found
        with self._begin() as conn:
            rows = conn.execute(sa.select(device_progress)).all()
        for row in rows:
            partition = partition_of(row.device_id, self.partitions)
            if partition in wanted:
                found[partition].append(_seed(row))
        return found


def _seed(row: sa.Row[Any]) -> StreamSeed:
    return StreamSeed(
        row.site,
        row.device_id,
        int(row.epoch),
        int(row.contiguous_seq),
        int(row.highest_seq),
        tuple((int(a), int(b)) for a, b in json.loads(row.gaps)),
    )
