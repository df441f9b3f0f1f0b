"""Commands through the real Mosquitto to a running simulated agent, replies read back.

Bad commands (malformed JSON, unknown lane, invalid weight, wrong epoch, a lane
command to a scanner station) get an error reply and change nothing; tare,
set_lane and a known-weight calibration succeed, persist, and show up as
calibration ids in the birth message after a restart.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from edge_agent import wire
from edge_agent.config.loader import load_config
from edge_agent.control.lane_state import LaneStateFile, lane_state_path
from tests.edge_agent.runtime.conftest import RunningAgent, TopicRecorder, wait_for

pytestmark = [pytest.mark.mqtt, pytest.mark.slow]


class Operator:
    """Sends commands to one device and waits for the replies."""

    def __init__(self, recorder: TopicRecorder, site: str, device_id: str) -> None:
        self.recorder, self.device_id = recorder, device_id
        self.topic = wire.commands_topic(site, device_id)
        online = lambda: any(s["state"] == "online" for s in recorder.statuses(device_id))  # noqa: E731
        assert wait_for(online, 10), "the agent never came online (so it is not subscribed)"

    def send(self, **fields: object) -> wire.CommandReply:
        command_id = str(uuid.uuid4())
        self.recorder.publish(self.topic, json.dumps({"command_id": command_id, **fields}).encode())
        replies = lambda: self.recorder.replies(self.device_id)  # noqa: E731
        assert wait_for(lambda: command_id in replies(), 10), f"no reply to {fields}"
        return replies()[command_id]

    def send_raw(self, payload: bytes) -> wire.CommandReply:
        self.recorder.publish(self.topic, payload)
        replies = lambda: self.recorder.replies(self.device_id)  # noqa: E731
        assert wait_for(lambda: "None" in replies(), 10), "no reply to malformed command"
        return replies()["None"]


def test_bad_commands_get_errors_and_change_nothing(
    config_for: Callable[..., Path],
    site: str,
    recorder: TopicRecorder,
    start_agent: Callable[..., RunningAgent],
) -> None:
    path = config_for("shelf-1.yaml")
    agent = start_agent(path)
    agent.wait_settled()
    operator = Operator(recorder, site, agent.device_id)
    epoch = agent.built.outbox.epoch
    errors = {
        "malformed": operator.send_raw(b"{tare lane-1").error,
        "unknown lane": operator.send(name="tare", lane="lane-9").error,
        "invalid weight": operator.send(name="calibrate", lane="lane-1", known_grams=0).error,
        "bad unit": operator.send(name="set_lane", lane="lane-1", sku="X", unit_grams=-1).error,
        "wrong epoch": operator.send(name="resend", epoch=epoch + 1, from_seq=1).error,
    }
    assert errors["malformed"] is not None
    assert "invalid command" in errors["malformed"]
    assert "unknown lane 'lane-9'" in (errors["unknown lane"] or "")
    assert "known_grams" in (errors["invalid weight"] or "")
    assert "unit_grams" in (errors["bad unit"] or "")
    assert f"epoch {epoch + 1} is not" in (errors["wrong epoch"] or "")
    device = load_config(path).device
    state = lane_state_path(load_config(path).site.outbox_file(device.id), device.id)
    assert not state.exists()  # nothing was changed, so nothing was saved


def test_lane_commands_to_a_scanner_station_are_refused(
    config_for: Callable[..., Path],
    site: str,
    recorder: TopicRecorder,
    start_agent: Callable[..., RunningAgent],
) -> None:
    agent = start_agent(config_for("receiving-1.yaml"))
    reply = Operator(recorder, site, agent.device_id).send(name="tare", lane="lane-1")
    assert not reply.ok
    assert "is a scanner_station and has no lanes" in (reply.error or "")


def test_good_commands_apply_persist_and_are_reported_after_restart(
    config_for: Callable[..., Path],
    site: str,
    recorder: TopicRecorder,
    start_agent: Callable[..., RunningAgent],
) -> None:
    path = config_for("shelf-1.yaml")
    agent = start_agent(path)
    agent.wait_settled()
    operator = Operator(recorder, site, agent.device_id)
    tare = operator.send(name="tare", lane="lane-1")
    assert tare.ok, tare.error
    assert operator.send(name="set_lane", lane="lane-2", sku="SOAP-95", unit_grams=95).ok
    assert agent.built.world is not None
    agent.built.world.place("lane-3", 1)  # one 1010 g bag of sugar as the known weight
    reply = operator.send(name="resend", epoch=agent.built.outbox.epoch, from_seq=1)
    assert reply.ok, reply.error
    assert wait_for(lambda: _count_events(recorder, agent.device_id, "lane-3") == 1, 15)
    calibrated = operator.send(name="calibrate", lane="lane-3", known_grams=1010)
    assert calibrated.ok, calibrated.error
    assert calibrated.result["counts_per_gram"] == pytest.approx(420, rel=0.01)
    agent.stop()

    config = load_config(path)
    state = LaneStateFile(
        lane_state_path(config.site.outbox_file(agent.device_id), agent.device_id),
        device_id=agent.device_id,
    ).load()
    assert state["lane-2"].sku == "SOAP-95"
    ids = {"lane-1": tare.result["calibration_id"], "lane-3": calibrated.result["calibration_id"]}
    assert {lane: s.calibration.calibration_id for lane, s in state.items() if s.calibration} == ids
    start_agent(path)
    births = lambda: [s for s in recorder.statuses(agent.device_id) if s["state"] == "online"]  # noqa: E731
    assert wait_for(lambda: len(births()) == 2, 10)
    assert births()[-1]["calibration_ids"] == ids


def _count_events(recorder: TopicRecorder, device_id: str, lane: str) -> int:
    return sum(
        1
        for e in recorder.events(device_id)
        if isinstance(e.data, wire.ShelfWeightChanged) and e.data.lane == lane
    )
