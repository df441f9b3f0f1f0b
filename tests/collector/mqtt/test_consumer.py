"""The paho adapter against real Mosquitto: manual acks, persistent session, reconnects."""

from __future__ import annotations

from collections.abc import Iterator

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from collector.clock import SystemClock
from collector.mqtt.address import parse_broker_url
from collector.mqtt.consumer import MqttConsumer
from collector.runtime.backoff import Backoff
from collector.runtime.ports import Delivery
from edge_agent import wire
from tests.support.mosquitto_private import PrivateMosquitto
from tests.support.services import unique_name

from .conftest import Probe, connect_probe

pytestmark = pytest.mark.mqtt


def make_consumer(port: int, client_id: str, site: str, protocol: str = "5") -> MqttConsumer:
    """A consumer of this test's site only: the shared broker carries other tests' traffic."""
    return MqttConsumer(
        address=parse_broker_url(f"mqtt://127.0.0.1:{port}"),
        client_id=client_id,
        clock=SystemClock(),
        reconnect=Backoff(initial_s=0.1, max_s=0.5),
        protocol=protocol,
        session_expiry_s=60,
        subscription=wire.events_topic(site, "+"),
    )


def receive_all(consumer: MqttConsumer, count: int, timeout_s: float = 5.0) -> list[Delivery]:
    got: list[Delivery] = []
    while len(got) < count:
        delivery = consumer.receive(timeout_s)
        if delivery is None:
            break
        got.append(delivery)
    return got


@pytest.fixture
def client_id(mosquitto) -> Iterator[str]:
    """A fresh client id; its session is removed from the shared broker afterwards."""
    name = unique_name("collector-test")
    yield name
    forget_session(mosquitto[1], name)


def forget_session(port: int, client_id: str) -> None:
    """Clean start with session expiry 0: MQTT 3.1.1 sessions would otherwise live forever."""
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5)
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 0
    client.connect("127.0.0.1", port, clean_start=True, properties=props)
    client.loop_start()
    client.disconnect()
    client.loop_stop()


@pytest.mark.parametrize("protocol", ["5", "3.1.1"])
def test_unacked_messages_come_back_after_a_restart_acked_ones_do_not(
    mosquitto, site, client_id, probes: list[Probe], protocol: str
) -> None:
    _, port = mosquitto
    topic = wire.events_topic(site, "pos-1")
    consumer = make_consumer(port, client_id, site, protocol)
    consumer.start()
    assert consumer.wait_connected(5)
    probes.append(probe := connect_probe(port))
    for n in range(4):
        probe.publish(topic, b"event-%d" % n)
    first = receive_all(consumer, 4)
    assert [d.message.payload for d in first] == [b"event-0", b"event-1", b"event-2", b"event-3"]
    consumer.ack(first[0])
    consumer.ack(first[1])
    consumer.stop()

    again = make_consumer(port, client_id, site, protocol)
    again.start()
    try:
        assert again.wait_connected(5)
        redelivered = receive_all(again, 2, timeout_s=3)
        assert sorted(d.message.payload for d in redelivered) == [b"event-2", b"event-3"]
        for delivery in redelivered:
            again.ack(delivery)
        assert again.receive(0.5) is None
    finally:
        again.stop()


def test_received_messages_carry_topic_payload_and_time(mosquitto, site, client_id, probes) -> None:
    _, port = mosquitto
    consumer = make_consumer(port, client_id, site)
    consumer.start()
    try:
        assert consumer.wait_connected(5)
        probes.append(probe := connect_probe(port))
        probe.publish(wire.events_topic(site, "scale-3"), b"{}")
        (delivery,) = receive_all(consumer, 1)
        assert delivery.message.topic == wire.events_topic(site, "scale-3")
        assert delivery.message.received_at.tzinfo is not None
        consumer.ack(delivery)
    finally:
        consumer.stop()


