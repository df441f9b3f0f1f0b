"""The port the API sends device commands through, and its answers when there is no reply.

The MQTT adapter is ``collector.mqtt.commander.MqttCommander``; tests inject a fake.
"""

from __future__ import annotations

from typing import Protocol

from collector.errors import CollectorError
from edge_agent import wire


class BrokerUnavailableError(CollectorError):
    """The command could not be handed to the broker (nothing was sent)."""


class ReplyTimeoutError(CollectorError):
    """The command was published but the device did not answer in time."""


class DeviceCommander(Protocol):
    """Publishes a command to one device and waits for its reply."""

    def send(
        self, site: str, device_id: str, command: wire.Command, *, timeout_s: float
    ) -> wire.CommandReply:
        """The device's reply; ``BrokerUnavailableError`` or ``ReplyTimeoutError`` otherwise."""
        ...


class NoBroker:
    """``DeviceCommander`` of an API without a broker connection: every command is refused."""

    def __init__(self, why: str = "this API has no broker connection") -> None:
        """``why`` goes into the error."""
        self._why = why

    def send(
        self, site: str, device_id: str, command: wire.Command, *, timeout_s: float
    ) -> wire.CommandReply:
        """Refused at once."""
        raise BrokerUnavailableError(self._why)
