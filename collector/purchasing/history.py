"""``AverageDailySales``: the plain ``DemandForecast`` over ``position_days`` (one query)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from collector.ledger.bulk import chunks
from collector.ledger.schema import position_days
from collector.purchasing.demand import DemandScope, estimate
from collector.purchasing.reorder import ZERO, Demand


class AverageDailySales:
    """Units sold (sales and issues, reversals netted) per books day, last N days to ``as_of``.

    Every scope's days are read in one pass: the rows of the longest window for the
    scopes' SKUs, each added to every scope at or above its location.
    """

    def __init__(self, conn: sa.Connection) -> None:
        """Read through ``conn`` (the suggestion run's)."""
        self._conn = conn

    def daily_demand(
        self, scopes: Sequence[DemandScope], *, as_of: date
    ) -> Mapping[DemandScope, Demand]:
        """Mean and σ of each scope's daily units over its window (ending the day before)."""
        if not scopes:
            return {}
        longest = max(scope.history_days for scope in scopes)
        first = as_of - timedelta(days=longest)
        by_key: dict[tuple[str, str, str], list[DemandScope]] = {}
        for scope in scopes:
            by_key.setdefault((scope.sku, scope.owner, scope.location), []).append(scope)
        days: dict[DemandScope, dict[date, Decimal]] = {scope: {} for scope in scopes}
        for row in self._rows(sorted({s.sku for s in scopes}), first, as_of):
            for scope in _scopes_over(by_key, row.sku, row.owner, row.location):
                if row.day >= as_of - timedelta(days=scope.history_days):
                    per_day = days[scope]
                    per_day[row.day] = per_day.get(row.day, ZERO) + row.sold_qty
        return {scope: _estimate(scope, days[scope], as_of) for scope in scopes}

    def _rows(self, skus: list[str], first: date, as_of: date) -> list[sa.Row[tuple[()]]]:
        t = position_days.c
        found: list[sa.Row[tuple[()]]] = []
        for part in chunks(skus):
            query = sa.select(t.day, t.sku, t.location, t.owner, t.sold_qty).where(
                t.sku.in_(part), t.day >= first, t.day < as_of, t.sold_qty != 0
            )
            found.extend(self._conn.execute(query))  # type: ignore[arg-type]
        return found


def _scopes_over(
    by_key: dict[tuple[str, str, str], list[DemandScope]], sku: str, owner: str, location: str
) -> list[DemandScope]:
    """The scopes whose location is ``location`` or one of its ancestors."""
    found: list[DemandScope] = []
    parts = location.split("/")
    for depth in range(len(parts), 0, -1):
        found.extend(by_key.get((sku, owner, "/".join(parts[:depth])), ()))
    return found


def _estimate(scope: DemandScope, per_day: dict[date, Decimal], as_of: date) -> Demand:
    window = [as_of - timedelta(days=n) for n in range(scope.history_days, 0, -1)]
    return estimate([per_day.get(day, ZERO) for day in window], "average daily sales")
