"""``LeaseFence``: the posting transaction's own check that its partitions' leases still hold.

Injected into ``SqlIngestor``: inside the batch's transaction, after the ledger lock,
it reads the leases of the batch's partitions ``FOR KEY SHARE``. A message is admitted
only when its partition is leased to this member, unexpired, under the very token the
message was received with (``InboundMessage.lease``). A claim by another member takes
the row ``FOR UPDATE SKIP LOCKED``, so it passes the partition by until this transaction
ends: a collector that lost its lease can never commit, and a new owner reads the ledger
only after the old owner's last commit. The owner's own renewals (plain updates of the
row) do not wait:
with ``FOR SHARE`` each renewal queued behind a commit, a member under load renewed its
leases slower than they expired, and the cluster churned its partitions (CI).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from collector.cluster.partitions import partition_of_topic
from collector.cluster.schema import cluster_leases
from collector.ingest.ports import InboundMessage


class LeaseFence:
    """Implements ``collector.ledger.ingestor.BatchFence`` for one cluster member."""

    def __init__(self, *, member_id: str, partitions: int) -> None:
        """The member whose leases admit messages; the cluster's partition count."""
        self._member_id = member_id
        self._partitions = partitions

    def admit(self, conn: sa.Connection, batch: Sequence[InboundMessage]) -> list[bool]:
        """Per message: True when this member may post it in this transaction."""
        partitions = [partition_of_topic(m.topic, self._partitions) for m in batch]
        if not partitions:
            return []
        held = _held(conn, self._member_id, sorted(set(partitions)))
        return [
            m.lease is not None and held.get(p) == m.lease
            for m, p in zip(batch, partitions, strict=True)
        ]


def _held(conn: sa.Connection, member_id: str, partitions: list[int]) -> dict[int, int]:
    """Live leases of ``member_id`` among ``partitions``, locked ``FOR KEY SHARE`` in order."""
    query = (
        sa.select(cluster_leases.c.partition, cluster_leases.c.token)
        .where(
            cluster_leases.c.partition.in_(partitions),
            cluster_leases.c.owner == member_id,
            cluster_leases.c.lease_until > sa.func.clock_timestamp(),
        )
        .order_by(cluster_leases.c.partition)
        .with_for_update(read=True, key_share=True)
    )
    return {int(row.partition): int(row.token) for row in conn.execute(query)}
