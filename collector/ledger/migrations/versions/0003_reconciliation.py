"""Reconciliation and alerts: alerts with their history and pending notifications, lane
readings per (location, SKU), gate exits, RFID presence, device liveness, cycle counts.

Revision ID: 0003_reconciliation
Revises: 0002_timeseries_outbox
Create Date: 2026-11-25

Owned by ``collector.alerts.schema``; a test checks this revision creates exactly
the columns that module's tables declare.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from collector.ledger.types import Micro, UtcDateTime, id_column_type

revision = "0003_reconciliation"
down_revision = "0002_timeseries_outbox"
branch_labels = None
depends_on = None


def _id() -> sa.Column:
    return sa.Column("id", id_column_type(), autoincrement=True, nullable=False)


def upgrade() -> None:
    """Create the reconciliation and alert tables."""
    _alerts()
    _reconcile_state()
    _cycle_counts()


def _alerts() -> None:
    op.create_table(
        "alerts",
        _id(),
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("location", sa.String(255), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("device_id", sa.String(64)),
        sa.Column("expected", Micro()),
        sa.Column("observed", Micro()),
        sa.Column("value_at_risk", Micro()),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("first_seen_at", UtcDateTime(), nullable=False),
        sa.Column("last_seen_at", UtcDateTime(), nullable=False),
        sa.Column("acknowledged_by", sa.String(64)),
        sa.Column("acknowledged_at", UtcDateTime()),
        sa.Column("resolved_by", sa.String(64)),
        sa.Column("resolved_at", UtcDateTime()),
        sa.Column("resolution", sa.String(16)),
        sa.Column("resolution_reason", sa.Text()),
        sa.Column("adjustment_event_id", sa.Uuid()),
        sa.Column("active_key", sa.String(512)),
        sa.Column("dismissed_key", sa.String(512)),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("active_key", name=op.f("uq_alerts_active_key")),
    )
    op.create_index("ix_alerts_status_site", "alerts", ["status", "site"])
    op.create_index("ix_alerts_dismissed_key", "alerts", ["dismissed_key"])
    op.create_table(
        "alert_events",
        _id(),
        sa.Column("alert_id", sa.BigInteger(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("expected", Micro()),
        sa.Column("observed", Micro()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_events")),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_events_alert_id_alerts")
        ),
    )
    op.create_index("ix_alert_events_alert_id", "alert_events", ["alert_id"])
    op.create_table(
        "alert_notifications",
        _id(),
        sa.Column("alert_id", sa.BigInteger(), nullable=False),
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("published_at", UtcDateTime()),
        sa.Column("posted_at", UtcDateTime()),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_notifications")),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_notifications_alert_id_alerts")
        ),
    )


def _reconcile_state() -> None:
    op.create_table(
        "reconcile_slots",
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("location", sa.String(255), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("device_id", sa.String(64)),
        sa.Column("lane", sa.String(64)),
        sa.Column("observed", Micro()),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("observed_at", UtcDateTime()),
        sa.Column("mismatch_since", UtcDateTime()),
        sa.Column("mismatch_sign", sa.Integer(), nullable=False),
        sa.Column("unresolved", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("site", "location", "sku", name=op.f("pk_reconcile_slots")),
    )
    op.create_table(
        "gate_exits",
        _id(),
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("location", sa.String(255), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("epc", sa.String(64), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("seen_at", UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gate_exits")),
    )
    op.create_index("ix_gate_exits_status", "gate_exits", ["status", "site", "location", "sku"])
    op.create_table(
        "rfid_presence",
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("location", sa.String(255), nullable=False),
        sa.Column("epc", sa.String(64), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("last_seen_at", UtcDateTime(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("site", "location", "epc", name=op.f("pk_rfid_presence")),
    )
    op.create_table(
        "device_liveness",
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("last_seen_at", UtcDateTime(), nullable=False),
        sa.Column("interval_s", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("site", "device_id", name=op.f("pk_device_liveness")),
    )


def _cycle_counts() -> None:
    op.create_table(
        "cycle_counts",
        _id(),
        sa.Column("location_prefix", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_by", sa.String(64), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("start_movement_id", sa.BigInteger(), nullable=False),
        sa.Column("closed_by", sa.String(64)),
        sa.Column("closed_at", UtcDateTime()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_counts")),
    )
    op.create_table(
        "cycle_count_lines",
        sa.Column("count_id", sa.BigInteger(), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("location", sa.String(255), nullable=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("book_at_start", Micro(), nullable=False),
        sa.Column("counted", Micro()),
        sa.Column("counted_by", sa.String(64)),
        sa.Column("counted_at", UtcDateTime()),
        sa.Column("book_at_count", Micro()),
        sa.Column("moved_during_count", sa.Boolean(), nullable=False),
        sa.Column("adjustment_event_id", sa.Uuid()),
        sa.PrimaryKeyConstraint(
            "count_id", "sku", "location", "owner", name=op.f("pk_cycle_count_lines")
        ),
        sa.ForeignKeyConstraint(
            ["count_id"],
            ["cycle_counts.id"],
            name=op.f("fk_cycle_count_lines_count_id_cycle_counts"),
        ),
    )


def downgrade() -> None:
    """Drop the tables (alert history is lost: export it first)."""
    for table in (
        "cycle_count_lines",
        "cycle_counts",
        "device_liveness",
        "rfid_presence",
        "gate_exits",
        "reconcile_slots",
        "alert_notifications",
        "alert_events",
        "alerts",
    ):
        op.drop_table(table)
