"""Inventory turnover and days of inventory from the ledger's daily closing values.

Over a period of N books days d₁ … d_N:

- average inventory value = (1/N) · Σ closing value of each day dᵢ, where a day's closing
  value is the value before the period plus every change up to and including that day;
- inventory turnover (ITR) = COGS of the period ÷ average inventory value;
- days of inventory = N ÷ ITR  (= average inventory value ÷ COGS per day).

The two-point "(opening + closing) ÷ 2" of textbooks is the special case of a period
whose only change comes on its last day. With no stock over the period turnover is
undefined (None); with no COGS, days of inventory are (None: stock that does not move).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from collector.domain.money import ZERO

RATIO_PLACES = Decimal("0.000001")
"""Turnover and days of inventory are given to six places, like amounts."""


@dataclass(frozen=True, slots=True)
class TurnoverLine:
    """One group's turnover over a period of books days."""

    group: str
    days: int
    opening_value: Decimal
    closing_value: Decimal
    average_value: Decimal
    cogs: Decimal
    turnover: Decimal | None
    days_of_inventory: Decimal | None


def period_days(first_day: date, last_day: date) -> int:
    """How many days from ``first_day`` to ``last_day``, both included."""
    return (last_day - first_day).days + 1


def average_value(
    opening_value: Decimal,
    changes_by_day: Mapping[date, Decimal],
    *,
    first_day: date,
    last_day: date,
) -> Decimal:
    """The mean of the daily closing values from ``first_day`` to ``last_day``.

    A change on day dᵢ counts in the closing value of dᵢ and of every later day: with
    N days it weighs (N − i) / N for its zero-based index i.
    """
    days = period_days(first_day, last_day)
    weighted = ZERO
    for day, change in changes_by_day.items():
        index = (day - first_day).days
        if 0 <= index < days:
            weighted += change * (days - index)
    return opening_value + weighted / days


def turnover_line(
    group: str,
    *,
    opening_value: Decimal,
    changes_by_day: Mapping[date, Decimal],
    cogs: Decimal,
    first_day: date,
    last_day: date,
) -> TurnoverLine:
    """Turnover and days of inventory of one group (see the module's formulas)."""
    days = period_days(first_day, last_day)
    in_period = {d: v for d, v in changes_by_day.items() if first_day <= d <= last_day}
    weighted = sum((v * (days - (d - first_day).days) for d, v in in_period.items()), ZERO)
    return turnover_from_sums(
        group, opening_value=opening_value, change=sum(in_period.values(), ZERO),
        weighted_change=weighted, cogs=cogs, days=days,
    )  # fmt: skip


def turnover_from_sums(
    group: str,
    *,
    opening_value: Decimal,
    change: Decimal,
    weighted_change: Decimal,
    cogs: Decimal,
    days: int,
) -> TurnoverLine:
    """``turnover_line`` from the period's net change and its weighted sum Σ change·(N − i)
    (day dᵢ's change weighs N − i: what a database sums without one row per day)."""
    average = opening_value + weighted_change / days
    turnover = cogs / average if average > 0 else None
    days_of_inventory = Decimal(days) / turnover if turnover is not None and turnover > 0 else None
    return TurnoverLine(
        group=group,
        days=days,
        opening_value=opening_value,
        closing_value=opening_value + change,
        average_value=average.quantize(RATIO_PLACES),
        cogs=cogs,
        turnover=None if turnover is None else turnover.quantize(RATIO_PLACES),
        days_of_inventory=(
            None if days_of_inventory is None else days_of_inventory.quantize(RATIO_PLACES)
        ),
    )
