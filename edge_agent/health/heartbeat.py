"""What goes into a heartbeat, and when one is due. Pure: figures in, wire model out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from edge_agent import wire

DEFAULT_INTERVAL_S = 30.0


@dataclass(frozen=True, slots=True)
class OutboxHealth:
    """The outbox figures a heartbeat reports."""

    depth: int
    oldest_unsent_age_s: float | None
    size_bytes: int
    is_near_cap: bool


class HeartbeatSchedule:
    """Due every ``interval_s`` on a monotonic clock; the first one right at start."""

    def __init__(self, *, interval_s: float = DEFAULT_INTERVAL_S) -> None:
        """A schedule whose first heartbeat is due immediately."""
        if interval_s <= 0:
            raise ValueError(f"heartbeat interval must be positive, got {interval_s} s")
        self.interval_s = interval_s
        self._next_s: float | None = None

    def is_due(self, now_s: float) -> bool:
        """True once per interval; a late check does not bunch up missed beats."""
        if self._next_s is not None and now_s < self._next_s:
            return False
        self._next_s = now_s + self.interval_s
        return True


def build_heartbeat(
    *,
    uptime_s: float,
    interval_s: float,
    software_version: str,
    sensors: Sequence[wire.SensorHealth],
    outbox: OutboxHealth,
    cpu_temp_c: float | None,
) -> wire.DeviceHeartbeat:
    """The heartbeat event body from the figures gathered this interval."""
    return wire.DeviceHeartbeat(
        uptime_s=max(0.0, uptime_s),
        interval_s=interval_s,
        software_version=software_version,
        sensors=list(sensors),
        outbox_depth=outbox.depth,
        oldest_unsent_age_s=outbox.oldest_unsent_age_s,
        outbox_bytes=outbox.size_bytes,
        outbox_near_cap=outbox.is_near_cap,
        cpu_temp_c=cpu_temp_c,
    )
