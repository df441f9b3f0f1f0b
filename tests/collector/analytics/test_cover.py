"""Days of cover and the stock-out date, by hand."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from collector.analytics.cover import cover, days_of_cover

DEC_1 = date(2026, 12, 1)


def test_stock_runs_out_part_way_through_a_day() -> None:
    # 5 on hand at 2 a day: days 1 and 2 take 4, day 3 needs 2 with 1 left → 2 + 1/2
    found = cover(5, np.array([2.0, 2.0, 2.0, 2.0]), DEC_1)
    assert (found.days_of_cover, found.stock_out_date) == (2.5, date(2026, 12, 3))


def test_stock_that_lasts_exactly_two_days_is_out_on_the_third() -> None:
    found = cover(4, np.array([2.0, 2.0, 2.0]), DEC_1)
    assert (found.days_of_cover, found.stock_out_date) == (2.0, date(2026, 12, 3))


def test_an_uneven_forecast_is_walked_day_by_day() -> None:
    # 10 on hand: 1 + 1 + 6 = 8 by day 3; day 4 needs 4 with 2 left → 3 + 2/4
    assert days_of_cover(10, np.array([1.0, 1.0, 6.0, 4.0, 1.0])) == pytest.approx(3.5)


def test_past_the_horizon_the_mean_rate_goes_on() -> None:
    # 3 days of 1 leave 7 of 10; at 1 a day that is 7 more days → 10
    found = cover(10, np.array([1.0, 1.0, 1.0]), DEC_1)
    assert (found.days_of_cover, found.stock_out_date) == (10.0, date(2026, 12, 11))


def test_no_stock_is_no_cover_and_out_today() -> None:
    found = cover(-3, np.array([1.0]), DEC_1)
    assert (found.days_of_cover, found.stock_out_date) == (0.0, DEC_1)


def test_no_demand_never_runs_out() -> None:
    found = cover(5, np.zeros(28), DEC_1)
    assert (found.days_of_cover, found.stock_out_date) == (None, None)
