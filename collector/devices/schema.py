"""The ``device_status`` table: each device's last known state (Alembic ``0011_device_status``).

Written by ``collector run`` (status messages, heartbeats), read by ``collector api``.
It is device state, not stock: nothing here is a ledger posting.
"""

from __future__ import annotations

import sqlalchemy as sa

from collector.ledger.types import NAMING_CONVENTION, UtcDateTime

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

device_status = sa.Table(
    "device_status",
    metadata,
    sa.Column("site", sa.String(64), primary_key=True),
    sa.Column("device_id", sa.String(64), primary_key=True),
    sa.Column("state", sa.String(16)),
    sa.Column("state_changed_at", UtcDateTime),
    sa.Column("software_version", sa.String(64)),
    sa.Column("config_hash", sa.String(128)),
    sa.Column("epoch", sa.BigInteger),
    sa.Column("calibration_ids", sa.Text),
    sa.Column("last_heartbeat_at", UtcDateTime),
    sa.Column("heartbeat_interval_s", sa.Float),
    sa.Column("uptime_s", sa.Float),
    sa.Column("outbox_depth", sa.BigInteger),
    sa.Column("oldest_unsent_age_s", sa.Float),
    sa.Column("outbox_near_cap", sa.Boolean),
    sa.Column("cpu_temp_c", sa.Float),
    sa.Column("sensors", sa.Text),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)
"""One row per device: ``state`` from the retained status topic, the rest from heartbeats.

``state`` is null while only heartbeats were heard; ``calibration_ids`` and ``sensors``
are JSON (an object of lane to calibration id; a list of ``wire.SensorHealth``).
"""
