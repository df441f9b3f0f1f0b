"""The paho-mqtt adapter: one connection to the broker, kept alive by its own thread.

On every connect it subscribes to the device's ``acks`` and ``commands`` topics
and publishes a retained ``online`` birth message; the broker publishes the
retained ``offline`` last will if the device vanishes. Reconnects wait a jittered
exponential backoff (:class:`~edge_agent.link.backoff.Backoff`). Callbacks never
raise: a bad payload is logged with its topic and dropped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import paho.mqtt.client as mqtt
import structlog
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from pydantic import BaseModel, ValidationError

from edge_agent import wire
from edge_agent.errors import LinkError
from edge_agent.link.backoff import Backoff
from edge_agent.link.netloop import NetworkLoop
from edge_agent.link.settings import LinkSettings

log = structlog.get_logger(__name__)

LOOP_TIMEOUT_S = 0.1
SHUTDOWN_FLUSH_S = 2.0


def _ignore_connection_change(connected: bool) -> None:
    """Default for ``on_connection_change``."""


class MqttLink:
    """Connects, reconnects, publishes events QoS 1, and hands acks and commands to callbacks."""

    def __init__(
        self,
        settings: LinkSettings,
        *,
        site: str,
        device_id: str,
        birth: Callable[[], wire.DeviceStatus],
        on_ack: Callable[[wire.EventAck], None],
        on_command: Callable[[bytes], None],
        on_connection_change: Callable[[bool], None] = _ignore_connection_change,
        backoff: Backoff | None = None,
    ) -> None:
        """Build the client (TLS, credentials, last will); ``start()`` connects."""
        self.settings = settings
        self.device_id = device_id
        self._birth = birth
        self._on_ack = on_ack
        self._on_command = on_command
        self._on_connection_change = on_connection_change
        self._backoff = backoff or Backoff(
            min_delay_s=settings.reconnect_min_s, max_delay_s=settings.reconnect_max_s
        )
        self.events_topic = wire.events_topic(site, device_id)
        self.status_topic = wire.status_topic(site, device_id)
        self.acks_topic = wire.acks_topic(site, device_id)
        self.commands_topic = wire.commands_topic(site, device_id)
        self.replies_topic = wire.replies_topic(site, device_id)
        self._connected = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._client = self._build_client()
        self._net = NetworkLoop(self._client, timeout_s=LOOP_TIMEOUT_S)

    # ------------------------------------------------------------------ public

    @property
    def is_connected(self) -> bool:
        """True between a successful CONNACK and the loss of the connection."""
        return self._connected.is_set()

    def start(self) -> None:
        """Start the connection thread; it reconnects until ``stop()``."""
        if self._thread is not None:
            raise LinkError("the MQTT link was already started")
        self._thread = threading.Thread(
            target=self._run, name=f"mqtt-link-{self.device_id}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Publish ``offline``, disconnect cleanly and join the connection thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def publish_events(self, payloads: Sequence[bytes]) -> int:
        """Publish envelopes QoS 1 in order; returns how many were handed to paho.

        One lock acquisition for the whole batch: taking it per message makes the
        forwarder and the network thread hand the GIL back and forth for every event.
        """
        sent = 0
        with self._net.io_lock:
            for payload in payloads:
                if not self._publish(self.events_topic, payload):
                    break
                sent += 1
        return sent

    def publish_reply(self, reply: wire.CommandReply) -> bool:
        """Publish a command reply QoS 1; False when not connected."""
        # nulls kept: the contract's ``command_id: null`` marks a reply to an unparseable command
        return self._publish(self.replies_topic, reply.model_dump_json(by_alias=True).encode())

    # ------------------------------------------------------------------ setup

    def _build_client(self) -> mqtt.Client:
        s = self.settings
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=s.client_id or self.device_id,
            protocol=mqtt.MQTTv311,
            clean_session=True,  # the outbox, not the broker session, carries unsent events
        )
        client.suppress_exceptions = True  # belt and braces: our callbacks catch their own
        if s.username is not None:
            password = s.password.get_secret_value() if s.password else None
            client.username_pw_set(s.username, password)
        if s.tls is not None:
            _configure_tls(client, s)
        offline = wire.DeviceStatus(device_id=self.device_id, state=wire.DeviceState.OFFLINE)
        client.will_set(self.status_topic, _dump(offline), qos=1, retain=True)
        client.on_connect = self._handle_connect
        client.on_disconnect = self._handle_disconnect
        client.on_message = self._handle_message
        return client

    # ------------------------------------------------------------------ connection thread

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._open_connection():
                self._pump_network()
                if self._stop.is_set():
                    break  # still connected: _shutdown says goodbye properly
                self._mark_disconnected("connection lost")
            if self._stop.is_set():
                break
            delay_s = self._backoff.next_delay_s()
            log.info("link.reconnect_wait", device=self.device_id, delay_s=round(delay_s, 2),
                     attempt=self._backoff.attempt)  # fmt: skip
            self._stop.wait(delay_s)
        self._shutdown()

    def _open_connection(self) -> bool:
        s = self.settings
        try:
            with self._net.io_lock:
                self._client.connect(s.host, s.port, keepalive=s.keepalive_s)
        except (OSError, ValueError) as err:
            log.warning("link.connect_failed", device=self.device_id, host=s.host, port=s.port,
                        error=f"{type(err).__name__}: {err}")  # fmt: skip
            return False
        return True

    def _pump_network(self) -> None:
        while not self._stop.is_set():
            rc = self._net.step()
            if rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
                log.warning("link.loop_ended", device=self.device_id, rc=mqtt.error_string(rc))
                return

    def _shutdown(self) -> None:
        if not self.is_connected:
            with self._net.io_lock:
                self._client.disconnect()  # closes any half-open socket
            return
        offline = wire.DeviceStatus(device_id=self.device_id, state=wire.DeviceState.OFFLINE)
        with self._net.io_lock:
            self._client.publish(self.status_topic, _dump(offline), qos=1, retain=True)
            self._client.disconnect()  # a clean disconnect suppresses the will, so say it
        for _ in range(int(SHUTDOWN_FLUSH_S / LOOP_TIMEOUT_S)):
            if self._net.step() != MQTTErrorCode.MQTT_ERR_SUCCESS:
                break
        self._mark_disconnected("stopped")

    def _mark_disconnected(self, why: str) -> None:
        if not self._connected.is_set():
            return
        self._connected.clear()
        log.warning("link.disconnected", device=self.device_id, reason=why)
        self._notify_connection(connected=False)

    def _notify_connection(self, *, connected: bool) -> None:
        try:
            self._on_connection_change(connected)
        except Exception:
            log.exception("link.connection_handler_failed", device=self.device_id)

    # ------------------------------------------------------------------ paho callbacks

    def _handle_connect(
        self, client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any
    ) -> None:
        try:
            if reason.is_failure:
                log.error("link.refused", device=self.device_id, reason=str(reason),
                          hint="check username, password, client certificate and ACL")  # fmt: skip
                return
            # subscribe before anything is published, so no ack can arrive unheard
            client.subscribe([(self.acks_topic, 1), (self.commands_topic, 1)])
            self._backoff.reset()
            self._connected.set()
            log.info("link.connected", device=self.device_id, host=self.settings.host,
                     port=self.settings.port)  # fmt: skip
            self._notify_connection(connected=True)
        except Exception:
            log.exception("link.on_connect_failed", device=self.device_id)
        self._publish_birth(client)

    def _publish_birth(self, client: mqtt.Client) -> None:
        try:
            client.publish(self.status_topic, _dump(self._birth()), qos=1, retain=True)
        except Exception:
            # a broken birth message must not stop delivery; the status stays stale, loudly
            log.exception("link.birth_failed", device=self.device_id, topic=self.status_topic)

    def _handle_disconnect(
        self, _client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any
    ) -> None:
        try:
            self._mark_disconnected(str(reason))
        except Exception:
            log.exception("link.on_disconnect_failed", device=self.device_id)

    def _handle_message(self, _client: mqtt.Client, _userdata: Any, msg: mqtt.MQTTMessage) -> None:
        try:
            # paho types payload as bytes | bytearray; bytes() of a bytes is the same object
            payload = bytes(msg.payload)
            if msg.topic == self.acks_topic:
                self._deliver_ack(payload)
            elif msg.topic == self.commands_topic:
                self._on_command(payload)
            else:
                log.warning("link.unexpected_topic", device=self.device_id, topic=msg.topic)
        except Exception:
            log.exception("link.message_handler_failed", device=self.device_id, topic=msg.topic)

    def _deliver_ack(self, payload: bytes) -> None:
        try:
            ack = wire.EventAck.model_validate_json(payload)
        except ValidationError as err:
            log.error("link.bad_ack", device=self.device_id, topic=self.acks_topic,
                      payload=payload[:200].decode("utf-8", "replace"),
                      error=str(err).replace("\n", " | "))  # fmt: skip
            return
        if ack.device_id != self.device_id:
            log.error("link.ack_for_other_device", device=self.device_id, ack_device=ack.device_id)
            return
        self._on_ack(ack)

    def _publish(self, topic: str, payload: bytes) -> bool:
        if not self.is_connected:
            return False
        with self._net.io_lock:
            info = self._client.publish(topic, payload, qos=1)
        return info.rc == MQTTErrorCode.MQTT_ERR_SUCCESS


def _dump(model: BaseModel) -> bytes:
    """Wire form of a control message: aliases (``schema``), no nulls."""
    return model.model_dump_json(by_alias=True, exclude_none=True).encode()


def _configure_tls(client: mqtt.Client, settings: LinkSettings) -> None:
    """Load the CA, client certificate and key; any problem is a ``LinkError`` naming the file."""
    tls = settings.tls
    assert tls is not None
    missing = tls.missing_files()
    if missing:
        raise LinkError("MQTT TLS: " + "; ".join(missing))
    try:
        client.tls_set(
            ca_certs=str(tls.ca_file),
            certfile=str(tls.cert_file) if tls.cert_file else None,
            keyfile=str(tls.key_file) if tls.key_file else None,
        )
    except (OSError, ValueError) as err:
        raise LinkError(f"MQTT TLS files could not be loaded ({err}); check tls.* paths") from err
