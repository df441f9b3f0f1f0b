"""A ``DeviceCommander`` for tests: answers at once, times out, or has no broker, as told."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from collector.devices.commands import BrokerUnavailableError, ReplyTimeoutError
from edge_agent import wire


@dataclass
class FakeCommander:
    """Records every command; replies ok with ``result`` unless told to fail another way."""

    result: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    """The device refuses: a reply with ``ok: false`` and this error."""
    times_out: bool = False
    broker_down: bool = False
    sent: list[tuple[str, str, wire.Command, float]] = field(default_factory=list)

    def send(
        self, site: str, device_id: str, command: wire.Command, *, timeout_s: float
    ) -> wire.CommandReply:
        """The reply as configured; never waits."""
        if self.broker_down:
            raise BrokerUnavailableError("not connected to the broker at mqtt://test:1883")
        self.sent.append((site, device_id, command, timeout_s))
        if self.times_out:
            raise ReplyTimeoutError(f"no reply from {device_id} within {timeout_s:g} s")
        return wire.CommandReply(
            command_id=command.command_id, device_id=device_id, ok=self.error is None,
            error=self.error, result=self.result,
        )  # fmt: skip
