"""Store-and-forward wired together: outbox → forwarder → MQTT link, acks flowing back.

The agent runtime builds one :class:`Delivery` at start (``Delivery.over_mqtt``),
appends every event through it, and stops it on shutdown. Sensor reading never
waits for the network: ``append`` only writes the local outbox.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import datetime

import structlog
from pydantic import BaseModel

from edge_agent import wire
from edge_agent.link.mqtt import MqttLink
from edge_agent.link.settings import LinkSettings
from edge_agent.outbox.forwarder import Forwarder, ForwarderStats
from edge_agent.outbox.sender import DEFAULT_ACK_TIMEOUT_S, DEFAULT_WINDOW
from edge_agent.outbox.store import Outbox

log = structlog.get_logger(__name__)


def online_status(
    *,
    device_id: str,
    epoch: int,
    at: datetime,
    software_version: str,
    config_hash: str,
    calibration_ids: Mapping[str, str],
) -> wire.DeviceStatus:
    """The retained birth message: who this device is and which config and calibration it runs."""
    return wire.DeviceStatus(
        device_id=device_id, state=wire.DeviceState.ONLINE, at=at,
        software_version=software_version, config_hash=config_hash,
        calibration_ids=dict(calibration_ids), epoch=epoch,
    )  # fmt: skip


class Delivery:
    """Runs the forwarder thread and the MQTT link for one device's outbox."""

    def __init__(self, *, outbox: Outbox, forwarder: Forwarder, link: MqttLink) -> None:
        """Use ``Delivery.over_mqtt`` unless a test injects its own parts."""
        self.outbox = outbox
        self.forwarder = forwarder
        self.link = link
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=forwarder.run, args=(self._stop,), name="outbox-forwarder", daemon=True
        )

    @classmethod
    def over_mqtt(
        cls,
        *,
        outbox: Outbox,
        settings: LinkSettings,
        site: str,
        birth: Callable[[], wire.DeviceStatus],
        on_command: Callable[[bytes], None],
        monotonic: Callable[[], float],
        window: int = DEFAULT_WINDOW,
        ack_timeout_s: float = DEFAULT_ACK_TIMEOUT_S,
    ) -> Delivery:
        """Wire an outbox to a broker: acks feed the forwarder, the forwarder publishes."""
        forwarder: Forwarder | None = None

        def on_ack(ack: wire.EventAck) -> None:
            assert forwarder is not None
            forwarder.on_ack(ack)

        def on_connection_change(connected: bool) -> None:
            assert forwarder is not None
            forwarder.on_connection_change(connected)

        link = MqttLink(
            settings, site=site, device_id=outbox.device_id, birth=birth, on_ack=on_ack,
            on_command=on_command, on_connection_change=on_connection_change,
        )  # fmt: skip
        forwarder = Forwarder(outbox=outbox, publisher=link, monotonic=monotonic, window=window,
                              ack_timeout_s=ack_timeout_s)  # fmt: skip
        return cls(outbox=outbox, forwarder=forwarder, link=link)

    def start(self) -> None:
        """Connect (in the background) and start forwarding."""
        self.link.start()
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop forwarding, say ``offline`` and disconnect; the outbox keeps what is unsent."""
        self._stop.set()
        self.forwarder.wake()
        if self._thread.is_alive():
            self._thread.join(timeout_s)
        self.link.stop(timeout_s)
        s = self.forwarder.stats()
        log.info("delivery.stopped", device=self.outbox.device_id, epoch=s.epoch,
                 acked_seq=s.acked_seq, last_seq=s.last_seq)  # fmt: skip

    def append(self, data: BaseModel, observed_at: datetime) -> wire.Event:
        """Store an event durably and nudge the forwarder; raises ``OutboxFullError`` at the cap."""
        event = self.outbox.append(data, observed_at)
        self.forwarder.wake()
        return event

    def resend_from(self, epoch: int, seq: int) -> bool:
        """Serve a RESEND command; False when ``epoch`` is not this outbox's."""
        return self.forwarder.resend_from(epoch, seq)

    def publish_reply(self, reply: wire.CommandReply) -> bool:
        """Answer a command on the replies topic; False while disconnected."""
        return self.link.publish_reply(reply)

    def stats(self) -> ForwarderStats:
        """Delivery counters for the heartbeat."""
        return self.forwarder.stats()
