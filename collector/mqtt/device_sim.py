"""A simulated edge device for the demo, the end-to-end tests and the benchmark.

It behaves as the delivery contract asks of a real agent: every event stays in
its outbox until the collector's ``EventAck`` covers it, and events not yet
acknowledged are sent again when acks stop coming.  Flow control keeps at most
``max_outstanding`` events ahead of the last ack, as a bounded outbox would.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import paho.mqtt.client as paho
import structlog
from paho.mqtt.enums import CallbackAPIVersion

from collector.runtime.ports import Clock
from edge_agent import wire

log = structlog.get_logger("collector.device_sim")


@dataclass(frozen=True, slots=True)
class PlannedMessage:
    """One publish: an outbox event (``seq`` set) or noise sent once (``seq`` None)."""

    seq: int | None
    payload: bytes


@dataclass(slots=True)
class DeviceCounters:
    """What the device did, for assertions and reports."""

    published: int = 0
    resent: int = 0
    first_sent_at_s: dict[int, float] = field(default_factory=dict)
    acks_at_s: list[tuple[float, int]] = field(default_factory=list)
    """(when, seq) each time the acknowledged seq went up: publish→ack latency per event."""


class SimulatedDevice:
    """Publishes a plan of messages over MQTT and waits until the collector acks them all."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        site: str,
        device_id: str,
        clock: Clock,
        epoch: int = 1,
        max_outstanding: int = 200,
        resend_after_s: float = 3.0,
    ) -> None:
        """Configure the device; ``connect`` opens the connection."""
        self.site = site
        self.device_id = device_id
        self.epoch = epoch
        self.counters = DeviceCounters()
        self._host, self._port = host, port
        self._clock = clock
        self._max_outstanding = max_outstanding
        self._resend_after_s = resend_after_s
        self._outbox: dict[int, bytes] = {}
        self._acked_seq = 0
        self._changed = threading.Condition()
        self._subscribed = threading.Event()
        self._pause = threading.Event()  # never set: a sleep that needs no time module
        self._topic = wire.events_topic(site, device_id)
        self._client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=f"sim-{device_id}-{uuid.uuid4().hex[:8]}"
        )
        self._client.on_message = self._on_message
        self._client.on_subscribe = self._on_subscribe

    @property
    def acked_seq(self) -> int:
        """Highest seq the collector has acknowledged for this epoch."""
        return self._acked_seq

    def connect(self, timeout_s: float = 10.0) -> None:
        """Connect and subscribe to this device's acks; ``TimeoutError`` if that fails."""
        self._client.connect(self._host, self._port, keepalive=30)
        self._client.subscribe(wire.acks_topic(self.site, self.device_id), qos=1)
        self._client.loop_start()
        if not self._subscribed.wait(timeout_s):
            raise TimeoutError(f"{self.device_id}: no SUBACK from {self._host}:{self._port}")

    def close(self) -> None:
        """Disconnect."""
        self._client.disconnect()
        self._client.loop_stop()

    def run(
        self, plan: Sequence[PlannedMessage], *, timeout_s: float, interval_s: float = 0.0
    ) -> None:
        """Publish the plan in order (one every ``interval_s`` if set), then await every ack."""
        start_s = self._clock.monotonic()
        deadline_s = start_s + timeout_s
        last_seq = 0
        for index, message in enumerate(plan):
            if interval_s:
                self._pause.wait(max(start_s + index * interval_s - self._clock.monotonic(), 0))
            if message.seq is not None:
                self._outbox.setdefault(message.seq, message.payload)
                self._await_ack(message.seq - self._max_outstanding, deadline_s)
                last_seq = max(last_seq, message.seq)
            self._publish(message)
        self._await_ack(last_seq, deadline_s)

    def _publish(self, message: PlannedMessage) -> None:
        """Send one message (QoS 1) and note when a seq first went out."""
        self._client.publish(self._topic, message.payload, qos=1)
        self.counters.published += 1
        if message.seq is not None:
            self.counters.first_sent_at_s.setdefault(message.seq, self._clock.monotonic())

    def _await_ack(self, min_seq: int, deadline_s: float) -> None:
        """Block until acked up to ``min_seq``; resend what is unacked when acks go quiet."""
        with self._changed:
            seen = self._acked_seq
            quiet_since_s = self._clock.monotonic()
            while self._acked_seq < min_seq:
                now_s = self._clock.monotonic()
                if now_s >= deadline_s:
                    raise TimeoutError(
                        f"{self.device_id}: acked up to seq {self._acked_seq} when the time ran out"
                    )
                if self._acked_seq != seen:
                    seen, quiet_since_s = self._acked_seq, now_s
                elif now_s - quiet_since_s >= self._resend_after_s:
                    self._resend_unacked()
                    quiet_since_s = now_s
                self._changed.wait(timeout=0.1)

    def _resend_unacked(self) -> None:
        """Send again every outbox event above the last ack, as an agent's outbox would."""
        pending = sorted(seq for seq in self.counters.first_sent_at_s if seq > self._acked_seq)
        log.info(
            "device.resend", device=self.device_id, from_seq=self._acked_seq + 1, count=len(pending)
        )
        for seq in pending:
            self._client.publish(self._topic, self._outbox[seq], qos=1)
            self.counters.resent += 1

    def _on_subscribe(self, *_args: object) -> None:
        """The acks subscription is in place."""
        self._subscribed.set()

    def _on_message(self, _client: paho.Client, _userdata: object, msg: paho.MQTTMessage) -> None:
        """Record an ack for this epoch; ignore anything else (a paho callback never raises)."""
        try:
            ack = wire.EventAck.model_validate_json(msg.payload)
        except ValueError as err:
            log.warning("device.bad_ack", device=self.device_id, error=str(err))
            return
        if ack.epoch != self.epoch or ack.device_id != self.device_id:
            return
        with self._changed:
            if ack.seq > self._acked_seq:
                self._acked_seq = ack.seq
                self.counters.acks_at_s.append((self._clock.monotonic(), ack.seq))
            self._changed.notify_all()
