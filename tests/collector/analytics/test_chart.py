"""The ASCII chart fits 80 columns and shows history and forecast apart."""

from __future__ import annotations

from datetime import date

import numpy as np

from collector.analytics.chart import chart_lines


def test_two_years_and_a_long_forecast_fit_80_columns() -> None:
    history = np.tile([1.0, 1, 1, 1, 2, 9, 4], 105)
    lines = chart_lines(history, np.full(366, 3.0), date(2026, 12, 2))
    assert max(len(line) for line in lines) <= 80
    plot = "".join(lines[:-3])
    assert "#" in plot
    assert "+" in plot
    assert "2026-12-02" in lines[-2]


def test_a_short_history_gets_a_column_a_day() -> None:
    lines = chart_lines(np.array([0.0, 4.0, 2.0]), np.array([2.0, 2.0]), date(2026, 12, 2))
    top = lines[0]
    assert top == "   4.00 | #"  # day 2's 4 is the peak
    bottom = lines[9]  # the lowest row: every column with demand has a cell
    assert bottom.endswith("|" + " ##++")
    assert "a column is 1 day(s)" in lines[-1]


def test_no_demand_at_all_draws_an_empty_chart() -> None:
    lines = chart_lines(np.zeros(10), np.zeros(5), date(2026, 12, 2))
    assert all("#" not in line and "+" not in line.split("|")[-1] for line in lines[:10])
