"""End to end: the simulated agent through the real Mosquitto to a fake collector that acks.

Items placed and taken on a simulated HX711 lane and a barcode scanned into a
pty arrive as wire events with contiguous seqs, and leave the outbox once acked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from edge_agent import wire
from tests.edge_agent.runtime.conftest import RunningAgent, TopicRecorder, wait_for, write_config
from tests.support.fake_collector import FakeCollectorAcker

pytestmark = [pytest.mark.mqtt, pytest.mark.slow]


@pytest.fixture
def collector(mosquitto: tuple[str, int], site: str) -> Iterator[FakeCollectorAcker]:
    acker = FakeCollectorAcker(*mosquitto, site=site).start()
    yield acker
    acker.stop()


def _weight_changes(recorder: TopicRecorder, device_id: str) -> list[tuple[str, int | None]]:
    return [
        (e.data.lane, e.data.count_change)
        for e in recorder.events(device_id)
        if isinstance(e.data, wire.ShelfWeightChanged)
    ]


def _drained(agent: RunningAgent, collector: FakeCollectorAcker) -> bool:
    outbox = agent.built.outbox
    applied = collector.applied(agent.device_id, outbox.epoch)
    return outbox.unsent_count() == 0 and applied == list(range(1, outbox.last_seq + 1))


def test_shelf_items_placed_and_taken_arrive_once_in_order_and_drain(
    config_for: Callable[..., Path],
    recorder: TopicRecorder,
    collector: FakeCollectorAcker,
    start_agent: Callable[..., RunningAgent],
) -> None:
    agent = start_agent(config_for("shelf-1.yaml"))
    world = agent.built.world
    assert world is not None
    agent.wait_settled()
    world.place("lane-1", 3)
    assert wait_for(lambda: _weight_changes(recorder, agent.device_id) == [("lane-1", 3)], 15)
    world.take("lane-1", 1)
    want = [("lane-1", 3), ("lane-1", -1)]
    assert wait_for(lambda: _weight_changes(recorder, agent.device_id) == want, 15)
    assert wait_for(lambda: _drained(agent, collector), 15)
    events = recorder.events(agent.device_id)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert {e.epoch for e in events} == {agent.built.outbox.epoch}
    beat = next(e.data for e in events if isinstance(e.data, wire.DeviceHeartbeat))
    assert [s.sensor for s in beat.sensors] == ["lane-1", "lane-2", "lane-3", "lane-4"]
    assert collector.conflicts == []


def test_scans_into_a_pty_arrive_parsed_and_bad_scans_are_reported(
    config_for: Callable[..., Path],
    recorder: TopicRecorder,
    collector: FakeCollectorAcker,
    start_agent: Callable[..., RunningAgent],
) -> None:
    agent = start_agent(config_for("receiving-1.yaml"))
    world = agent.built.world
    assert world is not None
    world.scan("010950600013435210LOT7\x1d3005", symbology="]C1")
    world.scan("9506000134353")  # wrong check digit

    def scans() -> list[wire.BarcodeScanned]:
        return [
            e.data
            for e in recorder.events(agent.device_id)
            if isinstance(e.data, wire.BarcodeScanned)
        ]

    assert wait_for(lambda: len(scans()) == 2, 10)
    good, bad = scans()
    assert (good.gtin, good.sku, good.lot, good.count) == ("09506000134352", "TEA-100", "LOT7", 5)
    assert good.rejected_reason is None
    assert bad.rejected_reason is not None
    assert wait_for(lambda: _drained(agent, collector), 15)
    beat = next(
        e.data for e in recorder.events(agent.device_id) if isinstance(e.data, wire.DeviceHeartbeat)
    )
    assert [s.sensor for s in beat.sensors] == ["scanner-1"]


def test_a_tag_walking_out_through_the_gate_arrives_with_its_direction(
    config_for: Callable[..., Path],
    recorder: TopicRecorder,
    collector: FakeCollectorAcker,
    start_agent: Callable[..., RunningAgent],
) -> None:
    agent = start_agent(config_for("gate-1.yaml"))
    world = agent.built.world
    assert world is not None
    epc = "30340242201D8C0000000001"
    world.tag_passes(epc, direction="out")

    def tags() -> list[wire.RfidTagSeen]:
        return [
            e.data for e in recorder.events(agent.device_id) if isinstance(e.data, wire.RfidTagSeen)
        ]

    assert wait_for(lambda: len(tags()) == 1, 10)
    assert (tags()[0].epc, tags()[0].direction) == (epc, wire.GateDirection.OUT)
    assert wait_for(lambda: _drained(agent, collector), 15)


def test_sensors_keep_reading_while_the_broker_is_unreachable(
    tmp_path: Path, site: str, start_agent: Callable[..., RunningAgent]
) -> None:
    closed_port = ("127.0.0.1", 9)  # discard port: nothing listens there
    agent = start_agent(write_config(tmp_path, "shelf-1.yaml", site=site, broker=closed_port))
    world = agent.built.world
    assert world is not None
    agent.wait_settled()
    world.place("lane-2", 2)
    outbox = agent.built.outbox
    assert wait_for(lambda: outbox.last_seq >= 2, 15)  # the first heartbeat, then the placement
    assert not agent.built.delivery.link.is_connected
    assert outbox.unsent_count() == outbox.last_seq  # all kept until a collector acks them
