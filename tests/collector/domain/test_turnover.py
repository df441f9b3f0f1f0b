"""Turnover and days of inventory from daily closing values (pure)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from collector.domain.turnover import average_value, period_days, turnover_line

D = Decimal
NOV_1, NOV_30 = date(2026, 11, 1), date(2026, 11, 30)


def test_a_period_counts_both_its_first_and_last_day() -> None:
    assert period_days(NOV_1, NOV_30) == 30
    assert period_days(NOV_1, NOV_1) == 1


def test_unchanged_stock_averages_to_its_value() -> None:
    assert average_value(D(500), {}, first_day=NOV_1, last_day=NOV_30) == D(500)


def test_a_change_counts_in_its_own_day_and_every_later_one() -> None:
    # +300 on the 21st: the closing value is 600 for 10 of 30 days
    average = average_value(D(300), {date(2026, 11, 21): D(300)}, first_day=NOV_1, last_day=NOV_30)
    assert average == D(400)


def test_the_two_point_average_is_a_change_on_the_last_day_of_two() -> None:
    two_days = average_value(
        D(100), {date(2026, 11, 2): D(200)}, first_day=NOV_1, last_day=date(2026, 11, 2)
    )
    assert two_days == (D(100) + D(300)) / 2


def test_changes_outside_the_period_do_not_count() -> None:
    changes = {date(2026, 10, 31): D(50), date(2026, 12, 1): D(70)}
    line = turnover_line(
        "x",
        opening_value=D(10),
        changes_by_day=changes,
        cogs=D(0),
        first_day=NOV_1,
        last_day=NOV_30,
    )
    assert (line.average_value, line.closing_value) == (D(10), D(10))


def test_turnover_is_cogs_over_the_average_and_days_of_inventory_the_days_over_it() -> None:
    # average 400 (see above), COGS 1,200 over 30 days: 3 turns, 10 days of stock
    line = turnover_line(
        "SKU-1", opening_value=D(300), changes_by_day={date(2026, 11, 21): D(300)}, cogs=D(1200),
        first_day=NOV_1, last_day=NOV_30,
    )  # fmt: skip
    assert (line.days, line.average_value, line.closing_value) == (30, D(400), D(600))
    assert (line.turnover, line.days_of_inventory) == (D(3), D(10))


def test_stock_that_never_sells_has_no_days_of_inventory() -> None:
    line = turnover_line(
        "x", opening_value=D(80), changes_by_day={}, cogs=D(0), first_day=NOV_1, last_day=NOV_30
    )
    assert (line.turnover, line.days_of_inventory) == (D(0), None)


def test_no_stock_over_the_period_has_no_turnover() -> None:
    line = turnover_line(
        "x", opening_value=D(0), changes_by_day={}, cogs=D(0), first_day=NOV_1, last_day=NOV_30
    )
    assert (line.average_value, line.turnover, line.days_of_inventory) == (D(0), None, None)


def test_ratios_are_given_to_six_places() -> None:
    line = turnover_line(
        "x", opening_value=D(3), changes_by_day={}, cogs=D(1), first_day=NOV_1, last_day=NOV_1
    )
    assert line.turnover == D("0.333333")
    assert line.days_of_inventory == D(3)  # from the exact ratio, not the rounded one
