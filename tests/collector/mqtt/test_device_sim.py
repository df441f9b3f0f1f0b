"""The simulated device keeps every event until acked and sends again when acks go quiet."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from collector.clock import SystemClock
from collector.mqtt.device_sim import PlannedMessage, SimulatedDevice
from edge_agent import wire
from tests.support.fake_collector import FakeCollectorAcker
from tests.support.mosquitto_private import PrivateMosquitto

pytestmark = [pytest.mark.mqtt, pytest.mark.timeout(60)]


def plan(device_id: str, count: int) -> list[PlannedMessage]:
    data = wire.StockTransaction.model_validate(
        {"type": "sale", "sku": "SKU-1", "qty": "1", "location": "main/a"}
    )
    return [
        PlannedMessage(
            seq,
            wire.dump_event(
                wire.make_event(
                    event_id=uuid.uuid4(),
                    device_id=device_id,
                    epoch=1,
                    seq=seq,
                    observed_at=datetime(2026, 1, 1, tzinfo=UTC),
                    data=data,
                )
            ),
        )
        for seq in range(1, count + 1)
    ]


@pytest.fixture
def broker(tmp_path) -> Iterator[tuple[str, int]]:
    """A broker of this test's own: on the shared one, any collector of all sites would ack."""
    with PrivateMosquitto(tmp_path / "broker") as private:
        yield private.host, private.port


def make_device(broker, site: str, device_id: str, **options) -> SimulatedDevice:
    host, port = broker
    device = SimulatedDevice(
        host=host, port=port, site=site, device_id=device_id, clock=SystemClock(), **options
    )
    device.connect()
    return device


def test_events_lost_before_the_collector_came_are_sent_again(broker, site) -> None:
    device = make_device(broker, site, "pos-1", resend_after_s=0.5)
    runner = threading.Thread(target=device.run, args=(plan("pos-1", 5),), kwargs={"timeout_s": 20})
    runner.start()  # nobody subscribes yet: the broker drops these five
    threading.Event().wait(0.3)
    acker = FakeCollectorAcker(*broker, site=site).start()
    try:
        runner.join(timeout=20)
        assert device.acked_seq == 5
        assert device.counters.resent >= 5
        assert acker.applied("pos-1", 1) == [1, 2, 3, 4, 5]
    finally:
        acker.stop()
        device.close()


def test_without_acks_it_gives_up_at_the_deadline_with_a_clear_error(broker, site) -> None:
    device = make_device(broker, site, "pos-2", resend_after_s=0.2)
    try:
        with pytest.raises(TimeoutError, match="pos-2: acked up to seq 0"):
            device.run(plan("pos-2", 3), timeout_s=0.8)
    finally:
        device.close()


def test_flow_control_waits_for_acks_before_running_ahead(broker, site) -> None:
    acker = FakeCollectorAcker(*broker, site=site, acking=False).start()
    device = make_device(broker, site, "pos-3", max_outstanding=3, resend_after_s=5)
    try:
        with pytest.raises(TimeoutError):
            device.run(plan("pos-3", 10), timeout_s=1.0)
        assert device.counters.published == 3  # seqs 1-3, then it waited for an ack
    finally:
        acker.stop()
        device.close()


def test_each_rise_of_the_acked_seq_is_recorded_with_its_time(broker, site) -> None:
    acker = FakeCollectorAcker(*broker, site=site).start()
    device = make_device(broker, site, "pos-4")
    try:
        started_s = SystemClock().monotonic()
        device.run(plan("pos-4", 6), timeout_s=20)
        acks = device.counters.acks_at_s
        assert acks[-1][1] == 6
        assert [seq for _, seq in acks] == sorted({seq for _, seq in acks})  # rises only
        assert all(started_s <= at_s <= SystemClock().monotonic() for at_s, _ in acks)
        assert [at_s for at_s, _ in acks] == sorted(at_s for at_s, _ in acks)
    finally:
        acker.stop()
        device.close()
