"""``AverageDailySales``: the plain ``DemandForecast`` over ``position_days``.

The database sums each position's window (units and their squares, in micro-units): a
scope over one selling position — the usual case — gets its exact mean and σ from those
two sums. A scope over several (its days are sums across positions, which squares do
not add up to), or whose squares overflowed SQLite's integers, reads its days instead.

Each read is one statement whatever the number of scopes (their SKUs are one parameter:
``plain.one_of``). With a ``DemandMemo`` (the sweep's), a window already
estimated for the day is kept: a later run re-reads only the SKUs of the movements posted
since (movement ids grow in commit order: postings hold the ledger lock).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from collector.ledger.schema import movements, position_days
from collector.purchasing.demand import DemandScope, estimate_micro, from_sums
from collector.purchasing.memo import DemandMemo, WindowDemand
from collector.purchasing.plain import one_of, plain_rows
from collector.purchasing.reorder import Demand

METHOD = "average daily sales"
Key = tuple[str, str, str]
"""(sku, owner, location)."""


class AverageDailySales:
    """Units sold (sales and issues, reversals netted) per books day, last N days to ``as_of``."""

    def __init__(self, conn: sa.Connection, memo: DemandMemo | None = None) -> None:
        """Read through ``conn`` (the suggestion run's); keep windows in ``memo`` if given."""
        self._conn = conn
        self._memo = memo

    def daily_demand(
        self, scopes: Sequence[DemandScope], *, as_of: date
    ) -> Mapping[DemandScope, Demand]:
        """Mean and σ of each scope's daily units over its window (ending the day before)."""
        found: dict[DemandScope, Demand] = {}
        by_window: dict[int, list[DemandScope]] = {}
        for scope in dict.fromkeys(scopes):
            by_window.setdefault(scope.history_days, []).append(scope)
        last_id = self._last_movement_id() if self._memo is not None and by_window else None
        for window, mine in by_window.items():
            if self._memo is None:
                found.update(self._window(mine, window, as_of))
            else:
                found.update(self._kept(self._memo, mine, window, as_of, last_id))
        return found

    def _last_movement_id(self) -> int | None:
        """Read before the days: a posting between the two is re-read next run, not lost."""
        value = self._conn.execute(sa.select(sa.func.max(movements.c.id))).scalar()
        return None if value is None else int(value)

    def _kept(
        self, memo: DemandMemo, scopes: list[DemandScope], window: int, as_of: date,
        last_id: int | None,
    ) -> dict[DemandScope, Demand]:  # fmt: skip
        """The window from the memo; scopes not in it or of SKUs moved since: read."""
        kept = memo.windows.get(window)
        if kept is None or kept.as_of != as_of:
            kept = memo.windows[window] = WindowDemand(as_of, last_id)
        elif kept.last_movement_id != last_id:
            moved = self._moved_skus(kept.last_movement_id)
            kept.found = {s: d for s, d in kept.found.items() if s.sku not in moved}
            kept.last_movement_id = last_id
        have = kept.found
        missing = [scope for scope in scopes if scope not in have]
        if missing:
            have.update(self._window(missing, window, as_of))
        return {scope: have[scope] for scope in scopes}

    def _moved_skus(self, since_id: int | None) -> set[str]:
        query = sa.select(movements.c.sku).distinct()
        if since_id is not None:
            query = query.where(movements.c.id > since_id)
        return set(self._conn.execute(query).scalars())

    def _window(
        self, scopes: list[DemandScope], window: int, as_of: date
    ) -> dict[DemandScope, Demand]:
        index = _index(scopes)
        sums: dict[DemandScope, list[tuple[int, Any]]] = {scope: [] for scope in scopes}
        over: dict[Key, list[DemandScope]] = {}
        for sku, owner, location, total, squares in self._sums(scopes, window, as_of):
            key = (sku, owner, location)
            targets = over.get(key)
            if targets is None:
                targets = over[key] = _scopes_over(index, key)
            for scope in targets:
                sums[scope].append((int(total), squares))
        found: dict[DemandScope, Demand] = {}
        by_days: list[DemandScope] = []
        for scope, parts in sums.items():
            if len(parts) > 1 or (parts and isinstance(parts[0][1], float)):
                by_days.append(scope)
            else:
                total, squares = parts[0] if parts else (0, 0)
                found[scope] = from_sums(window, total, int(squares), METHOD)
        if by_days:
            found.update(self._by_days(by_days, window, as_of))
        return found

    def _sums(self, scopes: list[DemandScope], window: int, as_of: date) -> list[Any]:
        t = position_days.c
        raw = sa.type_coerce(t.sold_qty, sa.BigInteger)  # micro-units, unconverted
        exact = sa.cast(raw, sa.Numeric)  # PostgreSQL: no bigint overflow in the squares
        query = (
            sa.select(t.sku, t.owner, t.location, sa.func.sum(raw), sa.func.sum(exact * exact))
            .where(_of_skus(scopes, self._conn.dialect.name), *_in_window(window, as_of))
            .group_by(t.sku, t.owner, t.location)
        )
        return plain_rows(self._conn, query)

    def _by_days(
        self, scopes: list[DemandScope], window: int, as_of: date
    ) -> dict[DemandScope, Demand]:
        """Scopes over several selling positions: their days summed, then estimated."""
        index = _index(scopes)
        days = {scope: [0] * window for scope in scopes}
        backs = _days_back(as_of, window)
        t = position_days.c
        raw_sold = sa.type_coerce(t.sold_qty, sa.BigInteger)
        raw_day = sa.type_coerce(t.day, sa.String)  # SQLite text, PostgreSQL date
        query = sa.select(t.sku, t.owner, t.location, raw_day, raw_sold).where(
            _of_skus(scopes, self._conn.dialect.name), *_in_window(window, as_of)
        )
        for sku, owner, location, day, sold in self._conn.execute(query).fetchall():
            for scope in _scopes_over(index, (sku, owner, location)):
                days[scope][backs[day]] += sold
        return {scope: estimate_micro(days[scope], METHOD) for scope in scopes}


def _of_skus(scopes: list[DemandScope], dialect: str) -> sa.ColumnElement[bool]:
    """The scopes' SKUs as one parameter (one statement, the (sku, day) index per SKU)."""
    return one_of(position_days.c.sku, (s.sku for s in scopes), dialect)


def _in_window(window: int, as_of: date) -> tuple[sa.ColumnElement[bool], ...]:
    t = position_days.c
    return (t.day >= as_of - timedelta(days=window), t.day < as_of, t.sold_qty != 0)


def _index(scopes: list[DemandScope]) -> dict[Key, list[DemandScope]]:
    found: dict[Key, list[DemandScope]] = {}
    for scope in scopes:
        found.setdefault((scope.sku, scope.owner, scope.location), []).append(scope)
    return found


def _days_back(as_of: date, days: int) -> dict[Any, int]:
    """Day (as a date and as ISO text) → days before ``as_of`` less one (0: yesterday)."""
    found: dict[Any, int] = {}
    for back in range(days):
        day = as_of - timedelta(days=back + 1)
        found[day] = found[day.isoformat()] = back
    return found


def _scopes_over(index: dict[Key, list[DemandScope]], key: Key) -> list[DemandScope]:
    """The scopes whose location is the key's or one of its ancestors."""
    sku, owner, location = key
    found: list[DemandScope] = []
    parts = location.split("/")
    for depth in range(len(parts), 0, -1):
        found.extend(index.get((sku, owner, "/".join(parts[:depth])), ()))
    return found
