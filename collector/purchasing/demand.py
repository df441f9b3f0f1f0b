"""The demand a reorder point needs: a small port, and the plain estimate behind it.

``DemandForecast`` is what the suggestion run asks, for every demand rule at once; the
plain implementation (``collector.purchasing.history.AverageDailySales``) averages the
units sold per day over the last N days of ``position_days``. A forecasting model
(``collector.analytics``) can be plugged in by implementing the same protocol.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from statistics import mean, pstdev
from typing import NamedTuple, Protocol

from collector.purchasing.reorder import ZERO, Demand


class DemandScope(NamedTuple):
    """Demand of one SKU and owner at a location and everything below it, over N days.

    A named tuple: a run hashes tens of thousands of them several times (C-level hash).
    """

    sku: str
    location: str
    owner: str
    history_days: int


class DemandForecast(Protocol):
    """Daily demand (mean and σ) per scope, as of a day; one call for every rule."""

    def daily_demand(
        self, scopes: Sequence[DemandScope], *, as_of: date
    ) -> Mapping[DemandScope, Demand]:
        """The estimate of each scope (a scope without history: zero demand)."""
        ...


_MICRO = 1_000_000
_PLACES = Decimal("0.000001")


def estimate_micro(daily_micro: Sequence[int], method: str) -> Demand:
    """``estimate`` of daily units given in integer micro-units (exact: one square root)."""
    return from_sums(len(daily_micro), sum(daily_micro), sum(x * x for x in daily_micro), method)


def from_sums(days: int, total: int, squares: int, method: str) -> Demand:
    """Mean and σ over ``days`` from the sum and the sum of squares of micro-units per day.

    mean = S / n and σ² = (n·Q − S²) / n² (days without sales add nothing to S or Q).
    """
    if days <= 0:
        return Demand(ZERO, ZERO, method)
    mean_d = (Decimal(total) / (days * _MICRO)).quantize(_PLACES)
    spread = days * squares - total * total
    sigma = (Decimal(spread).sqrt() / (days * _MICRO)).quantize(_PLACES) if spread > 0 else ZERO
    return Demand(mean_d, sigma, method)


def estimate(daily_units: Sequence[Decimal], method: str = "average") -> Demand:
    """Mean and population standard deviation of units per day (days without sales count 0)."""
    if not daily_units:
        return Demand(ZERO, ZERO, method)
    places = Decimal("0.000001")
    return Demand(
        Decimal(mean(daily_units)).quantize(places),
        Decimal(pstdev(daily_units)).quantize(places),
        method,
    )
