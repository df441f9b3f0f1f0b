"""Stock by position, now (the balances) or at any instant (the journal), with totals.

Now is ``balances``, kept with the journal in the same transaction. At an instant, given
the books' time zone, it starts from the daily sums (``day_sums``: the balances less the
days after the instant, or the days before it, plus one day of lines), so one SKU at any
instant reads a few hundred rows however long the journal is. Without the zone it is the
sum of every movement effective at or before the instant (the same figures, slower).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from collector.domain.money import ZERO, unit_cost_of
from collector.ledger.schema import balances, movements
from collector.views.books import books_scope
from collector.views.day_sums import Piece, journal_until, nearer_the_end
from collector.views.paths import in_subtree
from collector.views.scope import Scope

PositionAfter = tuple[str, str, str]
"""(sku, location, owner) of the last position of the previous page."""


@dataclass(frozen=True, slots=True)
class StockFilter:
    """Which positions: a SKU, a location and everything below it, an owner, an instant."""

    sku: str | None = None
    location: str | None = None
    owner: str | None = None
    as_of: datetime | None = None
    """None: now (the balances); else stock as of the end of that instant."""
    books_tz: tzinfo | None = None
    """The books' time zone of ``position_days``: an as-of starts from the daily sums (fast);
    None: it sums the journal up to the instant."""


@dataclass(frozen=True, slots=True)
class StockPosition:
    """On hand and value of one position; average cost is None unless qty > 0."""

    sku: str
    location: str
    owner: str
    qty: Decimal
    value: Decimal
    avg_unit_cost: Decimal | None


@dataclass(frozen=True, slots=True)
class StockTotals:
    """The positions a filter matches, counted and summed."""

    positions: int
    qty: Decimal
    value: Decimal
    """Over every owner: of the positions on the warehouse's books only (``books_scope``)."""


def stock_page(
    conn: sa.Connection,
    scope: Scope,
    flt: StockFilter,
    *,
    limit: int,
    after: PositionAfter | None = None,
) -> list[StockPosition]:
    """Up to ``limit`` positions with stock or value, by (sku, location, owner), after ``after``."""
    found = _positions(conn, scope, flt)
    query = sa.select(found).order_by(found.c.sku, found.c.location, found.c.owner).limit(limit)
    if after is not None:
        key = sa.tuple_(found.c.sku, found.c.location, found.c.owner)
        query = query.where(key > sa.tuple_(*after))
    return [
        StockPosition(
            r.sku, r.location, r.owner, r.qty, r.value,
            unit_cost_of(r.value, r.qty) if r.qty > 0 else None,
        )
        for r in conn.execute(query)
    ]  # fmt: skip


def stock_totals(conn: sa.Connection, scope: Scope, flt: StockFilter) -> StockTotals:
    """How many positions the filter matches, their quantity and value (over every owner,
    the value of those on the warehouse's books)."""
    found = _positions(conn, scope, flt)
    valued = books_scope(conn, scope, owner=flt.owner)
    counted = (
        found.c.value
        if valued is scope
        else sa.case((valued.where(found.c.owner), found.c.value), else_=0)
    )
    value_sum = sa.func.sum(counted)
    count, qty, value = conn.execute(
        sa.select(sa.func.count(), sa.func.sum(found.c.qty), value_sum)
    ).one()
    return StockTotals(int(count), qty if qty is not None else ZERO, value or ZERO)


def totals_of(positions: list[StockPosition], valued: Scope | None = None) -> StockTotals:
    """The totals of positions already read (a first page that holds every one of them);
    ``valued``: the owners whose value counts (``books_scope``; None: every one)."""
    valued = valued or Scope.everyone()
    return StockTotals(
        len(positions),
        sum((p.qty for p in positions), ZERO),
        sum((p.value for p in positions if valued.sees(p.owner)), ZERO),
    )


def _positions(conn: sa.Connection, scope: Scope, flt: StockFilter) -> sa.Subquery:
    """The positions with stock or value, as a subquery of sku, location, owner, qty, value."""
    if flt.as_of is None:
        return _filtered(_now(), balances, scope, flt).subquery("positions")
    if flt.books_tz is not None:
        return _as_of_days(conn, scope, flt, flt.as_of, flt.books_tz).subquery("positions")
    return _filtered(_as_of(flt.as_of), movements, scope, flt).subquery("positions")


def _as_of_days(
    conn: sa.Connection, scope: Scope, flt: StockFilter, instant: datetime, books_tz: tzinfo
) -> sa.Select[Any]:
    """Per position, the day-sum pieces of the journal up to ``instant``, summed."""
    from_end = nearer_the_end(conn, instant)
    parts = sa.union_all(
        *(
            _filtered(_piece_rows(piece), piece.table, scope, flt)
            for piece in journal_until(instant, books_tz, inclusive=True, from_end=from_end)
        )
    ).subquery("parts")
    p = parts.c
    qty, value = sa.func.sum(p.qty), sa.func.sum(p.value)
    return (
        sa.select(p.sku, p.location, p.owner, qty.label("qty"), value.label("value"))
        .group_by(p.sku, p.location, p.owner)
        .having(sa.or_(qty != 0, value != 0))
    )


def _now() -> sa.Select[Any]:
    b = balances.c
    query = sa.select(b.sku, b.location, b.owner, b.qty, b.value)
    return query.where(sa.or_(b.qty != 0, b.value != 0))


def _as_of(instant: datetime) -> sa.Select[Any]:
    m = movements.c
    qty, value = sa.func.sum(m.qty), sa.func.sum(m.value)
    return (
        sa.select(m.sku, m.location, m.owner, qty.label("qty"), value.label("value"))
        .where(m.effective_at <= instant)
        .group_by(m.sku, m.location, m.owner)
        .having(sa.or_(qty != 0, value != 0))
    )


def _piece_rows(piece: Piece) -> sa.Select[Any]:
    t = piece.table.c
    qty, value = piece.amount("qty").label("qty"), piece.amount("value").label("value")
    return sa.select(t.sku, t.location, t.owner, qty, value).where(*piece.conditions)


def _filtered(
    query: sa.Select[Any], table: sa.Table, scope: Scope, flt: StockFilter
) -> sa.Select[Any]:
    query = query.where(scope.where(table.c.owner))
    if flt.sku is not None:
        query = query.where(table.c.sku == flt.sku)
    if flt.owner is not None:
        query = query.where(table.c.owner == flt.owner)
    if flt.location is not None:
        query = query.where(in_subtree(table.c.location, flt.location))
    return query
