"""The committed scenario suite: accuracy targets on realistic simulated traces.

Traces and truth come from ``tests/fixtures/weight_traces/generate.py``; see
``docs/weight-sensing.md``.  Targets from the issue: at least 99 % of picks and
placements counted right, and not one event on the 24-hour drift-only trace.
"""

from __future__ import annotations

import pytest

from edge_agent.wire import WeightResolution
from tests.fixtures.weight_traces import generate
from tests.fixtures.weight_traces.scoring import Score, replay_scenario, scenario_names, score

SCENARIOS = [n for n in scenario_names() if n != "drift_24h"]


@pytest.fixture(scope="module")
def scores() -> dict[str, Score]:
    """Every scenario replayed and scored once."""
    result = {}
    for name in SCENARIOS:
        events, truth = replay_scenario(name)
        result[name] = score(events, truth, name)
    return result


def test_the_suite_is_all_there():
    assert len(SCENARIOS) >= 10
    assert "drift_24h" in scenario_names()


def test_at_least_99_percent_of_picks_and_placements_are_counted_right(scores):
    total = Score()
    for s in scores.values():
        total.add(s)
    assert total.counted >= 500
    assert total.accuracy >= 0.99, total.wrong


@pytest.mark.parametrize("name", SCENARIOS)
def test_each_scenario_meets_the_target_without_false_events(scores, name):
    s = scores[name]
    assert s.accuracy >= 0.99, s.wrong
    assert s.false_events == 0


def test_lift_and_return_emits_nothing(scores):
    s = scores["lift_and_return"]
    assert s.silent_total >= 20
    assert s.silent_right == s.silent_total


def test_drift_only_day_emits_no_event():
    events, truth = replay_scenario("drift_24h")
    assert truth["actions"] == []
    assert events == []


def test_mixed_lane_never_resolves_to_a_wrong_count():
    events, truth = replay_scenario("mixed_lane")
    s = score(events, truth)
    resolved_wrong = [w for w in s.wrong if WeightResolution.RESOLVED.value in w]
    assert resolved_wrong == []


def test_the_generator_reproduces_the_committed_traces(tmp_path):
    scenario = next(s for s in generate.SCENARIOS if s.name == "noise_low")
    generate.generate(scenario, tmp_path)
    for suffix in (".csv", ".truth.json"):
        committed = (generate.HERE / f"noise_low{suffix}").read_bytes()
        assert (tmp_path / f"noise_low{suffix}").read_bytes() == committed
