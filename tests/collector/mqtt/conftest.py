"""A private Mosquitto per test (for restarts) and small paho helpers to talk to brokers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from tests.support.mosquitto_private import PrivateMosquitto
from tests.support.services import unique_name


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[PrivateMosquitto]:
    """A Mosquitto of this test's own (not started): it may be stopped and restarted."""
    broker = PrivateMosquitto(tmp_path / "broker")
    yield broker
    broker.kill()


@dataclass
class Probe:
    """A plain paho client that publishes and records what it receives."""

    client: paho.Client
    received: list[tuple[str, bytes]] = field(default_factory=list)

    def publish(self, topic: str, payload: bytes) -> None:
        self.client.publish(topic, payload, qos=1).wait_for_publish(timeout=5)

    def wait_for(self, count: int, timeout_s: float = 5.0) -> list[tuple[str, bytes]]:
        deadline = time.monotonic() + timeout_s
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.received


def connect_probe(port: int, subscribe: str | None = None) -> Probe:
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=unique_name("probe"))
    probe = Probe(client=client)
    client.on_message = lambda _c, _u, msg: probe.received.append((msg.topic, bytes(msg.payload)))
    client.connect("127.0.0.1", port)
    if subscribe:
        client.subscribe(subscribe, qos=1)
    client.loop_start()
    time.sleep(0.2)
    return probe


@pytest.fixture
def probes() -> Iterator[list[Probe]]:
    made: list[Probe] = []
    yield made
    for probe in made:
        probe.client.disconnect()
        probe.client.loop_stop()
