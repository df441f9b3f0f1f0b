"""Read queries of the devices' state (``device_status``): the fleet a page at a time, one device.

Devices are not owner data: no client token reads them (``Action.READ_DEVICES``), so the
queries take no owner scope.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from collector.devices.schema import device_status
from edge_agent import wire


@dataclass(frozen=True, slots=True)
class DeviceFilter:
    """Which devices a list shows."""

    site: str | None = None
    online: bool | None = None


@dataclass(frozen=True, slots=True)
class DeviceView:
    """One device's last known state."""

    site: str
    device_id: str
    state: str | None
    state_changed_at: datetime | None
    software_version: str | None
    config_hash: str | None
    epoch: int | None
    calibration_ids: dict[str, str]
    last_heartbeat_at: datetime | None
    heartbeat_interval_s: float | None
    uptime_s: float | None
    outbox_depth: int | None
    oldest_unsent_age_s: float | None
    outbox_near_cap: bool | None
    cpu_temp_c: float | None
    sensors: list[wire.SensorHealth]
    updated_at: datetime

    @property
    def is_online(self) -> bool:
        """True when the retained status says ``online``."""
        return self.state == wire.DeviceState.ONLINE.value


def device_page(
    conn: sa.Connection, flt: DeviceFilter, *, limit: int, after: tuple[str, str] | None = None
) -> list[DeviceView]:
    """Devices by site then id, from just after ``after`` (the last of the previous page)."""
    t = device_status
    query = sa.select(t).where(*_conditions(flt))
    if after is not None:
        query = query.where(sa.tuple_(t.c.site, t.c.device_id) > sa.tuple_(*after))
    query = query.order_by(t.c.site, t.c.device_id).limit(limit)
    return [_view(row) for row in conn.execute(query).mappings()]


def find_device(conn: sa.Connection, device_id: str) -> DeviceView | None:
    """The device of that id (ids are unique per broker user; else the newest row of them)."""
    t = device_status
    query = sa.select(t).where(t.c.device_id == device_id).order_by(t.c.updated_at.desc())
    row = conn.execute(query.limit(1)).mappings().first()
    return _view(row) if row is not None else None


def _conditions(flt: DeviceFilter) -> list[sa.ColumnElement[bool]]:
    t = device_status
    found: list[sa.ColumnElement[bool]] = []
    if flt.site is not None:
        found.append(t.c.site == flt.site)
    online = wire.DeviceState.ONLINE.value
    if flt.online is True:
        found.append(t.c.state == online)
    elif flt.online is False:
        found.append(sa.or_(t.c.state.is_(None), t.c.state != online))
    return found


def _view(row: sa.RowMapping) -> DeviceView:
    fields: dict[str, Any] = dict(row)
    fields["calibration_ids"] = json.loads(row["calibration_ids"] or "{}")
    fields["sensors"] = [
        wire.SensorHealth.model_validate(s) for s in json.loads(row["sensors"] or "[]")
    ]
    return DeviceView(**fields)


def devices_by_site(conn: sa.Connection) -> dict[str, tuple[int, int]]:
    """Per site: devices online and devices not (offline, or never heard from)."""
    t = device_status
    online = sa.func.sum(sa.case((t.c.state == wire.DeviceState.ONLINE.value, 1), else_=0))
    query = sa.select(t.c.site, online, sa.func.count()).group_by(t.c.site).order_by(t.c.site)
    return {
        site: (int(up or 0), int(total) - int(up or 0)) for site, up, total in conn.execute(query)
    }