def test_publish_reaches_the_device_acks_topic(mosquitto, site, client_id, probes) -> None:
    _, port = mosquitto
    topic = wire.acks_topic(site, "pos-1")
    probes.append(probe := connect_probe(port, subscribe=topic))
    consumer = make_consumer(port, client_id, site)
    consumer.start()
    try:
        assert consumer.wait_connected(5)
        consumer.publish(topic, b'{"seq": 3}')
        assert probe.wait_for(1) == [(topic, b'{"seq": 3}')]
    finally:
        consumer.stop()


def test_it_keeps_retrying_until_the_broker_appears_then_resubscribes_after_a_restart(
    private_broker: PrivateMosquitto, site, client_id, probes
) -> None:
    consumer = make_consumer(private_broker.port, client_id, site)
    consumer.start()
    try:
        assert not consumer.wait_connected(0.5)  # nothing listening yet
        private_broker.start()
        assert consumer.wait_connected(5)
        private_broker.restart()  # the link drops; the consumer must come back by itself
        assert consumer.wait_connected(5)
        probes.append(probe := connect_probe(private_broker.port))
        probe.publish(wire.events_topic(site, "pos-9"), b"after-restart")
        (delivery,) = receive_all(consumer, 1)
        assert delivery.message.payload == b"after-restart"
    finally:
        consumer.stop()


def test_an_ack_from_an_earlier_connection_is_not_sent(
    private_broker: PrivateMosquitto, site, client_id, probes
) -> None:
    private_broker.start()
    consumer = make_consumer(private_broker.port, client_id, site)
    consumer.start()
    try:
        assert consumer.wait_connected(5)
        probes.append(probe := connect_probe(private_broker.port))
        probe.publish(wire.events_topic(site, "pos-1"), b"x")
        (delivery,) = receive_all(consumer, 1)
        stale = Delivery(mid=delivery.mid, qos=1, message=delivery.message, connection=-1)
        consumer.ack(stale)  # ignored: the packet id belongs to another connection
        consumer.stop()
        again = make_consumer(private_broker.port, client_id, site)
        again.start()
        assert again.wait_connected(5)
        assert [d.message.payload for d in receive_all(again, 1)] == [b"x"]
        again.stop()
    finally:
        consumer.stop()


def test_publishing_while_the_broker_is_away_neither_raises_nor_blocks_later_publishes() -> None:
    # A consumer that never connected stands for one whose broker just went away:
    # EventAcks published then must not crash the batch loop (they go out on reconnect).
    consumer = make_consumer(1, unique_name("collector-offline"), unique_name("site"))
    topic = wire.acks_topic("s", "d")
    consumer.publish(topic, b"{}")
    consumer.publish(topic, b"{}")


class _SubscribeRecorder:
    """Stands in for the paho client inside a callback: records the subscriptions asked for."""

    def __init__(self) -> None:
        self.subscribed: list[str] = []

    def subscribe(self, topic: str, qos: int) -> None:
        self.subscribed.append(topic)


@pytest.mark.parametrize(("session_present", "linked"), [(True, True), (False, False)])
def test_a_resumed_session_is_linked_at_connack_a_new_one_only_at_suback(
    site: str, session_present: bool, linked: bool
) -> None:
    # a resumed session's SUBACK queues behind its backlog: a cluster member waiting for it
    # took itself for cut off from the broker and gave its leases up
    consumer = make_consumer(1, "collector-linked", site)
    client = _SubscribeRecorder()
    success = ReasonCode(PacketTypes.CONNACK, "Success")
    flags = paho.ConnectFlags(session_present=session_present)
    consumer._on_connect(client, None, flags, success, None)  # type: ignore[arg-type]
    assert client.subscribed == [wire.events_topic(site, "+")]
    assert consumer.is_linked() is linked
    granted = [ReasonCode(PacketTypes.SUBACK, "Granted QoS 1")]
    consumer._on_subscribe(client, None, 1, granted, None)  # type: ignore[arg-type]
    assert consumer.is_linked()
