"""Fixtures for the link tests: private brokers, the fake collector, and a wired Delivery."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from paho.mqtt import publish

from edge_agent import wire
from edge_agent.link.delivery import Delivery, online_status
from edge_agent.link.settings import LinkSettings
from edge_agent.outbox.store import Outbox
from tests.support.fake_collector import FakeCollectorAcker
from tests.support.mosquitto_private import PrivateMosquitto
from tests.support.services import MOSQUITTO_HOST, MOSQUITTO_PORT, unique_name

SOFTWARE_VERSION = "0.1.0-test"


def rfid(n: int) -> wire.RfidTagSeen:
    """A small event body numbered by its EPC."""
    return wire.RfidTagSeen(epc=f"{n:016X}", gate="dock-1", direction=wire.GateDirection.IN)


@pytest.fixture
def device_id() -> str:
    """A device id of its own (also the MQTT client id)."""
    return unique_name("pi")


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[PrivateMosquitto]:
    """A private Mosquitto (default queue limits, persistence on) this test may stop and kill."""
    broker = PrivateMosquitto(tmp_path / "broker")
    broker.start()
    yield broker
    broker.kill()


@pytest.fixture
def fake_collector() -> Iterator[Callable[..., FakeCollectorAcker]]:
    """Factory of started fake collectors; all stopped at teardown."""
    started: list[FakeCollectorAcker] = []

    def make(host: str, port: int, *, site: str, **options: Any) -> FakeCollectorAcker:
        acker = FakeCollectorAcker(host, port, site=site, **options).start()
        started.append(acker)
        return acker

    yield make
    for acker in started:
        acker.stop()


@pytest.fixture
def delivery_factory(tmp_path: Path) -> Iterator[Callable[..., Delivery]]:
    """Factory of Delivery objects over a real broker; all stopped and closed at teardown."""
    made: list[Delivery] = []

    def make(
        host: str,
        port: int,
        *,
        site: str,
        device_id: str,
        window: int = 200,
        ack_timeout_s: float = 3.0,
        commands: list[bytes] | None = None,
        settings: LinkSettings | None = None,
        outbox: Outbox | None = None,
    ) -> Delivery:
        box = outbox or Outbox(
            tmp_path / f"{device_id}.sqlite3", device_id=device_id, max_bytes=256 * 2**20
        )
        delivery = Delivery.over_mqtt(
            outbox=box,
            settings=settings
            or LinkSettings(host=host, port=port, reconnect_min_s=0.2, reconnect_max_s=1.0),
            site=site,
            birth=lambda: online_status(
                device_id=device_id,
                epoch=box.epoch,
                at=datetime.now(UTC),
                software_version=SOFTWARE_VERSION,
                config_hash="cfg-abc",
                calibration_ids={"lane-1": "cal-7"},
            ),
            on_command=(commands.append if commands is not None else lambda _p: None),
            monotonic=time.monotonic,
            window=window,
            ack_timeout_s=ack_timeout_s,
        )
        made.append(delivery)
        return delivery

    yield make
    for delivery in made:
        delivery.stop(timeout_s=2)
        delivery.outbox.close()
        settings = delivery.link.settings
        clear_retained(settings.host, settings.port, delivery.link.status_topic)


def clear_retained(host: str, port: int, topic: str) -> None:
    """Remove a test's retained status message from the shared broker (private ones just die)."""
    if (host, port) != (MOSQUITTO_HOST, MOSQUITTO_PORT):
        return
    publish.single(topic, b"", qos=1, retain=True, hostname=host, port=port,
                   client_id=unique_name("cleanup"))  # fmt: skip


def wait_for(condition: Callable[[], bool], timeout_s: float) -> bool:
    """Poll until ``condition`` holds or the time is up; returns its last value."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()
