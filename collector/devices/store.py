"""Writes of ``device_status``: one upsert per status message or heartbeat."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from collector.devices.schema import device_status
from collector.devices.state import heartbeat_fields, status_fields
from edge_agent import wire


def record_status(
    conn: sa.Connection, site: str, status: wire.DeviceStatus, *, received_at: datetime
) -> None:
    """Set a device's state from its birth or last will (status messages come in order)."""
    _upsert(conn, site, status.device_id, status_fields(status, received_at=received_at))


def record_heartbeat(
    conn: sa.Connection,
    site: str,
    device_id: str,
    beat: wire.DeviceHeartbeat,
    *,
    observed_at: datetime,
) -> None:
    """Keep a device's newest heartbeat; an older one (resent from the outbox) changes nothing."""
    fields = heartbeat_fields(beat, observed_at=observed_at)
    table = device_status
    newer = sa.or_(table.c.last_heartbeat_at.is_(None), table.c.last_heartbeat_at < observed_at)
    _upsert(conn, site, device_id, fields, where=newer)


def _upsert(
    conn: sa.Connection,
    site: str,
    device_id: str,
    fields: dict[str, Any],
    *,
    where: sa.ColumnElement[bool] | None = None,
) -> None:
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = insert(device_status).values(site=site, device_id=device_id, **fields)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["site", "device_id"],
            set_={name: statement.excluded[name] for name in fields},
            where=where,
        )
    )
