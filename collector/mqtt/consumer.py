"""paho-mqtt adapter: a persistent QoS 1 session whose messages are acknowledged by hand.

``on_message`` only enqueues; the batch loop acknowledges each delivery after
its ledger commit.  The network thread reconnects with jittered backoff and
re-subscribes on every connect.  No paho callback lets an exception escape.
"""

from __future__ import annotations

import queue
import ssl
import threading
from collections import deque

import paho.mqtt.client as paho
import structlog
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from collector.ingest.ports import InboundMessage
from collector.mqtt.address import BrokerAddress
from collector.runtime.backoff import Backoff
from collector.runtime.ports import Clock, Delivery
from edge_agent import wire

log = structlog.get_logger("collector.mqtt")

MAX_RECEIVE_MAXIMUM = 65_535


class MqttConsumer:
    """The collector's broker connection: implements the runtime ``Transport``."""

    def __init__(
        self,
        *,
        address: BrokerAddress,
        client_id: str,
        clock: Clock,
        reconnect: Backoff,
        protocol: str = "5",
        session_expiry_s: int = 7 * 24 * 3600,
        receive_maximum: int = 1000,
        keepalive_s: int = 30,
        subscription: str = wire.EVENTS_SUBSCRIPTION,
    ) -> None:
        """Configure the client; nothing connects until ``start``."""
        self._address = address
        self._clock = clock
        self._reconnect = reconnect
        self._keepalive_s = keepalive_s
        self._subscription = subscription
        self._is_v5 = protocol == "5"
        self._session_expiry_s = session_expiry_s
        self._receive_maximum = min(max(receive_maximum, 1), MAX_RECEIVE_MAXIMUM)
        self._inbox: queue.SimpleQueue[Delivery] = queue.SimpleQueue()
        self._pending: deque[paho.MQTTMessageInfo] = deque()
        self._pending_lock = threading.Lock()
        self._connected = threading.Event()
        self._stopping = threading.Event()
        self._connection_no = 0
        self._attempt = 0
        self._thread: threading.Thread | None = None
        self._client = self._build_client(client_id)

    # ------------------------------------------------------------------ Transport

    def receive(self, timeout_s: float) -> Delivery | None:
        """Next delivery, waiting at most ``timeout_s``."""
        try:
            if timeout_s <= 0:
                return self._inbox.get_nowait()
            return self._inbox.get(timeout=timeout_s)
        except queue.Empty:
            return None

    def ack(self, delivery: Delivery) -> None:
        """PUBACK a committed delivery, unless it came over an earlier connection.

        After a reconnect the broker redelivers every unacknowledged message on
        the new connection, where the old packet id may already name another one.
        """
        if delivery.connection != self._connection_no:
            return
        self._client.ack(delivery.mid, delivery.qos)

    def publish(self, topic: str, payload: bytes) -> None:
        """QoS 1 publish; paho queues it while disconnected and sends it on reconnect."""
        info = self._client.publish(topic, payload, qos=1)
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            # Not connected: paho keeps the QoS 1 message and sends it after reconnecting,
            # but its info object can no longer be asked (is_published() raises).  Acks are
            # idempotent and re-sent with the next batch, so nothing depends on tracking it.
            log.info("mqtt.publish_deferred", topic=topic, rc=int(info.rc))
            return
        with self._pending_lock:  # the batch loop and the alerts thread both publish
            self._pending.append(info)
            while self._pending and self._pending[0].is_published():
                self._pending.popleft()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Connect in a background thread, reconnecting until ``stop``."""
        self._thread = threading.Thread(target=self._run_network, name="mqtt-network", daemon=True)
        self._thread.start()

    def wait_connected(self, timeout_s: float) -> bool:
        """Block until linked (``is_linked``) or the timeout passes."""
        return self._connected.wait(timeout_s)

    def is_linked(self) -> bool:
        """True while subscribed on a live connection (a resumed session counts at once)."""
        return self._connected.is_set()

    def stop(self, flush_timeout_s: float = 5.0) -> None:
        """Let queued acks and publishes go out, disconnect, and end the network thread."""
        self._stopping.set()
        self._flush(flush_timeout_s)
        self._client.disconnect()
        if self._thread is not None:
            self._thread.join(timeout=flush_timeout_s + 2)
        log.info("mqtt.stopped", broker=self._address.redacted_url)

    # ------------------------------------------------------------------ network thread

    def _run_network(self) -> None:
        """Connect, run the socket loop until the link drops, back off, repeat."""
        while not self._stopping.is_set():
            if self._connect_once():
                self._serve_connection()
            if self._stopping.is_set():
                break
            delay_s = self._reconnect.delay_s(self._attempt)
            self._attempt += 1
            log.warning(
                "mqtt.reconnect_scheduled",
                broker=self._address.redacted_url,
                attempt=self._attempt,
                delay_s=round(delay_s, 2),
            )
            self._stopping.wait(delay_s)

    def _serve_connection(self) -> None:
        """Run paho's socket loop until the link ends; an unexpected error ends only the link."""
        try:
            while self._client.loop(timeout=0.2) == MQTTErrorCode.MQTT_ERR_SUCCESS:
                pass
        except Exception as err:  # the thread must survive to reconnect, whatever paho raised
            log.exception("mqtt.network_error", error=repr(err))
            self._client.disconnect()
        finally:
            self._connected.clear()

    def _connect_once(self) -> bool:
        """One TCP/TLS connect; False (logged) when the broker cannot be reached."""
        address = self._address
        try:
            if self._is_v5:
                self._client.connect(
                    address.host,
                    address.port,
                    self._keepalive_s,
                    clean_start=False,
                    properties=self._connect_properties(),
                )
            else:
                self._client.connect(address.host, address.port, self._keepalive_s)
        except (OSError, ValueError) as err:
            log.error("mqtt.connect_failed", broker=address.redacted_url, error=str(err))
            return False
        return True

    def _flush(self, timeout_s: float) -> None:
        """Wait (bounded) for outstanding QoS 1 publishes to reach the broker."""
        deadline = self._clock.monotonic() + timeout_s
        with self._pending_lock:
            pending = list(self._pending)
        for info in pending:
            remaining_s = deadline - self._clock.monotonic()
            if remaining_s <= 0 or not self._connected.is_set():
                break
            try:
                info.wait_for_publish(timeout=remaining_s)
            except (RuntimeError, ValueError) as err:
                log.warning("mqtt.flush_incomplete", error=str(err))
                break

    # ------------------------------------------------------------------ paho wiring

    def _build_client(self, client_id: str) -> paho.Client:
        """A paho client with a fixed id, manual acks and our callbacks."""
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=paho.MQTTv5 if self._is_v5 else paho.MQTTv311,
            clean_session=None if self._is_v5 else False,
            manual_ack=True,
        )
        address = self._address
        if address.username:
            client.username_pw_set(address.username, address.password)
        if address.tls:
            client.tls_set(
                ca_certs=address.ca_file,
                certfile=address.cert_file,
                keyfile=address.key_file,
                cert_reqs=ssl.CERT_REQUIRED,
            )
        client.max_inflight_messages_set(100)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        return client

    def _connect_properties(self) -> Properties:
        """MQTT 5 CONNECT: keep the session while offline; let the broker send a full batch."""
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self._session_expiry_s
        props.ReceiveMaximum = self._receive_maximum
        return props

    def _on_connect(
        self,
        client: paho.Client,
        _userdata: object,
        flags: paho.ConnectFlags,
        reason_code: ReasonCode,
        _properties: Properties | None,
    ) -> None:
        """Subscribe again on every successful connect (the session may have been lost)."""
        try:
            if reason_code.is_failure:
                log.error(
                    "mqtt.connect_refused",
                    broker=self._address.redacted_url,
                    reason=str(reason_code),
                    hint="check the client id, user name, password or certificate",
                )
                return
            self._connection_no += 1
            self._attempt = 0
            client.subscribe(self._subscription, qos=1)
            if flags.session_present:
                # The session kept its subscription: messages flow now. Its SUBACK comes
                # behind whatever the broker queued meanwhile (15 s of backlog in CI), and a
                # cluster member counted that time as "cut off from the broker".
                self._connected.set()
            log.info(
                "mqtt.connected",
                broker=self._address.redacted_url,
                session_present=flags.session_present,
                connection=self._connection_no,
            )
        except Exception as err:  # a paho callback never raises
            log.exception("mqtt.callback_failed", callback="on_connect", error=repr(err))

    def _on_subscribe(
        self,
        _client: paho.Client,
        _userdata: object,
        _mid: int,
        reason_codes: list[ReasonCode],
        _properties: Properties | None,
    ) -> None:
        """Report a refused subscription loudly; mark the link usable when it was granted."""
        try:
            refused = [str(code) for code in reason_codes if code.is_failure]
            if refused:
                log.error("mqtt.subscribe_refused", topic=self._subscription, reasons=refused)
                return
            self._connected.set()
            log.info("mqtt.subscribed", topic=self._subscription, qos=1)
        except Exception as err:  # a paho callback never raises
            log.exception("mqtt.callback_failed", callback="on_subscribe", error=repr(err))

    def _on_disconnect(
        self,
        _client: paho.Client,
        _userdata: object,
        _flags: paho.DisconnectFlags,
        reason_code: ReasonCode,
        _properties: Properties | None,
    ) -> None:
        """Log the drop; the network thread reconnects."""
        try:
            self._connected.clear()
            level = log.info if self._stopping.is_set() else log.warning
            level("mqtt.disconnected", broker=self._address.redacted_url, reason=str(reason_code))
        except Exception as err:  # a paho callback never raises
            log.exception("mqtt.callback_failed", callback="on_disconnect", error=repr(err))

    def _on_message(
        self, _client: paho.Client, _userdata: object, message: paho.MQTTMessage
    ) -> None:
        """Enqueue the raw message with its packet id; parsing is the ledger's business."""
        try:
            # paho types payload as bytes | bytearray; bytes() of a bytes is the same object
            payload = bytes(message.payload)
            inbound = InboundMessage(
                topic=message.topic, payload=payload, received_at=self._clock.now()
            )
            self._inbox.put(
                Delivery(
                    mid=message.mid,
                    qos=message.qos,
                    message=inbound,
                    connection=self._connection_no,
                )
            )
        except Exception as err:  # a paho callback never raises; unacked, it comes back
            log.exception("mqtt.callback_failed", callback="on_message", error=repr(err))
