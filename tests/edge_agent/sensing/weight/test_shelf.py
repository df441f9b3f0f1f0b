"""A shelf's lanes side by side, and their heartbeat entries."""

from __future__ import annotations

import pytest

from edge_agent.errors import ConfigError
from edge_agent.sensing.weight.shelf import ShelfPipeline, lane_health

from .conftest import Feeder, make_lane


def test_samples_go_to_their_own_lane():
    shelf = ShelfPipeline([make_lane(lane="a"), make_lane(lane="b", unit_grams=50.0)])
    events = []
    for k in range(100):
        for lane, grams in (("a", 500.0), ("b", 500.0 if k < 50 else 400.0)):
            event = shelf.push_grams(k / 10, lane, grams)
            if event is not None:
                events.append(event)
    assert [(e.change.lane, e.change.count_change) for e in events] == [("b", -2)]


def test_a_lane_configured_twice_is_a_config_error():
    with pytest.raises(ConfigError, match="lane 'a' is configured twice"):
        ShelfPipeline([make_lane(lane="a"), make_lane(lane="a")])


def test_an_unknown_lane_names_the_configured_ones():
    shelf = ShelfPipeline([make_lane(lane="a")])
    with pytest.raises(KeyError, match="unknown lane 'z'; configured: a"):
        shelf.push_raw(0.0, "z", 1)


def test_heartbeat_entry_reports_noise_and_zero_drift(feeder: Feeder):
    feeder.hold(2.0, 120)
    health = lane_health(feeder.pipeline, sample_rate_hz=10.0, errors=1, retries=2, rejected=3)
    assert health.sensor == "a"
    assert (health.errors, health.retries, health.rejected) == (1, 2, 3)
    assert health.noise_grams == pytest.approx(0.3, rel=0.3)
    assert health.drift_grams == pytest.approx(2.0, abs=0.3)
