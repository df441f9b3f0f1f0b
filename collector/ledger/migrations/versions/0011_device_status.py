"""Each device's last known state, for ``GET /api/v1/devices``.

Revision ID: 0011_device_status
Revises: 0010_alert_assign
Create Date: 2026-12-02

``collector run`` writes it from the retained birth and last-will messages on each
device's ``status`` topic and from ``device.heartbeat`` events; ``collector api`` reads it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from collector.ledger.types import UtcDateTime

revision = "0011_device_status"
down_revision = "0010_alert_assign"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``device_status``."""
    op.create_table(
        "device_status",
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=True),
        sa.Column("state_changed_at", UtcDateTime(), nullable=True),
        sa.Column("software_version", sa.String(64), nullable=True),
        sa.Column("config_hash", sa.String(128), nullable=True),
        sa.Column("epoch", sa.BigInteger(), nullable=True),
        sa.Column("calibration_ids", sa.Text(), nullable=True),
        sa.Column("last_heartbeat_at", UtcDateTime(), nullable=True),
        sa.Column("heartbeat_interval_s", sa.Float(), nullable=True),
        sa.Column("uptime_s", sa.Float(), nullable=True),
        sa.Column("outbox_depth", sa.BigInteger(), nullable=True),
        sa.Column("oldest_unsent_age_s", sa.Float(), nullable=True),
        sa.Column("outbox_near_cap", sa.Boolean(), nullable=True),
        sa.Column("cpu_temp_c", sa.Float(), nullable=True),
        sa.Column("sensors", sa.Text(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("site", "device_id", name=op.f("pk_device_status")),
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_table("device_status")
