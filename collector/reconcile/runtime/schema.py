"""The reconciler's memory and the cycle counts, in the ledger database.

Alembic ``0003_reconciliation`` and ``0005_lane_faults`` create them.
"""

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
    sa.Column("started_by", sa.String(ACTOR_CHARS), nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("start_movement_id", sa.BigInteger, nullable=False),
    sa.Column("closed_by", sa.String(ACTOR_CHARS)),
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
    sa.Column("counted_by", sa.String(ACTOR_CHARS)),
    sa.Column("counted_at", UtcDateTime),
    sa.Column("book_at_count", Micro),
    sa.Column("moved_during_count", sa.Boolean, nullable=False),
    sa.Column("adjustment_event_id", sa.Uuid),
)
"""One position of a count: the book at start, what was counted, and the adjustment posted."""
