"""The on-hand step chart: points in the box, steps between changes, nothing for no data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from collector.console.chart import HEIGHT_PX, WIDTH_PX, plain, step_chart


def test_no_history_draws_nothing() -> None:
    assert step_chart([]) is None


def test_each_change_is_a_step_and_every_point_is_inside_the_box() -> None:
    chart = step_chart([(date(2026, 1, 1), Decimal(10)), (date(2026, 1, 3), Decimal(4))])
    assert chart is not None
    points = [tuple(map(float, p.split(","))) for p in chart.points.split()]
    assert len(points) == 3  # start, the level held to day 3, the drop
    assert points[1][1] == points[0][1]
    assert points[2][1] > points[1][1]  # less stock is lower on the chart (y grows down)
    assert all(0 <= x <= WIDTH_PX and 0 <= y <= HEIGHT_PX for x, y in points)
    assert "10 at first, 4 at last" in chart.summary


def test_quantities_are_plain() -> None:
    assert (plain(Decimal("10.000000")), plain(Decimal("2.500"))) == ("10", "2.5")
