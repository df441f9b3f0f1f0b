"""Tables of reconciliation and alerts (Alembic ``0003_reconciliation``, ``0005_lane_faults``)."""

from __future__ import annotations

import sqlalchemy as sa

from collector.ledger.types import Micro, UtcDateTime, id_column_type

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

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
    sa.Column("acknowledged_by", sa.String(64)),
    sa.Column("acknowledged_at", UtcDateTime),
    sa.Column("resolved_by", sa.String(64)),
    sa.Column("resolved_at", UtcDateTime),
    sa.Column("resolution", sa.String(16)),
    sa.Column("resolution_reason", sa.Text),
    sa.Column("adjustment_event_id", sa.Uuid),
    sa.Column("active_key", sa.String(512), unique=True),
    sa.Column("dismissed_key", sa.String(512), index=True),
    sa.Index("ix_alerts_status_site", "status", "site"),
)
"""``active_key`` is set while open or acknowledged and NULL once resolved: one active per key.
``dismissed_key`` keeps a dismissed alert's key until its condition ends, so it stays quiet."""

alert_events = sa.Table(
    "alert_events",
    metadata,
    sa.Column("id", id_column_type(), primary_key=True, autoincrement=True),
    sa.Column("alert_id", sa.BigInteger, sa.ForeignKey("alerts.id"), nullable=False, index=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
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
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("last_error", sa.Text),
)
"""Alert changes waiting to be published on MQTT and POSTed to the webhook (durable)."""

reconcile_slots = sa.Table(
    "reconcile_slots",
    metadata,
    sa.Column("site", sa.String(64), primary_key=True),
    sa.Column("location", sa.String(255), primary_key=True),
    sa.Column("sku", sa.String(64), primary_key=True),
    sa.Column("owner", sa.String(64), nullable=False),
    sa.Column("device_id", sa.String(64)),
    sa.Column("lane", sa.String(64)),
    sa.Column("observed", Micro),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("observed_at", UtcDateTime),
    sa.Column("mismatch_since", UtcDateTime),
    sa.Column("mismatch_sign", sa.Integer, nullable=False),
    sa.Column("unresolved", sa.Integer, nullable=False),
    sa.Column("evidence", sa.Text, nullable=False),
)
"""What each lane last said about its (location, SKU), and how long it disagrees with the book."""

reconcile_lanes = sa.Table(
    "reconcile_lanes",
    metadata,
    sa.Column("site", sa.String(64), primary_key=True),
    sa.Column("device_id", sa.String(64), primary_key=True),
    sa.Column("lane", sa.String(64), primary_key=True),
    sa.Column("location", sa.String(255), nullable=False),
    sa.Column("owner", sa.String(64), nullable=False),
    sa.Column("unresolved", sa.Integer, nullable=False),
    sa.Column("evidence", sa.Text, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)
"""Mixed lanes' sensor-fault counters: an unresolved change there names no SKU, so no slot."""

gate_exits = sa.Table(
    "gate_exits",
    metadata,
    sa.Column("id", id_column_type(), primary_key=True, autoincrement=True),
    sa.Column("site", sa.String(64), nullable=False),
    sa.Column("location", sa.String(255), nullable=False),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("epc", sa.String(64), nullable=False),
    sa.Column("event_id", sa.Uuid, nullable=False),
    sa.Column("device_id", sa.String(64), nullable=False),
    sa.Column("seen_at", UtcDateTime, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Index("ix_gate_exits_status", "status", "site", "location", "sku"),
)
"""Tagged units seen leaving through a gate: pending until an outbound movement covers them."""

rfid_presence = sa.Table(
    "rfid_presence",
    metadata,
    sa.Column("site", sa.String(64), primary_key=True),
    sa.Column("location", sa.String(255), primary_key=True),
    sa.Column("epc", sa.String(64), primary_key=True),
    sa.Column("sku", sa.String(64), nullable=False),
    sa.Column("last_seen_at", UtcDateTime, nullable=False),
    sa.Column("event_id", sa.Uuid, nullable=False),
)
"""The last report of each tag by a presence reader: the reader's count of units present."""

device_liveness = sa.Table(
    "device_liveness",
    metadata,
    sa.Column("site", sa.String(64), primary_key=True),
    sa.Column("device_id", sa.String(64), primary_key=True),
    sa.Column("last_seen_at", UtcDateTime, nullable=False),
    sa.Column("interval_s", sa.Float, nullable=False),
)
"""When each device was last heard from (any event), and its heartbeat interval."""

cycle_counts = sa.Table(
    "cycle_counts",
    metadata,
    sa.Column("id", id_column_type(), primary_key=True, autoincrement=True),
    sa.Column("location_prefix", sa.String(255), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("started_by", sa.String(64), nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("start_movement_id", sa.BigInteger, nullable=False),
    sa.Column("closed_by", sa.String(64)),
    sa.Column("closed_at", UtcDateTime),
)
"""A cycle count of every position under a location prefix; movements after the start flag it."""

cycle_count_lines = sa.Table(
    "cycle_count_lines",
    metadata,
    sa.Column("count_id", sa.BigInteger, sa.ForeignKey("cycle_counts.id"), primary_key=True),
    sa.Column("sku", sa.String(64), primary_key=True),
    sa.Column("location", sa.String(255), primary_key=True),
    sa.Column("owner", sa.String(64), primary_key=True),
    sa.Column("book_at_start", Micro, nullable=False),
    sa.Column("counted", Micro),
    sa.Column("counted_by", sa.String(64)),
    sa.Column("counted_at", UtcDateTime),
    sa.Column("book_at_count", Micro),
    sa.Column("moved_during_count", sa.Boolean, nullable=False),
    sa.Column("adjustment_event_id", sa.Uuid),
)
"""One position of a count: the book at start, what was counted, and the adjustment posted."""
