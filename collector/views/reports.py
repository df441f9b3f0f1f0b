"""Reports over the journal: the period report and inventory turnover, grouped and scoped.

The SQL sums per group column (and movement type, or books day); grouping a location
into its subtree at some depth and the report's arithmetic happen after, in the pure
``collector.domain.report`` and ``collector.domain.turnover``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from collector.analytics.abc import AbcLine, abc_classes
from collector.domain.model import MovementType
from collector.domain.money import ZERO
from collector.domain.report import (
    TOTAL_GROUP,
    CogsLine,
    Grouping,
    cogs_line,
    location_group,
    total_line,
)
from collector.domain.turnover import TurnoverLine, turnover_line
from collector.ledger.schema import balances, movements, position_days
from collector.views.books import books_scope
from collector.views.scope import Scope


@dataclass(frozen=True, slots=True)
class ReportQuery:
    """Which positions a report covers and how its lines are grouped."""

    grouping: Grouping = Grouping.SKU
    depth: int | None = None
    """With ``Grouping.LOCATION``: group by the first ``depth`` path segments (a subtree)."""
    sku: str | None = None
    location: str | None = None
    """A location path: that location and everything under it."""
    owner: str | None = None


def day_bounds(first_day: date, last_day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The instants [start, end) of the days ``first_day`` to ``last_day`` (both in) in ``tz``.

    A day of a daylight-saving change is 23 or 25 hours long, as the zone says.
    """
    start = datetime.combine(first_day, time(0), tzinfo=tz)
    end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=tz)
    # In UTC: arithmetic on two times of one zone ignores a change of offset between them.
    return start.astimezone(UTC), end.astimezone(UTC)


def _where(table: sa.Table, scope: Scope, query: ReportQuery) -> list[sa.ColumnElement[bool]]:
    conditions = [scope.where(table.c.owner)]
    if query.sku:
        conditions.append(table.c.sku == query.sku)
    if query.owner:
        conditions.append(table.c.owner == query.owner)
    if query.location:
        path = query.location.strip("/").lower()
        conditions.append(
            sa.or_(
                table.c.location == path, table.c.location.startswith(path + "/", autoescape=True)
            )
        )
    return conditions


def _group_column(table: sa.Table, grouping: Grouping) -> sa.ColumnElement[Any]:
    if grouping is Grouping.TOTAL:
        return sa.literal(TOTAL_GROUP).label("grp")
    return table.c[grouping.value].label("grp")


def _labeller(query: ReportQuery) -> Callable[[str], str]:
    if query.grouping is Grouping.LOCATION:
        return lambda location: location_group(location, query.depth)
    return lambda group: group


def period_report(
    conn: sa.Connection,
    scope: Scope,
    *,
    start: datetime,
    end: datetime,
    query: ReportQuery | None = None,
) -> list[CogsLine]:
    """A line per group, then the total (group ``*``), for movements effective in [start, end).

    Over every owner (no ``query.owner``, an open ``scope``) it is the warehouse's report:
    only the owners on its books count (``books_scope``)."""
    query = query or ReportQuery()
    scope = books_scope(conn, scope, owner=query.owner)
    lines, _count = _lines(conn, scope, start, end, query, limit=None)
    if query.grouping is Grouping.TOTAL:
        return [total_line(lines)]
    return [*lines, total_line(lines)]


@dataclass(frozen=True, slots=True)
class ReportHead:
    """The first lines of a period report, the total of all of them, and how many there are."""

    lines: list[CogsLine]
    total: CogsLine
    line_count: int


def period_report_head(
    conn: sa.Connection,
    scope: Scope,
    *,
    start: datetime,
    end: datetime,
    query: ReportQuery,
    max_lines: int,
) -> ReportHead:
    """The period report's first ``max_lines`` lines (by group name) and its total: a page of
    a report by SKU builds 200 lines, not one per SKU of the warehouse, to show them."""
    scope = books_scope(conn, scope, owner=query.owner)
    lines, count = _lines(conn, scope, start, end, query, limit=max_lines)
    if count <= max_lines:
        return ReportHead(lines, total_line(lines), count)
    (total,) = period_report(conn, scope, start=start, end=end,
                             query=replace(query, grouping=Grouping.TOTAL))  # fmt: skip
    return ReportHead(lines, total, count)


