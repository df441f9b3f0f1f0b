"""A stand-in for the collector's side of delivery, for edge tests: record events, send acks.

``FakeCollectorAcker`` subscribes to a site's event topics with a persistent
session, "applies" each event at most once per (device, epoch, seq), and after
every message publishes ``wire.EventAck`` with the highest seq it holds
contiguously from 1, as the real collector does after its ledger commit.
It also notices a seq that arrives with two different event ids (a reused seq).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from edge_agent import wire
from tests.support.services import unique_name


@dataclass
class _Stream:
    """What arrived from one (device, epoch)."""

    event_ids: dict[int, str] = field(default_factory=dict)
    contiguous: int = 0


class FakeCollectorAcker:
    """Applies each event once; acks the contiguous high-water mark on the device's acks topic."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        site: str,
        acking: bool = True,
        apply_s: float = 0.0,
        configure: Callable[[mqtt.Client], None] | None = None,
    ) -> None:
        self.site = site
        self.acking = acking
        self.apply_s = apply_s  # per-event ledger work, to play a collector slower than the edge
        self.received = 0
        self.duplicates = 0
        self.conflicts: list[tuple[str, int, int]] = []
        self.bad_payloads = 0
        self._streams: dict[tuple[str, int], _Stream] = defaultdict(_Stream)
        self._lock = threading.Lock()
        self._connected = threading.Event()
        self._client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=unique_name("fake-collector"),
            clean_session=False,
        )  # fmt: skip
        # paho annotates the delays as int, but they are seconds added to a float clock:
        # 0.1 works, and a test's reconnect should not wait a whole second
        self._client.reconnect_delay_set(0.1, 1)  # type: ignore[arg-type]
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = lambda *_: self._connected.clear()
        self._client.on_message = self._on_message
        if configure is not None:
            configure(self._client)  # TLS files, credentials
        self._host, self._port = host, port

    def start(self, timeout_s: float = 10) -> FakeCollectorAcker:
        """Connect, subscribe, and wait until the subscription is in place."""
        self._client.connect(self._host, self._port, keepalive=10)
        self._client.loop_start()
        if not self._connected.wait(timeout_s):
            raise RuntimeError("fake collector could not connect")
        return self

    def stop(self) -> None:
        """Disconnect and end the network thread."""
        self._client.disconnect()
        self._client.loop_stop()

    # ------------------------------------------------------------------ what was applied

    def applied(self, device_id: str, epoch: int) -> list[int]:
        """Seqs applied for the device and epoch, sorted."""
        with self._lock:
            return sorted(self._streams[(device_id, epoch)].event_ids)

    def acked(self, device_id: str, epoch: int) -> int:
        """Highest contiguous seq acknowledged."""
        with self._lock:
            return self._streams[(device_id, epoch)].contiguous

    def epochs(self, device_id: str) -> list[int]:
        """Every epoch seen from the device."""
        with self._lock:
            return sorted({e for d, e in self._streams if d == device_id})

    def wait_until(self, condition: Callable[[], bool], timeout_s: float) -> bool:
        """Poll ``condition`` until true or the timeout; returns its last value."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.05)
        return condition()

    # ------------------------------------------------------------------ paho callbacks

    def _on_connect(self, client: mqtt.Client, *_: object) -> None:
        client.subscribe(f"{wire.TOPIC_ROOT}/{self.site}/+/events", qos=1)
        self._connected.set()

    def _on_message(self, client: mqtt.Client, _userdata: object, msg: mqtt.MQTTMessage) -> None:
        try:
            event = wire.parse_event(bytes(msg.payload))
        except ValueError:
            self.bad_payloads += 1
            return
        if self.apply_s:
            time.sleep(self.apply_s)
        with self._lock:
            self.received += 1
            contiguous = self._apply(event)
        if self.acking:
            ack = wire.EventAck(device_id=event.device_id, epoch=event.epoch, seq=contiguous)
            client.publish(
                wire.acks_topic(self.site, event.device_id),
                ack.model_dump_json(by_alias=True),
                qos=1,
            )

    def _apply(self, event: wire.Event) -> int:
        stream = self._streams[(event.device_id, event.epoch)]
        known = stream.event_ids.get(event.seq)
        if known is None:
            stream.event_ids[event.seq] = str(event.event_id)
            while stream.contiguous + 1 in stream.event_ids:
                stream.contiguous += 1
        elif known == str(event.event_id):
            self.duplicates += 1
        else:
            self.conflicts.append((event.device_id, event.epoch, event.seq))
        return stream.contiguous
