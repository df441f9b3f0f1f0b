"""The weight trace chart: a step per settled change, evidence marked, the alert's moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from collector.console.trace_chart import HEIGHT_PX, WIDTH_PX, trace_chart
from collector.views.weight_trace import WeightStep

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def step(minutes: float, before: float, after: float, event_id: str) -> WeightStep:
    return WeightStep(T0 + timedelta(minutes=minutes), "shelf-1", "lane-1", before, after, -2,
                      "TEA-1", event_id)  # fmt: skip


def points(text: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in (p.split(",") for p in text.split())]


def test_no_change_draws_nothing() -> None:
    assert trace_chart([], evidence=frozenset(), raised_at=None) is None


def test_each_change_drops_from_the_weight_left_to_the_one_settled_at() -> None:
    steps = [step(0, 1260, 1050, "a"), step(10, 1050, 840, "b")]
    chart = trace_chart(steps, evidence=frozenset({"b"}), raised_at=T0 + timedelta(minutes=10.1))
    assert chart is not None
    drawn = points(chart.points)
    assert len(drawn) == 6  # the level before, two drops of two points each, the level after
    assert drawn[0][1] == drawn[1][1]  # 1260 g held until the first change
    assert drawn[1][0] == drawn[2][0]  # a vertical drop
    assert drawn[2][1] > drawn[1][1]
    assert drawn[-1][1] == drawn[-2][1]  # 840 g held to the end
    assert all(0 <= x <= WIDTH_PX and 0 <= y <= HEIGHT_PX for x, y in drawn)
    assert [d.title for d in chart.dots] == ["09:10:00: 1050.0 g → 840.0 g, -2 units"]
    assert chart.raised_x is not None
    assert drawn[3][0] < chart.raised_x < drawn[-1][0]
    assert "2 settled changes, 1260.0 g at first, 840.0 g at last" in chart.summary


def test_one_change_still_spans_the_chart_and_a_far_alert_time_is_not_drawn() -> None:
    chart = trace_chart([step(0, 1050, 840, "a")], evidence=frozenset(),
                        raised_at=T0 + timedelta(days=1))  # fmt: skip
    assert chart is not None
    drawn = points(chart.points)
    assert drawn[0][0] < drawn[1][0] < drawn[-1][0]
    assert chart.raised_x is None
    assert chart.dots == []
