"""Normal delivery through the system Mosquitto: events out, collector acks back, outbox drained."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from edge_agent import wire
from tests.edge_agent.link.conftest import SOFTWARE_VERSION, rfid, wait_for
from tests.support.services import unique_name

pytestmark = pytest.mark.mqtt


def _retained(host: str, port: int, topic: str, timeout_s: float = 5) -> bytes | None:
    """Read the retained message of a topic with a fresh subscriber."""
    got: list[bytes] = []
    done = threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=unique_name("peek"))

    def on_message(_c: object, _u: object, msg: mqtt.MQTTMessage) -> None:
        got.append(bytes(msg.payload))
        done.set()

    client.on_message = on_message
    client.on_connect = lambda c, *_: c.subscribe(topic, qos=1)
    client.connect(host, port)
    client.loop_start()
    done.wait(timeout_s)
    client.disconnect()
    client.loop_stop()
    return got[-1] if got else None


def _send(host: str, port: int, topic: str, payload: bytes) -> None:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=unique_name("sender"))
    client.connect(host, port)
    client.loop_start()
    client.publish(topic, payload, qos=1).wait_for_publish(5)
    client.disconnect()
    client.loop_stop()


def test_events_are_delivered_acked_and_leave_the_outbox(
    mosquitto, site, device_id, fake_collector, delivery_factory
) -> None:
    host, port = mosquitto
    collector = fake_collector(host, port, site=site)
    delivery = delivery_factory(host, port, site=site, device_id=device_id)
    delivery.start()
    now = datetime.now(UTC)
    for n in range(50):
        delivery.append(rfid(n), now)
    epoch = delivery.outbox.epoch
    assert wait_for(lambda: delivery.outbox.unsent_count() == 0, 10)
    assert collector.applied(device_id, epoch) == list(range(1, 51))
    assert collector.conflicts == []


def test_unacknowledged_events_stay_in_the_outbox(
    mosquitto, site, device_id, fake_collector, delivery_factory
) -> None:
    host, port = mosquitto
    collector = fake_collector(host, port, site=site, acking=False)
    delivery = delivery_factory(host, port, site=site, device_id=device_id)
    delivery.start()
    for n in range(5):
        delivery.append(rfid(n), datetime.now(UTC))
    assert wait_for(lambda: collector.received >= 5, 10)
    assert delivery.outbox.unsent_count() == 5  # the broker PUBACKed them; that is not enough


def test_birth_message_is_retained_with_identity_and_epoch(
    mosquitto, site, device_id, delivery_factory
) -> None:
    host, port = mosquitto
    delivery = delivery_factory(host, port, site=site, device_id=device_id)
    delivery.start()
    assert wait_for(lambda: delivery.link.is_connected, 10)
    status = wire.DeviceStatus.model_validate_json(
        _retained(host, port, wire.status_topic(site, device_id)) or b"{}"
    )
    assert status.state is wire.DeviceState.ONLINE
    assert (status.epoch, status.software_version) == (delivery.outbox.epoch, SOFTWARE_VERSION)
    assert status.calibration_ids == {"lane-1": "cal-7"}


def test_clean_stop_leaves_offline_retained(mosquitto, site, device_id, delivery_factory) -> None:
    host, port = mosquitto
    delivery = delivery_factory(host, port, site=site, device_id=device_id)
    delivery.start()
    assert wait_for(lambda: delivery.link.is_connected, 10)
    delivery.stop()
    payload = _retained(host, port, wire.status_topic(site, device_id))
    assert payload is not None
    assert wire.DeviceStatus.model_validate_json(payload).state is wire.DeviceState.OFFLINE


def test_commands_reach_the_handler_as_sent(mosquitto, site, device_id, delivery_factory) -> None:
    host, port = mosquitto
    commands: list[bytes] = []
    delivery = delivery_factory(host, port, site=site, device_id=device_id, commands=commands)
    delivery.start()
    assert wait_for(lambda: delivery.link.is_connected, 10)
    body = {"schema": 1, "command_id": str(uuid.uuid4()), "name": "tare", "lane": "lane-1"}
    _send(host, port, wire.commands_topic(site, device_id), json.dumps(body).encode())
    _send(host, port, wire.commands_topic(site, device_id), b"{not json")
    assert wait_for(lambda: len(commands) == 2, 5)
    assert json.loads(commands[0]) == body
    assert commands[1] == b"{not json"  # the command handler answers it with an error reply


def test_bad_acks_are_ignored_and_good_ones_still_work(
    mosquitto, site, device_id, delivery_factory
) -> None:
    host, port = mosquitto
    delivery = delivery_factory(host, port, site=site, device_id=device_id)
    delivery.start()
    for n in range(3):
        delivery.append(rfid(n), datetime.now(UTC))
    assert wait_for(lambda: delivery.stats().sent_seq == 3, 10)
    acks = wire.acks_topic(site, device_id)
    epoch = delivery.outbox.epoch
    foreign = wire.EventAck(device_id="other-pi", epoch=epoch, seq=3)
    junk = [b"", b"[]", b'{"schema": 1, "device_id": "x", "epoch": 0, "seq": 1}']
    for payload in [*junk, foreign.model_dump_json(by_alias=True).encode()]:
        _send(host, port, acks, payload)
    good = wire.EventAck(device_id=device_id, epoch=epoch, seq=2)
    _send(host, port, acks, good.model_dump_json(by_alias=True).encode())
    assert wait_for(lambda: delivery.outbox.acked_through() == 2, 5)
    assert delivery.link.is_connected


def test_resend_command_sends_unacked_events_again(
    mosquitto, site, device_id, fake_collector, delivery_factory
) -> None:
    host, port = mosquitto
    collector = fake_collector(host, port, site=site, acking=False)
    delivery = delivery_factory(host, port, site=site, device_id=device_id, ack_timeout_s=60)
    delivery.start()
    for n in range(4):
        delivery.append(rfid(n), datetime.now(UTC))
    assert wait_for(lambda: collector.received == 4, 10)
    assert delivery.resend_from(delivery.outbox.epoch, 3)
    delivery.forwarder.wake()
    assert wait_for(lambda: collector.received == 6, 5)
    assert collector.duplicates == 2


def test_a_failing_birth_message_does_not_stop_delivery(mosquitto, site, device_id) -> None:
    from edge_agent.link.mqtt import MqttLink  # noqa: PLC0415
    from edge_agent.link.settings import LinkSettings  # noqa: PLC0415

    def broken_birth() -> wire.DeviceStatus:
        raise RuntimeError("calibration store unreadable")

    host, port = mosquitto
    link = MqttLink(
        LinkSettings(host=host, port=port),
        site=site,
        device_id=device_id,
        birth=broken_birth,
        on_ack=lambda _a: None,
        on_command=lambda _c: None,
    )
    link.start()
    try:
        assert wait_for(lambda: link.is_connected, 10)
        assert link.publish_events([b"{}", b"{}"]) == 2
    finally:
        link.stop()
    assert not link.is_connected
