"""``AverageDailySales``: the plain ``DemandForecast`` over ``position_days`` (one query)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from collector.ledger.bulk import chunks
from collector.ledger.schema import position_days
from collector.purchasing.demand import DemandScope, estimate_micro
from collector.purchasing.reorder import Demand

METHOD = "average daily sales"


class AverageDailySales:
    """Units sold (sales and issues, reversals netted) per books day, last N days to ``as_of``.

    Every scope's days are read in one pass: the rows of the longest window for the
    scopes' SKUs, each added to every scope at or above its location. Sums stay in
    integer micro-units until the estimate, so thousands of scopes cost milliseconds.
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
        ordered = list(dict.fromkeys(scopes))
        by_key: dict[tuple[str, str, str], list[int]] = {}
        for index, scope in enumerate(ordered):
            by_key.setdefault((scope.sku, scope.owner, scope.location), []).append(index)
        windows = [scope.history_days for scope in ordered]
        days: list[list[int]] = [[0] * n for n in windows]
        over: dict[tuple[str, str, str], list[int]] = {}
        longest = max(windows)
        backs = _days_back(as_of, longest)
        for sku, owner, location, day, sold in self._rows(
            ordered, as_of - timedelta(longest), as_of
        ):
            key = (sku, owner, location)
            targets = over.get(key)
            if targets is None:
                targets = over[key] = _scopes_over(by_key, sku, owner, location)
            back = backs[day]
            for index in targets:
                if back < windows[index]:
                    days[index][back] += sold
        return {scope: estimate_micro(days[index], METHOD) for index, scope in enumerate(ordered)}

    def _rows(self, scopes: list[DemandScope], first: date, as_of: date) -> list[Any]:
        t = position_days.c
        # raw: micro-units and the day as the driver gives it (SQLite text, PostgreSQL date),
        # so tens of thousands of rows cost no per-value conversion
        raw_sold = sa.type_coerce(t.sold_qty, sa.BigInteger)
        raw_day = sa.type_coerce(t.day, sa.String)
        found: list[Any] = []
        for part in chunks(sorted({s.sku for s in scopes})):
            query = sa.select(t.sku, t.owner, t.location, raw_day, raw_sold).where(
                t.sku.in_(part), t.day >= first, t.day < as_of, t.sold_qty != 0
            )
            found.extend(self._conn.execute(query).fetchall())
        return found


def _days_back(as_of: date, days: int) -> dict[Any, int]:
    """Day (as a date and as ISO text) → how many days before ``as_of`` less one (0: yesterday)."""
    found: dict[Any, int] = {}
    for back in range(days):
        day = as_of - timedelta(days=back + 1)
        found[day] = found[day.isoformat()] = back
    return found


def _scopes_over(
    by_key: dict[tuple[str, str, str], list[int]], sku: str, owner: str, location: str
) -> list[int]:
    """The scopes whose location is ``location`` or one of its ancestors."""
    found: list[int] = []
    parts = location.split("/")
    for depth in range(len(parts), 0, -1):
        found.extend(by_key.get((sku, owner, "/".join(parts[:depth])), ()))
    return found
