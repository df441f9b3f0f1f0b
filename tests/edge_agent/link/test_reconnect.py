"""Reconnecting: backoff while the broker is away, subscriptions and birth restored after."""

from __future__ import annotations

import json
import random
import uuid

import pytest
from paho.mqtt import publish

from edge_agent import wire
from edge_agent.link.backoff import Backoff
from edge_agent.link.mqtt import MqttLink
from edge_agent.link.settings import LinkSettings
from tests.edge_agent.link.conftest import wait_for
from tests.support.mosquitto_private import PrivateMosquitto
from tests.support.services import unique_name

pytestmark = pytest.mark.mqtt


class RecordingBackoff(Backoff):
    """A real backoff schedule that remembers the delays it handed out."""

    def __init__(self) -> None:
        super().__init__(min_delay_s=0.05, max_delay_s=0.4, rng=random.Random(7))
        self.delays: list[float] = []

    def next_delay_s(self) -> float:
        delay = super().next_delay_s()
        self.delays.append(delay)
        return delay


def _link(broker: PrivateMosquitto, site: str, device_id: str, commands: list[bytes], backoff):
    return MqttLink(
        LinkSettings(host=broker.host, port=broker.port),
        site=site,
        device_id=device_id,
        birth=lambda: wire.DeviceStatus(device_id=device_id, state=wire.DeviceState.ONLINE),
        on_ack=lambda _a: None,
        on_command=commands.append,
        backoff=backoff,
    )


def test_backs_off_while_the_broker_is_down_then_connects_and_resets(
    tmp_path, site, device_id
) -> None:
    broker = PrivateMosquitto(tmp_path / "broker")  # configured, not started yet
    backoff = RecordingBackoff()
    link = _link(broker, site, device_id, [], backoff)
    link.start()
    try:
        assert wait_for(lambda: len(backoff.delays) >= 4, 10)
        assert not link.is_connected
        assert all(0.05 <= d <= 0.4 for d in backoff.delays)
        broker.start()
        assert wait_for(lambda: link.is_connected, 10)
        assert backoff.attempt == 0
    finally:
        link.stop()
        broker.kill()


def test_subscriptions_are_restored_after_a_broker_restart(
    private_broker: PrivateMosquitto, site, device_id
) -> None:
    commands: list[bytes] = []
    link = _link(private_broker, site, device_id, commands, RecordingBackoff())
    link.start()
    try:
        assert wait_for(lambda: link.is_connected, 10)
        private_broker.kill()  # no session survives: the link must subscribe again itself
        assert wait_for(lambda: not link.is_connected, 10)
        private_broker.start()
        assert wait_for(lambda: link.is_connected, 10)
        body = {"schema": 1, "command_id": str(uuid.uuid4()), "name": "tare", "lane": "lane-1"}
        publish.single(wire.commands_topic(site, device_id), json.dumps(body), qos=1,
                       hostname=private_broker.host, port=private_broker.port,
                       client_id=unique_name("op"))  # fmt: skip
        assert wait_for(lambda: len(commands) == 1, 5)
    finally:
        link.stop()
