"""Build a cluster member for ``collector run --cluster`` from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa

from collector.cluster.coordinator import Coordinator
from collector.cluster.leases import LeaseStore
from collector.cluster.ownership import OwnedConnection, Ownership, StreamSeeder
from collector.runtime.ports import Clock, Connection
from collector.settings import CollectorSettings


@dataclass(frozen=True, slots=True)
class ClusterMember:
    """The filtering connection and the lease coordinator of one member."""

    connection: OwnedConnection
    coordinator: Coordinator

    def start(self, seeder: StreamSeeder) -> None:
        """Let taken-over streams seed ``seeder`` (the sequencer), then take a first share."""
        self.connection.seeder = seeder
        self.coordinator.start()

    def stop(self) -> None:
        """Release every lease and leave (after the batch loop stopped)."""
        self.coordinator.stop()


class LinkedConnection(Connection, Protocol):
    """The broker connection, which can tell whether it is linked (the MQTT consumer)."""

    def is_linked(self) -> bool:
        """True while connected and subscribed."""
        ...


def cluster_member(
    engine: sa.Engine, settings: CollectorSettings, broker: LinkedConnection, clock: Clock
) -> ClusterMember:
    """A member named by its MQTT client id; ``ClusterError`` on a SQLite ledger."""
    ownership = Ownership()
    store = LeaseStore(
        engine,
        member_id=settings.mqtt_client_id,
        partitions=settings.cluster_partitions,
        ttl_s=settings.cluster_lease_ttl_s,
    )
    connection = OwnedConnection(
        broker, ownership=ownership, partitions=settings.cluster_partitions, clock=clock
    )
    coordinator = Coordinator(
        store, ownership, clock=clock, heartbeat_s=settings.cluster_heartbeat_s,
        ttl_s=settings.cluster_lease_ttl_s, lag=connection.lag, linked=broker.is_linked,
    )  # fmt: skip
    return ClusterMember(connection, coordinator)
