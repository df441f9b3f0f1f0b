"""A period's accounting journal per owner on the books, from the ledger (docs/books.md).

The SQL sums the period's movement values per owner, movement type and books day (an
adjustment a count made apart from the others); ``collector.domain.journal`` turns them
into balanced journals in cents. Each owner's opening value is the period report's, so
the journal's inventory account moves by that report's EI − BI.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from collector.domain.journal import (
    COUNT_REASONS,
    ChartOfAccounts,
    DayFlows,
    Flow,
    JournalLine,
    flow_of,
    owner_journal,
)
from collector.domain.model import MovementType
from collector.domain.money import ZERO
from collector.domain.report import CogsLine, Grouping
from collector.errors import CollectorError
from collector.ledger.schema import movements
from collector.views.books import is_on_books, on_book_owners
from collector.views.reports import ReportQuery, day_bounds, period_report
from collector.views.scope import Scope


class OffBooksError(CollectorError):
    """The owner asked for keeps its stock off the warehouse's books: it has no journal."""


@dataclass(frozen=True, slots=True)
class JournalQuery:
    """Which days, whose journal (None: every owner on the books), a journal per day or one."""

    first_day: date
    last_day: date
    owner: str | None = None
    per_day: bool = True


@dataclass(frozen=True, slots=True)
class JournalReport:
    """The journals' lines, and per owner the period report line they match."""

    lines: list[JournalLine]
    report: dict[str, CogsLine]


def journal_report(
    conn: sa.Connection,
    scope: Scope,
    query: JournalQuery,
    *,
    books_tz: tzinfo,
    chart: ChartOfAccounts,
) -> JournalReport:
    """The journals of ``query``'s owners on the books that ``scope`` sees, by owner and day.

    ``OffBooksError`` when the owner named is off the books (a 3PL client's goods).
    """
    covered = _owners(conn, scope, query.owner)
    start, end = day_bounds(query.first_day, query.last_day, books_tz)
    by_owner = ReportQuery(grouping=Grouping.OWNER)
    report = {
        line.group: line
        for line in period_report(conn, Scope(covered), start=start, end=end, query=by_owner)
    }
    flows = _flows(conn, covered, query, books_tz)
    reference = f"inventory {query.first_day.isoformat()}..{query.last_day.isoformat()}"
    lines: list[JournalLine] = []
    for owner in sorted(covered):
        line = report.get(owner)
        days = [DayFlows(day, values) for day, values in sorted(flows.get(owner, {}).items())]
        lines += owner_journal(
            owner, days, beginning_value=line.beginning_value if line else ZERO, chart=chart,
            reference=reference,
        )  # fmt: skip
    return JournalReport(lines, {o: x for o, x in report.items() if o in covered})


def _owners(conn: sa.Connection, scope: Scope, owner: str | None) -> frozenset[str]:
    """The owners the journal covers: on the books, visible, the one named."""
    if owner is not None:
        if not scope.sees(owner):
            return frozenset()
        if is_on_books(conn, owner) is False:
            raise OffBooksError(
                f"owner {owner} keeps its stock off the warehouse's books (a client's "
                "consigned goods): it has no journal; its own period report shows its stock"
            )
        return frozenset({owner}) & on_book_owners(conn)
    return frozenset(o for o in on_book_owners(conn) if scope.sees(o))


def _flows(
    conn: sa.Connection, owners: frozenset[str], query: JournalQuery, tz: tzinfo
) -> dict[str, dict[date, dict[Flow, Decimal]]]:
    """Per owner and books day (per period: its last day), the summed values by flow."""
    found: dict[str, dict[date, dict[Flow, Decimal]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(lambda: ZERO))
    )
    if not owners:
        return found
    spans = (
        [(d, d) for d in _days(query.first_day, query.last_day)]
        if query.per_day
        else [(query.first_day, query.last_day)]
    )
    for first, last in spans:
        start, end = day_bounds(first, last, tz)
        for owner, kind, is_count, value in conn.execute(_sums(owners, start, end)):
            flow = flow_of(MovementType(kind), is_count=bool(is_count))
            found[owner][last][flow] += value
    return found


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _sums(owners: frozenset[str], start: datetime, end: datetime) -> sa.Select[Any]:
    """The period's values per owner, type and whether a count made them (a reversal of a
    count's adjustment counts as the count's)."""
    m = movements.c
    original = movements.alias("original")
    reason = sa.func.coalesce(original.c.reason, m.reason)
    is_count = sa.case(
        (sa.or_(*(reason.startswith(p, autoescape=True) for p in COUNT_REASONS)), 1), else_=0
    )
    return (
        sa.select(m.owner, m.type, is_count, sa.func.sum(m.value))
        .select_from(movements.outerjoin(original, original.c.id == m.reverses_movement_id))
        .where(m.owner.in_(sorted(owners)), m.effective_at >= start, m.effective_at < end)
        .group_by(m.owner, m.type, is_count)
    )
