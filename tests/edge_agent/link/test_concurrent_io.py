"""Publishing from the forwarder's thread while the link's thread reads never corrupts the stream.

Large payloads fill the socket buffer, so writes go out in pieces; acks flood in at
the same time. If two threads wrote to the socket at once, pieces of different
packets would interleave and the broker would drop the connection. (Checked by
hand: with paho's ``loop()`` on the link thread and unlocked inline publishes, this
test fails about one run in three; with ``NetworkLoop`` it has not failed.)
"""

from __future__ import annotations

import hashlib
import socket
import threading

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from edge_agent import wire
from edge_agent.link.mqtt import MqttLink
from edge_agent.link.settings import LinkSettings
from tests.edge_agent.link.conftest import wait_for
from tests.support.mosquitto_private import PrivateMosquitto
from tests.support.services import unique_name

pytestmark = [pytest.mark.mqtt, pytest.mark.slow]
MESSAGES = 1000
PAYLOAD_BYTES = 48 * 1024


def _client(broker: PrivateMosquitto) -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=unique_name("peer"))
    client.connect(broker.host, broker.port)
    client.loop_start()
    return client


def test_big_publishes_and_a_flood_of_acks_keep_the_connection_and_every_byte(
    private_broker: PrivateMosquitto, site, device_id
) -> None:
    drops: list[bool] = []
    acks: list[wire.EventAck] = []
    link = MqttLink(
        LinkSettings(host=private_broker.host, port=private_broker.port),
        site=site, device_id=device_id,
        birth=lambda: wire.DeviceStatus(device_id=device_id, state=wire.DeviceState.ONLINE),
        on_ack=acks.append, on_command=lambda _c: None,
        on_connection_change=lambda up: None if up else drops.append(True),
    )  # fmt: skip

    # a tiny send buffer makes every big write go out in pieces: where a race would bite
    def small_send_buffer(_c: mqtt.Client, _u: object, sock: mqtt.SocketLike) -> None:
        assert isinstance(sock, socket.socket)  # plain TCP here: paho's own socket
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)

    link._client.on_socket_open = small_send_buffer
    received: list[str] = []
    sink = _client(private_broker)
    sink.on_message = lambda _c, _u, msg: received.append(hashlib.sha256(msg.payload).hexdigest())
    sink.subscribe(wire.events_topic(site, device_id), qos=1)
    flooder = _client(private_broker)
    link.start()
    try:
        assert wait_for(lambda: link.is_connected, 10)
        payloads = [bytes([i % 251]) * PAYLOAD_BYTES for i in range(MESSAGES)]
        stop = threading.Event()
        ack = wire.EventAck(device_id=device_id, epoch=1, seq=1).model_dump_json(by_alias=True)

        def flood() -> None:
            while not stop.is_set():
                flooder.publish(wire.acks_topic(site, device_id), ack, qos=1)
                stop.wait(0.0005)

        flooding = threading.Thread(target=flood)
        flooding.start()
        for start in range(0, MESSAGES, 50):
            assert link.publish_events(payloads[start : start + 50]) == 50
        assert wait_for(lambda: len(received) >= MESSAGES, 60), f"{len(received)} arrived"
        stop.set()
        flooding.join(5)
        dropped_while_streaming = list(drops)
    finally:
        link.stop()
        for client in (sink, flooder):
            client.disconnect()
            client.loop_stop()
    assert dropped_while_streaming == [], "the broker dropped the link: corrupted packet stream"
    assert sorted(received[:MESSAGES]) == sorted(hashlib.sha256(p).hexdigest() for p in payloads)
    assert len(acks) > 100  # the reads really ran alongside the writes
