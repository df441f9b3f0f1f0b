"""Pure: what a status message or a heartbeat changes in a device's row, and how to read it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from edge_agent import wire


def status_fields(status: wire.DeviceStatus, *, received_at: datetime) -> dict[str, Any]:
    """The columns a birth (``online``) or last will (``offline``) sets.

    The will carries only the state, so an ``offline`` keeps what the birth said about
    the device (version, config, calibration): that is still what it last ran.
    """
    fields: dict[str, Any] = {
        "state": status.state.value,
        # the will has no ``at`` and a retained birth may be old: the collector's clock
        # says when the state was learnt, which is what "offline since" means to ops
        "state_changed_at": received_at,
        "updated_at": received_at,
    }
    if status.state is wire.DeviceState.ONLINE:
        fields |= {
            "software_version": status.software_version,
            "config_hash": status.config_hash,
            "epoch": status.epoch,
            "calibration_ids": json.dumps(status.calibration_ids, sort_keys=True),
        }
    return fields


def heartbeat_fields(beat: wire.DeviceHeartbeat, *, observed_at: datetime) -> dict[str, Any]:
    """The columns a ``device.heartbeat`` sets: health figures, outbox depth, sensors."""
    return {
        "last_heartbeat_at": observed_at,
        "heartbeat_interval_s": beat.interval_s,
        "uptime_s": beat.uptime_s,
        "outbox_depth": beat.outbox_depth,
        "oldest_unsent_age_s": beat.oldest_unsent_age_s,
        "outbox_near_cap": beat.outbox_near_cap,
        "cpu_temp_c": beat.cpu_temp_c,
        "sensors": json.dumps([s.model_dump(mode="json") for s in beat.sensors]),
        "updated_at": observed_at,
    }


def parse_status(topic: str, payload: bytes) -> tuple[str, wire.DeviceStatus] | None:
    """(site, status) of a status message; None for an empty (cleared) retained message.

    Raises ``ValueError`` (pydantic's included) when the topic or payload is not a valid
    status, or names another device than its topic.
    """
    address = wire.parse_topic(topic)
    if address.channel is not wire.Channel.STATUS:
        raise ValueError(f"topic {topic!r} is not a status topic")
    if not payload:
        return None
    status = wire.DeviceStatus.model_validate_json(payload)
    if status.device_id != address.device_id:
        raise ValueError(
            f"status of device {status.device_id!r} published on {address.device_id!r}'s topic"
        )
    return address.site, status


def heartbeat_overdue(
    last_heartbeat_at: datetime | None, interval_s: float | None, now: datetime, *, beats: float
) -> bool:
    """True when no heartbeat came for ``beats`` intervals (False if none was ever heard)."""
    if last_heartbeat_at is None or interval_s is None:
        return False
    return (now - last_heartbeat_at).total_seconds() > interval_s * beats
