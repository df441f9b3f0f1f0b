"""paho-mqtt adapter of ``DeviceCommander``: publish a command, wait for the matching reply.

One clean-session connection for the API process, subscribed to every device's
``replies``; each waiting request is a slot keyed by its command id, filled by the
network thread.  A reply nobody waits for (late, or another API's) is dropped.
"""

from __future__ import annotations

import ssl
import threading
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import paho.mqtt.client as paho
import structlog
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from pydantic import ValidationError

from collector.devices.commands import BrokerUnavailableError, ReplyTimeoutError
from collector.mqtt.address import BrokerAddress
from edge_agent import wire

log = structlog.get_logger("collector.api.devices")

REPLIES_SUBSCRIPTION = f"{wire.TOPIC_ROOT}/+/+/{wire.Channel.REPLIES.value}"
CONNECT_WAIT_S = 2.0
"""How long a command waits for a (re)connecting broker before it is refused with 503."""


@dataclass
class _Slot:
    """Where the network thread puts the reply a request waits for."""

    done: threading.Event = field(default_factory=threading.Event)
    reply: wire.CommandReply | None = None


class MqttCommander:
    """Publishes commands QoS 1 (never retained) and hands each reply to its waiting sender."""

    def __init__(
        self, *, address: BrokerAddress, client_id: str, connect_wait_s: float = CONNECT_WAIT_S
    ) -> None:
        """Configure the client; ``start`` connects."""
        self._address = address
        self._connect_wait_s = connect_wait_s
        self._slots: dict[UUID, _Slot] = {}
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
        if address.username:
            client.username_pw_set(address.username, address.password)
        if address.tls:
            client.tls_set(ca_certs=address.ca_file, certfile=address.cert_file,
                           keyfile=address.key_file, cert_reqs=ssl.CERT_REQUIRED)  # fmt: skip
        client.reconnect_delay_set(1, 30)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        self._client = client

    def start(self) -> None:
        """Connect in paho's thread, which reconnects until ``stop``."""
        self._client.connect_async(self._address.host, self._address.port, keepalive=30)
        self._client.loop_start()

    def stop(self) -> None:
        """Disconnect and end the thread."""
        self._client.disconnect()
        self._client.loop_stop()

    def wait_ready(self, timeout_s: float) -> bool:
        """Block until subscribed to the replies (or the timeout)."""
        return self._subscribed.wait(timeout_s)

    def send(
        self, site: str, device_id: str, command: wire.Command, *, timeout_s: float
    ) -> wire.CommandReply:
        """Publish ``command`` to the device and wait up to ``timeout_s`` for its reply."""
        if not self._subscribed.wait(self._connect_wait_s):
            raise BrokerUnavailableError(
                f"not connected to the broker at {self._address.redacted_url}"
            )
        slot = _Slot()
        with self._lock:
            self._slots[command.command_id] = slot
        try:
            self._publish(wire.commands_topic(site, device_id), command)
            if not slot.done.wait(timeout_s) or slot.reply is None:
                raise ReplyTimeoutError(f"no reply from {device_id} within {timeout_s:g} s")
            return slot.reply
        finally:
            with self._lock:
                self._slots.pop(command.command_id, None)

    def _publish(self, topic: str, command: wire.Command) -> None:
        payload = command.model_dump_json(by_alias=True, exclude_none=True).encode()
        info = self._client.publish(topic, payload, qos=1, retain=False)
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            raise BrokerUnavailableError(
                f"the broker at {self._address.redacted_url} refused the publish "
                f"({paho.error_string(info.rc)})"
            )
        log.info("device.command_sent", topic=topic, command=command.name.value,
                 command_id=str(command.command_id))  # fmt: skip

    def _on_connect(self, client: paho.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        try:
            if reason.is_failure:
                log.error("device.commander_refused", reason=str(reason),
                          broker=self._address.redacted_url)  # fmt: skip
                return
            client.subscribe(REPLIES_SUBSCRIPTION, qos=1)
        except Exception as err:  # a paho callback never raises
            log.exception("device.callback_failed", callback="on_connect", error=repr(err))

    def _on_subscribe(self, _c: paho.Client, _u: Any, _m: int, codes: Any, _p: Any) -> None:
        try:
            if any(code.is_failure for code in codes):
                hint = "the broker ACL must let the API read inventory/v1/+/+/replies"
                log.error("device.replies_refused", topic=REPLIES_SUBSCRIPTION, hint=hint)
                return
            self._subscribed.set()
        except Exception as err:  # a paho callback never raises
            log.exception("device.callback_failed", callback="on_subscribe", error=repr(err))

    def _on_disconnect(self, _c: paho.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        try:
            self._subscribed.clear()
            log.warning("device.commander_disconnected", reason=str(reason))
        except Exception as err:  # a paho callback never raises
            log.exception("device.callback_failed", callback="on_disconnect", error=repr(err))

    def _on_message(self, _c: paho.Client, _u: Any, message: paho.MQTTMessage) -> None:
        try:
            reply = wire.CommandReply.model_validate_json(bytes(message.payload))
        except ValidationError as err:
            log.warning("device.bad_reply", topic=message.topic,
                        error=str(err).replace("\n", " | "))  # fmt: skip
            return
        with self._lock:
            slot = self._slots.get(reply.command_id) if reply.command_id else None
        if slot is None:
            log.info("device.reply_unclaimed", device=reply.device_id,
                     command_id=str(reply.command_id))  # fmt: skip
            return
        slot.reply = reply
        slot.done.set()