def _lines(
    conn: sa.Connection,
    scope: Scope,
    start: datetime,
    end: datetime,
    query: ReportQuery,
    *,
    limit: int | None,
) -> tuple[list[CogsLine], int]:
    """The first ``limit`` lines (all: None) by group name, and how many groups there are."""
    group = _group_column(movements, query.grouping)
    where = _where(movements, scope, query)
    label = _labeller(query)
    in_period = [*where, movements.c.effective_at >= start, movements.c.effective_at < end]
    beginning = _beginning_values(conn, scope, query, start)
    values: dict[str, dict[MovementType, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    by_type = sa.select(group, movements.c.type, sa.func.sum(movements.c.value)).where(*in_period)
    for name, kind, value in conn.execute(by_type.group_by(group, movements.c.type)):
        values[label(name)][MovementType(kind)] += value
    priced = _priced_sales(conn, group, in_period, label)
    names = sorted(beginning.keys() | values.keys())
    lines = [
        cogs_line(
            name,
            beginning_value=beginning.get(name, ZERO),
            value_by_type=values.get(name, {}),
            revenue=priced[name][0] if name in priced else None,
            priced_cost_of_sales=priced[name][1] if name in priced else ZERO,
        )
        for name in (names if limit is None else names[:limit])
    ]
    return lines, len(names)


def _beginning_values(
    conn: sa.Connection, scope: Scope, query: ReportQuery, start: datetime
) -> dict[str, Decimal]:
    """Per group, the value of the lines effective before ``start`` (groups worth nothing left out).

    A balance is the sum of its position's lines, so for a recent ``start`` the balances
    less the lines from ``start`` on read far fewer rows than the lines before it.
    """
    label = _labeller(query)
    found: dict[str, Decimal] = defaultdict(lambda: ZERO)
    moved = _group_column(movements, query.grouping)
    where = _where(movements, scope, query)
    if not _is_recent(conn, start):
        before = sa.select(moved, sa.func.sum(movements.c.value))
        for name, value in conn.execute(
            before.where(*where, movements.c.effective_at < start).group_by(moved)
        ):
            found[label(name)] += value
        return _nonzero(found)
    held = _group_column(balances, query.grouping)
    now = sa.select(held, sa.func.sum(balances.c.value))
    for name, value in conn.execute(now.where(*_where(balances, scope, query)).group_by(held)):
        found[label(name)] += value
    since = sa.select(moved, sa.func.sum(movements.c.value))
    for name, value in conn.execute(
        since.where(*where, movements.c.effective_at >= start).group_by(moved)
    ):
        found[label(name)] -= value
    return _nonzero(found)


def _nonzero(values: dict[str, Decimal]) -> dict[str, Decimal]:
    """Groups worth something at the start: either way of summing then lists the same ones."""
    return {name: value for name, value in values.items() if value != ZERO}


def _is_recent(conn: sa.Connection, start: datetime) -> bool:
    """Whether fewer lines are effective from ``start`` on than before it (about: by time)."""
    # two statements: SQLite reads a lone min() or max() off the index, not both in one
    first = conn.execute(sa.select(sa.func.min(movements.c.effective_at))).scalar()
    last = conn.execute(sa.select(sa.func.max(movements.c.effective_at))).scalar()
    if first is None or last is None:
        return False
    return bool(start >= first + (last - first) / 2)


def _priced_sales(
    conn: sa.Connection,
    group: sa.ColumnElement[Any],
    in_period: Sequence[sa.ColumnElement[bool]],
    label: Callable[[str], str],
) -> dict[str, tuple[Decimal, Decimal]]:
    """Per group: revenue of sales with a price, and their cost with the period's true-ups of
    them (a sale sold short at a provisional cost is not all margin)."""
    sales = (
        sa.select(group, sa.func.sum(movements.c.revenue), sa.func.sum(movements.c.value))
        .where(*in_period, movements.c.type == "sale", movements.c.revenue.is_not(None))
        .group_by(group)
    )
    priced: dict[str, tuple[Decimal, Decimal]] = {}
    for name, revenue, value in conn.execute(sales):
        old_revenue, old_cost = priced.get(label(name), (ZERO, ZERO))
        priced[label(name)] = (old_revenue + revenue, old_cost - value)
    sale = movements.alias("sale")
    true_ups = (
        sa.select(group, sa.func.sum(movements.c.cogs))
        .join(sale, sale.c.id == movements.c.applies_to_movement_id)
        .where(
            *in_period,
            movements.c.type == MovementType.TRUE_UP.value,
            sale.c.type == MovementType.SALE.value,
            sale.c.revenue.is_not(None),
        )
        .group_by(group)
    )
    for name, true_up in conn.execute(true_ups):
        revenue, cost = priced.get(label(name), (ZERO, ZERO))
        priced[label(name)] = (revenue, cost + true_up)
    return priced


def turnover_report(
    conn: sa.Connection,
    scope: Scope,
    *,
    first_day: date,
    last_day: date,
    books_tz: tzinfo = UTC,
    query: ReportQuery | None = None,
) -> list[TurnoverLine]:
    """Turnover per group, then the total (group ``*``), over books days [first, last].

    The average value comes from the daily balances (``position_days``, kept in the books'
    days); the COGS is the period report's, over the same days in ``books_tz``. Over every
    owner, only those on the warehouse's books count (``books_scope``).
    """
    query = query or ReportQuery()
    scope = books_scope(conn, scope, owner=query.owner)
    start, end = day_bounds(first_day, last_day, books_tz)
    cogs = {
        line.group: line.cogs
        for line in period_report(conn, scope, start=start, end=end, query=query)
    }
    group = _group_column(position_days, query.grouping)
    where = _where(position_days, scope, query)
    label = _labeller(query)
    opening: dict[str, Decimal] = defaultdict(lambda: ZERO)
    before = sa.select(group, sa.func.sum(position_days.c.value_change)).where(
        *where, position_days.c.day < first_day
    )
    for name, value in conn.execute(before.group_by(group)):
        opening[label(name)] += value
    changes: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    daily = sa.select(group, position_days.c.day, sa.func.sum(position_days.c.value_change)).where(
        *where, position_days.c.day >= first_day, position_days.c.day <= last_day
    )
    for name, day, value in conn.execute(daily.group_by(group, position_days.c.day)):
        changes[label(name)][day] += value
    names = [n for n in sorted(opening.keys() | changes.keys()) if opening[n] or n in changes]
    if query.grouping is not Grouping.TOTAL:
        for name in names:
            for day, value in changes[name].items():
                changes[TOTAL_GROUP][day] += value
        opening[TOTAL_GROUP] = sum((opening[n] for n in names), ZERO)
    return [
        turnover_line(
            name,
            opening_value=opening[name],
            changes_by_day=changes[name],
            cogs=cogs.get(name, ZERO),
            first_day=first_day,
            last_day=last_day,
        )
        for name in [n for n in names if n != TOTAL_GROUP] + [TOTAL_GROUP]
    ]


def abc_report(
    conn: sa.Connection,
    scope: Scope,
    *,
    first_day: date,
    last_day: date,
    books_tz: tzinfo = UTC,
    query: ReportQuery | None = None,
) -> list[AbcLine]:
    """ABC classes of the items by their COGS over books days [first, last] (the period
    report's COGS per SKU; ``query``'s grouping is ignored, its filters apply)."""
    query = query or ReportQuery()
    per_sku = ReportQuery(sku=query.sku, location=query.location, owner=query.owner)
    start, end = day_bounds(first_day, last_day, books_tz)
    lines = period_report(conn, scope, start=start, end=end, query=per_sku)
    return abc_classes({line.group: line.cogs for line in lines if line.group != TOTAL_GROUP})
