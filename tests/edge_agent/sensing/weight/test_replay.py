"""Weight traces: parsing both CSV forms and replaying them through the pipeline."""

from __future__ import annotations

import gzip

import pytest

from edge_agent.sensing.weight.replay import (
    TraceFormatError,
    read_weight_trace,
    replay_weight_trace,
)

from .conftest import make_lane


def grams_trace(levels: list[tuple[float, float]], lane: str = "a") -> str:
    """10 Hz rows of ``t_s,lane,grams`` holding each (grams, seconds) level in turn."""
    rows, t_s = ["t_s,lane,grams"], 0.0
    for grams, seconds in levels:
        for _ in range(round(seconds * 10)):
            rows.append(f"{t_s:.1f},{lane},{grams}")
            t_s += 0.1
    return "\n".join(rows) + "\n"


def test_parses_raw_rows_and_skips_comments():
    samples = read_weight_trace(["# shelf 1", "t_s,lane,raw", "0.0,a,-123", "", "0.1,b,77"])
    assert [(s.t_s, s.lane, s.value, s.unit) for s in samples] == [
        (0.0, "a", -123, "raw"),
        (0.1, "b", 77, "raw"),
    ]


def test_every_bad_row_is_reported_at_once():
    with pytest.raises(TraceFormatError) as info:
        read_weight_trace(
            ["# c", "t_s,lane,raw", "0.0,a,1.5", "x,a,1", "", "0.2,a", "0.3,,4", "nan,a,1"],
            source="t.csv",
        )
    message = str(info.value)
    assert message.startswith("t.csv: 5 bad line(s)")
    for row in ("line 3:", "line 4:", "line 6:", "line 7:", "line 8:"):
        assert row in message


def test_unknown_header_names_the_expected_ones():
    with pytest.raises(TraceFormatError, match="expected t_s,lane,raw or t_s,lane,grams"):
        read_weight_trace(["time,lane,kg", "0,a,1"])


def test_replay_of_a_grams_trace_yields_timed_events(tmp_path):
    path = tmp_path / "pick.csv"
    path.write_text(grams_trace([(1000.0, 5), (800.0, 5), (1000.0, 5)]))
    events = replay_weight_trace(path, [make_lane()])
    assert [e.change.count_change for e in events] == [-2, 2]
    assert 5.0 < events[0].t_s < 7.0
    assert 10.0 < events[1].t_s < 12.0


def test_replay_of_a_raw_trace_uses_the_lane_calibration(tmp_path):
    path = tmp_path / "raw.csv"
    rows = ["t_s,lane,raw"] + [
        f"{k / 10:.1f},a,{-50_000 + 430 * (500 if k < 50 else 900)}" for k in range(100)
    ]
    path.write_text("\n".join(rows))
    (event,) = replay_weight_trace(path, [make_lane()])
    assert (event.change.grams_before, event.change.grams_after) == (500.0, 900.0)
    assert event.change.count_change == 4


def test_gzip_traces_are_read(tmp_path):
    path = tmp_path / "pick.csv.gz"
    path.write_bytes(gzip.compress(grams_trace([(300.0, 5), (400.0, 5)]).encode()))
    assert [e.change.count_change for e in replay_weight_trace(path, [make_lane()])] == [1]


def test_lanes_missing_from_the_config_are_named(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text(grams_trace([(300.0, 1)], lane="zz"))
    with pytest.raises(TraceFormatError, match=r"lanes zz are not in the config \(configured: a\)"):
        replay_weight_trace(path, [make_lane()])
