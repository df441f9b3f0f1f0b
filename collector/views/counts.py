"""Cycle counts as a reader may see them: newest first, each with its lines and variances.

A count covers every owner's positions under its location, so only unrestricted readers
are given counts (``collector.api.access``); the scope still narrows the lines, so a
restricted reader would never see another owner's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from collector.reconcile.runtime.schema import cycle_count_lines, cycle_counts
from collector.views.scope import Scope


@dataclass(frozen=True, slots=True)
class CountView:
    """A cycle count: where, by whom, open or closed, and how far it got."""

    id: int
    location_prefix: str
    status: str
    started_by: str
    started_at: datetime
    closed_by: str | None
    closed_at: datetime | None
    positions: int
    counted: int


@dataclass(frozen=True, slots=True)
class CountLineView:
    """One position of a count: the book at the start, what was counted, what was posted."""

    sku: str
    location: str
    owner: str
    book_at_start: Decimal
    counted: Decimal | None
    counted_by: str | None
    counted_at: datetime | None
    book_at_count: Decimal | None
    moved_during_count: bool
    adjustment_event_id: uuid.UUID | None

    @property
    def variance(self) -> Decimal | None:
        """Counted minus the book when counted (at the start, for a scanned count not posted)."""
        if self.counted is None:
            return None
        book = self.book_at_count if self.book_at_count is not None else self.book_at_start
        return self.counted - book


_c, _l = cycle_counts.c, cycle_count_lines.c


def _summary(scope: Scope) -> sa.Select[Any]:
    mine = scope.where(_l.owner)
    positions = sa.select(sa.func.count()).where(_l.count_id == _c.id, mine)
    counted = positions.where(_l.counted.is_not(None))
    return sa.select(
        _c.id,
        _c.location_prefix,
        _c.status,
        _c.started_by,
        _c.started_at,
        _c.closed_by,
        _c.closed_at,
        positions.scalar_subquery().label("positions"),
        counted.scalar_subquery().label("counted"),
    )


def count_page(
    conn: sa.Connection,
    scope: Scope,
    *,
    status: str | None,
    limit: int,
    before_id: int | None = None,
) -> list[CountView]:
    """Up to ``limit`` counts newest first, older than ``before_id``, of one status if given."""
    query = _summary(scope)
    if status is not None:
        query = query.where(_c.status == status)
    if before_id is not None:
        query = query.where(_c.id < before_id)
    rows = conn.execute(query.order_by(_c.id.desc()).limit(limit))
    return [CountView(**row._mapping) for row in rows]


def get_count(conn: sa.Connection, scope: Scope, count_id: int) -> CountView | None:
    """The count, or None when there is none."""
    row = conn.execute(_summary(scope).where(_c.id == count_id)).first()
    return CountView(**row._mapping) if row is not None else None


def count_lines(conn: sa.Connection, scope: Scope, count_id: int) -> list[CountLineView]:
    """The positions of a count by location, SKU and owner."""
    columns = [_l[name] for name in CountLineView.__dataclass_fields__]
    query = sa.select(*columns).where(_l.count_id == count_id, scope.where(_l.owner))
    rows = conn.execute(query.order_by(_l.location, _l.sku, _l.owner))
    return [
        CountLineView(**{**row._mapping, "moved_during_count": bool(row.moved_during_count)})
        for row in rows
    ]
