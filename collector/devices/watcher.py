"""``collector run``'s watch of the retained ``status`` topics: births and last wills to the DB.

A connection of its own, with a clean session: the broker hands every retained status
on subscribe, so nothing must survive a restart.  It is kept apart from the ledger's
persistent session so a status message can never be mistaken for an event.
"""

from __future__ import annotations

import ssl
from typing import Any

import paho.mqtt.client as paho
import sqlalchemy as sa
import structlog
from paho.mqtt.enums import CallbackAPIVersion

from collector.clock import Clock
from collector.devices.state import parse_status
from collector.devices.store import record_status
from collector.mqtt.address import BrokerAddress
from edge_agent import wire

log = structlog.get_logger("collector.devices")


class StatusWatcher:
    """Subscribes to ``inventory/v1/{site}/+/status`` and records each device's state."""

    def __init__(
        self,
        *,
        address: BrokerAddress,
        client_id: str,
        site: str,
        engine: sa.Engine,
        clock: Clock,
        reconnect_max_s: float = 60.0,
    ) -> None:
        """Configure the client; nothing connects until ``start``."""
        self._address = address
        self._engine = engine
        self._clock = clock
        self.topic = wire.status_topic(site, "+")
        self._client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True
        )
        if address.username:
            self._client.username_pw_set(address.username, address.password)
        if address.tls:
            self._client.tls_set(ca_certs=address.ca_file, certfile=address.cert_file,
                                 keyfile=address.key_file, cert_reqs=ssl.CERT_REQUIRED)  # fmt: skip
        self._client.reconnect_delay_set(1, max(1, int(reconnect_max_s)))
        self._client.on_connect = self._on_connect
        self._client.on_message = self._on_message

    def start(self) -> None:
        """Connect in paho's own thread, which reconnects until ``stop``."""
        self._client.connect_async(self._address.host, self._address.port, keepalive=30)
        self._client.loop_start()

    def stop(self) -> None:
        """Disconnect and end the thread."""
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(self, client: paho.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        try:
            if reason.is_failure:
                log.error("devices.status_connect_refused", reason=str(reason),
                          broker=self._address.redacted_url)  # fmt: skip
                return
            client.subscribe(self.topic, qos=1)
            log.info("devices.status_watching", topic=self.topic)
        except Exception as err:  # a paho callback never raises
            log.exception("devices.callback_failed", callback="on_connect", error=repr(err))

    def _on_message(self, _c: paho.Client, _u: Any, message: paho.MQTTMessage) -> None:
        try:
            self.handle(message.topic, bytes(message.payload))
        except Exception as err:  # a paho callback never raises; the next status corrects it
            log.exception("devices.status_failed", topic=message.topic, error=repr(err))

    def handle(self, topic: str, payload: bytes) -> None:
        """Record one status message; a malformed one is logged and skipped."""
        try:
            parsed = parse_status(topic, payload)
        except ValueError as err:
            log.warning("devices.bad_status", topic=topic, error=str(err).replace("\n", " | "),
                        payload=payload[:200].decode("utf-8", "replace"))  # fmt: skip
            return
        if parsed is None:
            return
        site, status = parsed
        with self._engine.begin() as conn:
            record_status(conn, site, status, received_at=self._clock.now())
        log.info("devices.status", site=site, device=status.device_id, state=status.state.value)
