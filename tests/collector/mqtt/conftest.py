"""A private Mosquitto per test (for restarts) and small paho helpers to talk to brokers."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from tests.support.services import is_listening, unique_name


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PrivateBroker:
    """A Mosquitto of this test's own on a free loopback port; may be stopped and restarted."""

    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        conf = self.workdir / "mosquitto.conf"
        conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\n")
        self.process = subprocess.Popen(
            ["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while not is_listening("127.0.0.1", self.port, timeout_s=0.2):
            assert time.monotonic() < deadline, "private mosquitto did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[PrivateBroker]:
    if shutil.which("mosquitto") is None:
        pytest.skip("mosquitto binary not installed")
    broker = PrivateBroker(workdir=tmp_path)
    yield broker
    broker.stop()


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
    client.on_message = lambda _c, _u, msg: probe.received.append((msg.topic, msg.payload))
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
