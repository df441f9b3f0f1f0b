"""Puts a heartbeat event into the outbox every interval; the agent loop calls ``tick``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import structlog
from pydantic import BaseModel

from edge_agent import wire
from edge_agent.errors import OutboxFullError
from edge_agent.health.heartbeat import HeartbeatSchedule, OutboxHealth, build_heartbeat
from edge_agent.outbox.store import Outbox

log = structlog.get_logger(__name__)


def outbox_health(outbox: Outbox, now: datetime) -> OutboxHealth:
    """Read the outbox's heartbeat figures."""
    return OutboxHealth(
        depth=outbox.unsent_count(),
        oldest_unsent_age_s=outbox.oldest_unsent_age_s(now),
        size_bytes=outbox.size_bytes(),
        is_near_cap=outbox.is_near_cap,
    )


class HeartbeatReporter:
    """Builds and appends a ``device.heartbeat`` event whenever one is due."""

    def __init__(
        self,
        *,
        outbox: Outbox,
        append: Callable[[BaseModel, datetime], wire.Event],
        sensors: Callable[[], Sequence[wire.SensorHealth]],
        cpu_temp_c: Callable[[], float | None],
        software_version: str,
        started_s: float,
        schedule: HeartbeatSchedule | None = None,
    ) -> None:
        """``append`` is usually ``Delivery.append``; ``sensors`` reports and resets counters."""
        self._outbox = outbox
        self._append = append
        self._sensors = sensors
        self._cpu_temp_c = cpu_temp_c
        self._software_version = software_version
        self._started_s = started_s
        self._schedule = schedule or HeartbeatSchedule()

    def tick(self, *, now_s: float, now: datetime) -> wire.DeviceHeartbeat | None:
        """Append a heartbeat if one is due; returns it, or ``None``."""
        if not self._schedule.is_due(now_s):
            return None
        health = outbox_health(self._outbox, now)
        beat = build_heartbeat(
            uptime_s=now_s - self._started_s,
            interval_s=self._schedule.interval_s,
            software_version=self._software_version,
            sensors=self._sensors(),
            outbox=health,
            cpu_temp_c=self._cpu_temp_c(),
        )
        if health.is_near_cap:
            log.warning("outbox.near_cap", device=self._outbox.device_id,
                        size_bytes=health.size_bytes, max_bytes=self._outbox.max_bytes)  # fmt: skip
        try:
            self._append(beat, now)
        except OutboxFullError:
            log.error("heartbeat.dropped_outbox_full", device=self._outbox.device_id,
                      outbox_depth=health.depth)  # fmt: skip
        return beat
