"""Time-series outbox: points waiting for InfluxDB (a row per ledger batch), and refused points.

Revision ID: 0002_timeseries_outbox
Revises: 0001_ledger
Create Date: 2026-11-25

Owned by ``collector.timeseries.outbox``; a test checks this revision creates
exactly the columns that module's tables declare.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from collector.ledger import types

revision = "0002_timeseries_outbox"
down_revision = "0001_ledger"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``timeseries_outbox`` and ``timeseries_rejected``."""
    op.create_table(
        "timeseries_outbox",
        sa.Column("id", types.id_column_type(), autoincrement=True, nullable=False),
        sa.Column("lines", sa.Text(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("recorded_at", types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeseries_outbox")),
    )
    op.create_table(
        "timeseries_rejected",
        sa.Column("id", types.id_column_type(), autoincrement=True, nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_at", types.UtcDateTime(), nullable=False),
        sa.Column("rejected_at", types.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeseries_rejected")),
    )


def downgrade() -> None:
    """Drop both tables (waiting points are lost: drain first, or backfill afterwards)."""
    op.drop_table("timeseries_rejected")
    op.drop_table("timeseries_outbox")
