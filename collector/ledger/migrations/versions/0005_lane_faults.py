"""Sensor-fault counters of mixed lanes (``reconcile_lanes``).

Revision ID: 0005_lane_faults
Revises: 0004_dead_letter_dedup
Create Date: 2026-11-25

An unresolved weight change on a lane holding several SKUs names no SKU, so it has
no (location, SKU) slot to count in; the lane's own row counts it. Owned by
``collector.alerts.schema``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from collector.ledger.types import UtcDateTime

revision = "0005_lane_faults"
down_revision = "0004_dead_letter_dedup"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``reconcile_lanes``."""
    op.create_table(
        "reconcile_lanes",
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("lane", sa.String(64), nullable=False),
        sa.Column("location", sa.String(255), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("unresolved", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("site", "device_id", "lane", name=op.f("pk_reconcile_lanes")),
    )


def downgrade() -> None:
    """Drop ``reconcile_lanes`` (mixed lanes start counting afresh)."""
    op.drop_table("reconcile_lanes")
