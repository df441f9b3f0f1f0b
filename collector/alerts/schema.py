"""Alert tables: alerts, their history, their pending notifications (Alembic 0003, 0010)."""

from __future__ import annotations

import sqlalchemy as sa

from collector.ledger.types import (
    ACTOR_CHARS,
    NAMING_CONVENTION,
    Micro,
    UtcDateTime,
    id_column_type,
)

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", id_column_type(), primary_key=True, autoincrement=True),
    sa.Column("site", sa.String(64), nullable=False),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("location", sa.String(255), nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("subject", sa.String(64), nullable=False),
    sa.Column("owner", sa.String(64), nullable=False),
    sa.Column("device_id", sa.String(64)),
    sa.Column("expected", Micro),
    sa.Column("observed", Micro),
    sa.Column("value_at_risk", Micro),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("evidence", sa.Text, nullable=False),
    sa.Column("first_seen_at", UtcDateTime, nullable=False),
    sa.Column("last_seen_at", UtcDateTime, nullable=False),
    sa.Column("acknowledged_by", sa.String(ACTOR_CHARS)),
    sa.Column("acknowledged_at", UtcDateTime),
    sa.Column("resolved_by", sa.String(ACTOR_CHARS)),
    sa.Column("resolved_at", UtcDateTime),
    sa.Column("resolution", sa.String(16)),
    sa.Column("resolution_reason", sa.Text),
    sa.Column("adjustment_event_id", sa.Uuid),
    sa.Column("assignee", sa.String(ACTOR_CHARS)),
    sa.Column("assigned_at", UtcDateTime),
    sa.Column("active_key", sa.String(512), unique=True),
    sa.Column("dismissed_key", sa.String(512), index=True),
    sa.Index("ix_alerts_status_site", "status", "site"),
)
"""``assignee``: who is to look into it (``0010_alert_assign``).
``active_key`` is set while open or acknowledged and NULL once resolved: one active per key.
``dismissed_key`` keeps a dismissed alert's key until its condition ends, so it stays quiet."""

alert_events = sa.Table(
    "alert_events",
    metadata,
    sa.Column("id", id_column_type(), primary_key=True, autoincrement=True),
    sa.Column("alert_id", sa.BigInteger, sa.ForeignKey("alerts.id"), nullable=False, index=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("actor", sa.String(ACTOR_CHARS), nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("expected", Micro),
    sa.Column("observed", Micro),
)
"""The history of every alert: who did what, when and why."""

alert_notifications = sa.Table(
    "alert_notifications",
    metadata,
    sa.Column("id", id_column_type(), primary_key=True, autoincrement=True),
    sa.Column("alert_id", sa.BigInteger, sa.ForeignKey("alerts.id"), nullable=False),
    sa.Column("site", sa.String(64), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("published_at", UtcDateTime),
    sa.Column("posted_at", UtcDateTime),
    sa.Column("charted_at", UtcDateTime),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("last_error", sa.Text),
)
"""Alert changes waiting to be published on MQTT, POSTed to the webhook and charted as
``discrepancy`` points in the time-series outbox (durable)."""
