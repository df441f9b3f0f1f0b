"""The demand chart's two lines join where history ends (pure)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from collector.console.forecast_chart import demand_chart
from collector.views.demand import DayQty

DEC_1 = date(2026, 12, 1)


def days(first: date, values: list[int]) -> list[DayQty]:
    return [DayQty(first + timedelta(days=i), Decimal(v)) for i, v in enumerate(values)]


def test_the_forecast_line_starts_at_the_last_day_of_history() -> None:
    chart = demand_chart(days(DEC_1, [0, 4, 2]), days(DEC_1 + timedelta(days=3), [2, 2]))
    assert chart is not None
    # 5 days over 584 px: 146 px a day; 4 a day is the top (y 28), 0 the axis (y 152).
    assert chart.history == "28.0,152.0 174.0,28.0 320.0,90.0"
    assert chart.forecast == "320.0,90.0 466.0,90.0 612.0,90.0"
    assert (chart.split_x, chart.first_day, chart.last_day, chart.max_qty) == (
        320.0, "2026-12-01", "2026-12-05", "4",
    )  # fmt: skip


def test_nothing_to_draw_is_no_chart() -> None:
    assert demand_chart([], []) is None
