"""The hot queries keep their indexes: EXPLAIN of what the read models run, on a small ledger.

Every statement the product's query function executes is captured and explained on the
same database (PostgreSQL with sequential scans priced out, so a plan shows whether an
index *can* serve the query; SQLite's EXPLAIN QUERY PLAN as it is). A full scan of the
journal (or the day sums, or the lot lines) in any of them fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from collector.ledger.ingestor import SqlIngestor
from collector.ledger.schema import items
from collector.views.reports import ReportQuery, day_bounds, period_report, turnover_report
from collector.views.scope import Scope
from collector.views.stock import StockFilter, stock_page
from collector.views.trace import trace_lot
from tests.collector.ledger.messages import T0, tx_message

EVERYONE = Scope.everyone()
BIG_TABLES = ("movements", "position_days", "lot_movements")


@pytest.fixture
def seeded(engine: sa.Engine, clock) -> sa.Engine:  # type: ignore[no-untyped-def]
    """SKU-1 lot-tracked (two lots received, sold and moved), SKU-2 plain."""
    with engine.begin() as conn:
        conn.execute(items.update().where(items.c.sku == "SKU-1").values(tracking="lot"))
    messages = [tx_message(1, qty=500, lot="L-1"), tx_message(2, qty=500, lot="L-2"),
                tx_message(3, "receipt", 500, sku="SKU-2")]  # fmt: skip
    for seq in range(4, 120):
        if seq % 5 == 0:
            messages.append(tx_message(seq, "transfer", 1, lot="L-1", to_location="main/b1"))
        else:
            messages.append(tx_message(seq, "sale", 1, lot=f"L-{seq % 2 + 1}", unit_price="3"))
            messages.append(tx_message(seq + 1000, "sale", 1, sku="SKU-2", unit_price="3"))
    SqlIngestor(engine, clock=clock).ingest(messages)
    return engine  # not analyzed: on tables this small, statistics would rightly favour scans


def _statements(engine: sa.Engine, call: Callable[[sa.Connection], Any]) -> list[tuple[str, Any]]:
    """The statements (with their parameters) that ``call`` runs."""
    seen: list[tuple[str, Any]] = []

    def record(*args: Any) -> None:  # conn, cursor, statement, parameters, context, many
        seen.append((args[2], args[3]))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        with engine.connect() as conn:
            call(conn)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return seen


def _plans(engine: sa.Engine, call: Callable[[sa.Connection], Any]) -> Iterator[str]:
    """The plan of each statement ``call`` runs, as text."""
    statements = _statements(engine, call)
    with engine.connect() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.exec_driver_sql("SET enable_seqscan = off")
        for statement, parameters in statements:
            explain = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
            rows = conn.exec_driver_sql(explain + statement, parameters).all()
            yield "\n".join(str(row[0] if postgres else row[3]) for row in rows)


def _full_scans(plan: str) -> list[str]:
    pattern = r"Seq Scan on ({0})\b|\bSCAN ({0})\b".format("|".join(BIG_TABLES))
    return [match.group(0) for match in re.finditer(pattern, plan)]


def _assert_indexed(engine: sa.Engine, call: Callable[[sa.Connection], Any]) -> list[str]:
    plans = list(_plans(engine, call))
    assert plans
    scans = [(scan, plan) for plan in plans for scan in _full_scans(plan)]
    assert not scans, f"full scans: {scans}"
    return plans


def test_stock_of_one_sku_at_an_instant_reads_its_index_ranges(seeded) -> None:  # type: ignore[no-untyped-def]
    flt = StockFilter(sku="SKU-2", as_of=T0 + timedelta(minutes=30), books_tz=UTC)
    plans = _assert_indexed(seeded, lambda c: stock_page(c, EVERYONE, flt, limit=100))
    if seeded.dialect.name == "sqlite":  # PostgreSQL picks by statistics, either index serves
        assert any("ix_movements_sku_effective_at" in plan for plan in plans)
    assert any("position_days" in plan for plan in plans)  # from the day sums, not the journal


def test_a_months_period_report_reads_the_months_lines_and_true_ups_by_index(seeded) -> None:  # type: ignore[no-untyped-def]
    start, end = day_bounds(date(2026, 3, 1), date(2026, 3, 31), UTC)
    plans = _assert_indexed(
        seeded,
        lambda c: period_report(
            c, EVERYONE, start=start, end=end, query=ReportQuery(), books_tz=UTC
        ),
    )
    assert any("ix_movements_true_ups" in plan for plan in plans)


def test_a_quarters_turnover_reads_no_whole_table(seeded) -> None:  # type: ignore[no-untyped-def]
    _assert_indexed(
        seeded,
        lambda c: turnover_report(
            c, EVERYONE, first_day=date(2026, 1, 1), last_day=date(2026, 3, 31), books_tz=UTC
        ),
    )


def test_a_lot_trace_reads_the_lots_lines_by_index(seeded) -> None:  # type: ignore[no-untyped-def]
    plans = _assert_indexed(seeded, lambda c: trace_lot(c, EVERYONE, "SKU-1", "L-1"))
    assert any("ix_lot_movements_code" in plan for plan in plans)


def test_the_check_finds_a_full_scan_of_the_journal(seeded) -> None:  # type: ignore[no-untyped-def]
    everything = sa.text("SELECT sum(qty) FROM movements WHERE reason IS NULL")
    plans = list(_plans(seeded, lambda c: c.execute(everything)))
    assert any(_full_scans(plan) for plan in plans)


BIG_LEDGER_STATS = (  # sqlite_stat1 of the generated 1,000,000-line ledger (5,000 SKUs)
    ("movements", "ix_movements_sku_effective_at", "1000005 201 1"),
    ("movements", "ix_movements_effective_at", "1000005 1"),
    ("movements", "ix_movements_true_ups", "2826 2"),
    ("position_days", "ix_position_days_sku_day", "585000 117 1"),
    ("position_days", "sqlite_autoindex_position_days_1", "585000 1600 1 1 1"),
)


def test_sqlite_reads_a_periods_lines_by_time_not_one_skip_scan_per_sku(seeded) -> None:  # type: ignore[no-untyped-def]
    """With a big ledger's statistics SQLite would walk ``(sku, time)`` once per SKU and
    fetch every line by key; the reports make it scan the period's time range instead."""
    if seeded.dialect.name != "sqlite":
        pytest.skip("a SQLite planner choice")
    with seeded.begin() as conn:
        conn.exec_driver_sql("ANALYZE")  # creates sqlite_stat1
        conn.exec_driver_sql("DELETE FROM sqlite_stat1")
        for table, index, stat in BIG_LEDGER_STATS:
            conn.exec_driver_sql("INSERT INTO sqlite_stat1 VALUES (?, ?, ?)", (table, index, stat))
        conn.exec_driver_sql("ANALYZE sqlite_schema")  # load them
    seeded.dispose()  # new connections read the statistics
    first, last = date(2026, 1, 1), date(2026, 3, 31)
    start, end = day_bounds(first, last, UTC)
    calls = (
        lambda c: turnover_report(c, EVERYONE, first_day=first, last_day=last, books_tz=UTC),
        lambda c: period_report(c, EVERYONE, start=start, end=end, books_tz=UTC),
    )
    for call in calls:
        plans = _assert_indexed(seeded, call)
        assert not [plan for plan in plans if "ANY(sku)" in plan], plans
