"""The cluster tables (Alembic ``0015_cluster``): who is alive, and who leases which partition.

Coordination state, not stock: nothing here is a ledger posting. Only
``collector.cluster.leases`` writes them; the posting path reads ``cluster_leases``
(``collector.cluster.fence``) to refuse a batch whose lease was lost.
"""

from __future__ import annotations

import sqlalchemy as sa

from collector.ledger.types import NAMING_CONVENTION, UtcDateTime

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

cluster_members = sa.Table(
    "cluster_members",
    metadata,
    sa.Column("member_id", sa.String(64), primary_key=True),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("partitions", sa.Integer, nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("heartbeat_at", UtcDateTime, nullable=False),
)
"""One row per ``collector run --cluster``; alive while ``heartbeat_at`` is within the TTL."""

cluster_leases = sa.Table(
    "cluster_leases",
    metadata,
    sa.Column("partition", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("owner", sa.String(64)),
    sa.Column("token", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("since", UtcDateTime),
    sa.Column("lease_until", UtcDateTime),
    sa.Column("lag_events", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("lag_s", sa.Float),
    sa.Column("reported_at", UtcDateTime),
)
"""One row per partition. ``token`` (the fencing token) goes up by one on every claim;
``owner`` is null once released; a lease is live while ``lease_until`` is in the future
(database time). ``lag_events``/``lag_s``: events the owner received and has not
committed yet, and the age of the oldest, as of its last renewal (``reported_at``)."""
