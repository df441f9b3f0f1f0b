"""The broker queue sizing shipped in deploy/mosquitto keeps a fleet's backlog for the collector.

While the collector is away, every agent's window (200 events) waits in the collector's
persistent session. Mosquitto's default keeps 1,000 and drops the rest; the shipped
``10-inventory-queues.conf`` must keep them all. Both are checked against a real broker.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from tests.support.mosquitto_private import PrivateMosquitto

pytestmark = [pytest.mark.mqtt, pytest.mark.timeout(90)]

QUEUES_CONF = (
    Path(__file__).resolve().parents[2] / "deploy/mosquitto/conf.d/10-inventory-queues.conf"
)
BACKLOG = 4_000  # 20 agents x the default window of 200
DEFAULT_LIMIT = 1_000  # Mosquitto's max_queued_messages when nothing sets it
TOPIC = "inventory/v1/shop/till-{n}/events"


def conf_lines(path: Path) -> tuple[str, ...]:
    """The directives of a Mosquitto config file, without comments and blank lines."""
    lines = (line.strip() for line in path.read_text().splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


@pytest.fixture(params=["shipped", "default"])
def broker(request, tmp_path) -> Iterator[tuple[str, PrivateMosquitto]]:
    """A private broker with the shipped queue sizing, or with Mosquitto's defaults."""
    lines = conf_lines(QUEUES_CONF) if request.param == "shipped" else ()
    with PrivateMosquitto(tmp_path / request.param, global_lines=lines) as private:
        yield request.param, private


def collector_session(broker: PrivateMosquitto, client_id: str) -> tuple[paho.Client, list[bytes]]:
    """A persistent QoS 1 subscriber to every device's events, as the collector is."""
    received: list[bytes] = []
    subscribed = threading.Event()
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False)
    client.on_message = lambda _c, _u, msg: received.append(bytes(msg.payload))
    client.on_subscribe = lambda *_args: subscribed.set()
    client.connect(broker.host, broker.port)
    client.subscribe("inventory/v1/+/+/events", qos=1)
    client.loop_start()
    assert subscribed.wait(10), "no SUBACK"
    return client, received


def publish_backlog(broker: PrivateMosquitto) -> None:
    """``BACKLOG`` QoS 1 events from 20 devices, each acknowledged by the broker."""
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"fleet-{uuid.uuid4().hex[:6]}")
    client.connect(broker.host, broker.port)
    client.loop_start()
    infos = [
        client.publish(TOPIC.format(n=n % 20), f"event {n}".encode(), qos=1) for n in range(BACKLOG)
    ]
    for info in infos:
        info.wait_for_publish(timeout=30)
    client.disconnect()
    client.loop_stop()


def wait_settled(received: list[bytes], quiet_s: float = 1.0, limit_s: float = 30.0) -> None:
    """Until no message arrived for ``quiet_s`` (or ``limit_s`` passed)."""
    pause = threading.Event()
    seen, waited_s = -1, 0.0
    while len(received) != seen and waited_s < limit_s:
        seen = len(received)
        pause.wait(quiet_s)
        waited_s += quiet_s


def test_backlog_for_an_offline_collector_is_kept_only_with_the_shipped_sizing(broker) -> None:
    name, private = broker
    client_id = f"collector-{uuid.uuid4().hex[:6]}"
    first, _ = collector_session(private, client_id)
    first.disconnect()  # the session stays; the collector is away
    first.loop_stop()

    publish_backlog(private)
    second, received = collector_session(private, client_id)
    try:
        wait_settled(received)
    finally:
        second.disconnect()
        second.loop_stop()
    if name == "shipped":
        assert len(received) == BACKLOG, f"the shipped sizing kept {len(received)} of {BACKLOG}"
    else:  # the reason the file exists: the default drops what is beyond its limit
        assert 0 < len(received) <= DEFAULT_LIMIT + 100, f"default kept {len(received)}"
        print(f"default sizing kept {len(received)} of {BACKLOG}")
