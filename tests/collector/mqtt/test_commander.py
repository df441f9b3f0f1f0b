"""The API's MQTT commander on the real Mosquitto: a reply matched by id, a timeout, no broker."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from collector.devices.commands import BrokerUnavailableError, ReplyTimeoutError
from collector.mqtt.address import BrokerAddress
from collector.mqtt.commander import MqttCommander
from edge_agent import wire
from tests.support.services import MOSQUITTO_HOST, MOSQUITTO_PORT, unique_name

pytestmark = pytest.mark.mqtt


@pytest.fixture
def commander() -> Iterator[MqttCommander]:
    found = MqttCommander(address=BrokerAddress(MOSQUITTO_HOST, MOSQUITTO_PORT),
                          client_id=unique_name("api"))  # fmt: skip
    found.start()
    assert found.wait_ready(5)
    yield found
    found.stop()


def tare() -> wire.TareCommand:
    return wire.TareCommand(name=wire.CommandName.TARE, command_id=uuid.uuid4(), lane="lane-1")


def fake_device(site: str, device_id: str, *, answer: bool) -> paho.Client:
    """Subscribes to the device's commands; answers each (first a stray reply) when told to."""
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=unique_name("dev"))
    client.user_data_set([])

    def on_message(c: paho.Client, seen: list[bytes], msg: paho.MQTTMessage) -> None:
        seen.append(bytes(msg.payload))
        command = wire.COMMAND_ADAPTER.validate_json(msg.payload)
        if answer:
            for command_id in (uuid.uuid4(), command.command_id):  # someone else's, then ours
                reply = wire.CommandReply(command_id=command_id, device_id=device_id, ok=True,
                                          result={"lane": "lane-1"})  # fmt: skip
                c.publish(wire.replies_topic(site, device_id), reply.model_dump_json(), qos=1)

    client.on_message = on_message
    client.connect(MOSQUITTO_HOST, MOSQUITTO_PORT)
    client.subscribe(wire.commands_topic(site, device_id), qos=1)
    client.loop_start()
    time.sleep(0.2)
    return client


def test_the_reply_with_the_commands_id_is_returned(commander: MqttCommander) -> None:
    site, device_id = unique_name("s"), unique_name("pi")
    device = fake_device(site, device_id, answer=True)
    try:
        command = tare()
        reply = commander.send(site, device_id, command, timeout_s=5)
    finally:
        device.loop_stop()
        device.disconnect()
    assert (reply.command_id, reply.ok, reply.result) == (
        command.command_id,
        True,
        {"lane": "lane-1"},
    )


def test_no_reply_is_a_timeout_after_the_command_was_published(commander: MqttCommander) -> None:
    site, device_id = unique_name("s"), unique_name("pi")
    device = fake_device(site, device_id, answer=False)
    started = time.monotonic()
    try:
        with pytest.raises(ReplyTimeoutError, match=device_id):
            commander.send(site, device_id, tare(), timeout_s=0.5)
        seen = device.user_data_get()
    finally:
        device.loop_stop()
        device.disconnect()
    assert 0.5 <= time.monotonic() - started < 3
    assert len(seen) == 1


def test_without_a_broker_nothing_is_sent_and_the_error_says_so() -> None:
    commander = MqttCommander(address=BrokerAddress("127.0.0.1", 9), client_id=unique_name("api"),
                              connect_wait_s=0.3)  # fmt: skip
    commander.start()
    try:
        with pytest.raises(BrokerUnavailableError, match=r"127\.0\.0\.1:9\b"):
            commander.send("s", "pi-1", tare(), timeout_s=5)
    finally:
        commander.stop()
