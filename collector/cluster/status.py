"""What ``collector cluster status`` shows: each partition's lease, and the members."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from collector.cluster.schema import cluster_leases, cluster_members


@dataclass(frozen=True, slots=True)
class PartitionStatus:
    """One partition's lease as the database has it now."""

    partition: int
    owner: str | None
    since: datetime | None
    token: int
    expires_in_s: float | None
    """Seconds until the lease lapses (negative: lapsed, free to claim)."""
    lag_events: int
    lag_s: float | None

    @property
    def live(self) -> bool:
        """True while an owner holds it unexpired."""
        return self.owner is not None and (self.expires_in_s or 0) > 0


@dataclass(frozen=True, slots=True)
class MemberStatus:
    """One member's last heartbeat and what it holds."""

    member_id: str
    host: str
    pid: int
    started_at: datetime
    heartbeat_age_s: float
    alive: bool
    holding: int


@dataclass(frozen=True, slots=True)
class ClusterStatus:
    """Partitions and members, read in one transaction on the database clock."""

    partitions: list[PartitionStatus]
    members: list[MemberStatus]


def read_status(conn: sa.Connection, *, ttl_s: float) -> ClusterStatus:
    """The lease table and the members; a member is alive within ``ttl_s`` of its heartbeat."""
    now = _database_now(conn)
    leases = conn.execute(sa.select(cluster_leases).order_by(cluster_leases.c.partition)).all()
    partitions = [
        PartitionStatus(
            partition=int(row.partition),
            owner=row.owner,
            since=row.since,
            token=int(row.token),
            expires_in_s=_seconds(row.lease_until - now) if row.lease_until else None,
            lag_events=int(row.lag_events),
            lag_s=row.lag_s,
        )
        for row in leases
    ]
    holding: dict[str, int] = {}
    for p in partitions:
        if p.live and p.owner is not None:
            holding[p.owner] = holding.get(p.owner, 0) + 1
    rows = conn.execute(sa.select(cluster_members).order_by(cluster_members.c.member_id)).all()
    members = [
        MemberStatus(
            member_id=row.member_id,
            host=row.host,
            pid=int(row.pid),
            started_at=row.started_at,
            heartbeat_age_s=_seconds(now - row.heartbeat_at),
            alive=_seconds(now - row.heartbeat_at) < ttl_s,
            holding=holding.get(row.member_id, 0),
        )
        for row in rows
    ]
    return ClusterStatus(partitions, members)


def _database_now(conn: sa.Connection) -> datetime:
    """The database's clock, which the leases are timed by (SQLite has no cluster: ours)."""
    if conn.dialect.name != "postgresql":
        return datetime.now(UTC)
    now: datetime = conn.execute(sa.select(sa.func.clock_timestamp())).scalar_one()
    return now


def _seconds(delta: timedelta) -> float:
    return round(delta.total_seconds(), 1)
