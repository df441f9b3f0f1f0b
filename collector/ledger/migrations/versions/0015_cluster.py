"""Partition leases for several collectors on one ledger (``collector run --cluster``).

Revision ID: 0015_cluster
Revises: 0016_movements_effective_at
Create Date: 2026-12-02

``cluster_members`` holds each running member's heartbeat; ``cluster_leases`` one row per
partition with its owner, fencing token and lease expiry. See docs/deploy-ha.md.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from collector.ledger.types import UtcDateTime

revision = "0015_cluster"
down_revision = "0016_movements_effective_at"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``cluster_members`` and ``cluster_leases``."""
    op.create_table(
        "cluster_members",
        sa.Column("member_id", sa.String(64), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("partitions", sa.Integer(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("heartbeat_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_cluster_members")),
    )
    op.create_table(
        "cluster_leases",
        sa.Column("partition", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("owner", sa.String(64), nullable=True),
        sa.Column("token", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("since", UtcDateTime(), nullable=True),
        sa.Column("lease_until", UtcDateTime(), nullable=True),
        sa.Column("lag_events", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("lag_s", sa.Float(), nullable=True),
        sa.Column("reported_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("partition", name=op.f("pk_cluster_leases")),
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("cluster_leases")
    op.drop_table("cluster_members")
