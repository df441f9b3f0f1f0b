"""``LeaseStore``: the SQL of membership and partition leases, all timed by the database clock.

Every statement runs in its own short transaction. Renewals and claims each take all
their rows in one statement, and none of them waits for a posting transaction (its fence
holds its partitions ``FOR KEY SHARE``, which a plain update does not conflict with): a
claim skips a row one still holds (``FOR UPDATE SKIP LOCKED``), and since a claim never
waits, a renewal waiting on a row being claimed can close no deadlock cycle. So a
member's heartbeat stays short however loaded the machine is. Times are
``clock_timestamp()`` on the database, so the members' own clocks never matter.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
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


def _earlier(seconds: float) -> sa.ColumnElement[object]:
    return _NOW - sa.func.make_interval(0, 0, 0, 0, 0, 0, seconds)


_CLAIM = sa.text(
    """
    WITH free AS (
        SELECT partition FROM cluster_leases
         WHERE partition = ANY(CAST(:partitions AS integer[]))
           AND (owner IS NULL OR lease_until <= clock_timestamp())
         ORDER BY partition
           FOR UPDATE SKIP LOCKED
    )
    UPDATE cluster_leases AS l
       SET owner = :member, token = l.token + 1, since = clock_timestamp(),
           lease_until = clock_timestamp() + make_interval(secs => :ttl_s),
           lag_events = 0, lag_s = NULL, reported_at = clock_timestamp()
      FROM free
     WHERE l.partition = free.partition
    RETURNING l.partition, l.token
    """
)

_RENEW = sa.text(
    """
    UPDATE cluster_leases AS l
       SET lease_until = clock_timestamp() + make_interval(secs => :ttl_s),
           lag_events = v.lag_events, lag_s = v.lag_s, reported_at = clock_timestamp()
      FROM unnest(CAST(:partitions AS integer[]), CAST(:tokens AS bigint[]),
                  CAST(:lag_events AS bigint[]), CAST(:lag_s AS double precision[]))
           AS v(partition, token, lag_events, lag_s)
     WHERE l.partition = v.partition AND l.token = v.token AND l.owner = :member
       AND l.lease_until > clock_timestamp()
    RETURNING l.partition
    """
)


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
        """Take one free or expired partition (``claim_many``): its new token, or None."""
        return self.claim_many([partition]).get(partition)

    def claim_many(self, partitions: Iterable[int]) -> dict[int, int]:
        """Take those of ``partitions`` that are free or expired, in one statement: partition
        → its new fencing token.

        A partition whose former owner's posting transaction still holds it (its fence reads
        the row ``FOR KEY SHARE``) is skipped, not waited for: the next heartbeat claims it,
        so the new owner reads the ledger only after that last commit, and this member's
        own renewals never wait behind another's commit.
        """
        wanted = sorted(set(partitions))
        if not wanted:
            return {}
        params = {"member": self.member_id, "ttl_s": self._ttl_s, "partitions": wanted}
        with self._begin() as conn:
            return {int(p): int(t) for p, t in conn.execute(_CLAIM, params).all()}

    def renew(self, held: Mapping[int, int], lag: Mapping[int, PartitionLag]) -> set[int]:
        """Extend every lease still held under its token, in one statement; returns those
        renewed (the others were lost: expired, or taken).

        One round trip for all of them: renewed one by one, a member starved of CPU took
        longer to get through its leases than they last, and lost them to the others.
        """
        if not held:
            return set()
        order = sorted(held)
        seen = [lag.get(p, PartitionLag()) for p in order]
        params = {
            "member": self.member_id,
            "ttl_s": self._ttl_s,
            "partitions": order,
            "tokens": [held[p] for p in order],
            "lag_events": [s.events for s in seen],
            "lag_s": [s.oldest_s for s in seen],
        }
        with self._begin() as conn:
            return {int(p) for p in conn.execute(_RENEW, params).scalars()}

    def release(self, partition: int, token: int) -> None:
        """Give a partition up now (a claim skips it while a posting transaction holds it)."""
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
