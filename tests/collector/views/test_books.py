"""A client's goods off the warehouse's books: out of its figures, in the client's own."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa

from collector.domain.report import Grouping
from collector.ledger.ingestor import SqlIngestor
from collector.ledger.owners import list_owners, set_on_books
from collector.views.books import books_scope, on_book_owners
from collector.views.locations import location_tree
from collector.views.reports import ReportQuery, day_bounds, period_report, turnover_report
from collector.views.scope import Scope
from collector.views.stock import StockFilter, stock_page, stock_totals, totals_of
from tests.collector.ledger.messages import tx_message

D = Decimal
EVERYONE = Scope.everyone()
MARCH = day_bounds(date(2026, 3, 1), date(2026, 3, 31), UTC)
NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def off_books(engine: sa.Engine, owner: str = "client") -> None:
    with engine.begin() as conn:
        set_on_books(conn, owner, on_books=False, now=NOW)


def stocked(engine: sa.Engine, clock) -> None:
    """The warehouse: 10 in at 2.00, 4 sold. The client: 5 in at 3.00, 2 sold, beside it."""
    SqlIngestor(engine, clock=clock).ingest([
        tx_message(1, qty=10),
        tx_message(2, "sale", 4, unit_price="5.00"),
        tx_message(3, qty=5, unit_cost="3.00", owner="client"),
        tx_message(4, "sale", 2, owner="client", unit_price="9.00"),
    ])  # fmt: skip


def report(engine: sa.Engine, scope: Scope = EVERYONE, **query):
    with engine.connect() as conn:
        *lines, total = period_report(
            conn, scope, start=MARCH[0], end=MARCH[1], query=ReportQuery(**query)
        )
    return lines, total


def test_a_clients_goods_received_and_sold_leave_the_warehouses_cogs_untouched(
    engine, clock
) -> None:
    off_books(engine)  # before its first receipt: the owner is made for it
    stocked(engine, clock)
    _lines, warehouse = report(engine)
    assert (warehouse.purchases, warehouse.cogs, warehouse.ending_value) == (D(20), D(8), D(12))
    assert (warehouse.revenue, warehouse.gross_margin) == (D(20), D(12))
    assert (
        warehouse.beginning_value + warehouse.purchases - warehouse.cogs == warehouse.ending_value
    )
    _lines, client = report(engine, Scope(frozenset({"client"})))
    assert (client.purchases, client.cogs, client.ending_value) == (D(15), D(6), D(9))
    assert client.beginning_value + client.purchases - client.cogs == client.ending_value
    _lines, named = report(engine, owner="client")  # the warehouse reading the client's own
    assert (named.purchases, named.cogs, named.ending_value) == (D(15), D(6), D(9))


def test_on_the_books_by_default_so_existing_ledgers_keep_their_meaning(engine, clock) -> None:
    stocked(engine, clock)
    _lines, total = report(engine)
    assert (total.purchases, total.cogs, total.ending_value) == (D(35), D(14), D(21))
    with engine.connect() as conn:
        assert on_book_owners(conn) == {"own", "client"}
        assert books_scope(conn, EVERYONE) is EVERYONE


def test_setting_an_owner_off_the_books_restates_every_report_over_it(engine, clock) -> None:
    stocked(engine, clock)
    off_books(engine)
    lines, total = report(engine, grouping=Grouping.OWNER)
    assert [x.group for x in lines] == ["own"]
    assert (total.purchases, total.cogs) == (D(20), D(8))
    with engine.connect() as conn:
        assert [(o.owner, o.on_books, o.movements) for o in list_owners(conn)] == [
            ("client", False, 2), ("own", True, 2),
        ]  # fmt: skip


def test_turnover_counts_only_the_stock_on_the_books(engine, clock) -> None:
    stocked(engine, clock)
    off_books(engine)
    with engine.connect() as conn:
        (total,) = turnover_report(
            conn, EVERYONE, first_day=date(2026, 3, 1), last_day=date(2026, 3, 1),
            query=ReportQuery(grouping=Grouping.TOTAL),
        )  # fmt: skip
        (client,) = turnover_report(
            conn, Scope(frozenset({"client"})), first_day=date(2026, 3, 1),
            last_day=date(2026, 3, 1), query=ReportQuery(grouping=Grouping.TOTAL),
        )  # fmt: skip
    assert (total.closing_value, total.cogs) == (D(12), D(8))
    assert (client.closing_value, client.cogs) == (D(9), D(6))


def test_the_stock_values_of_the_warehouse_leave_the_clients_out_its_units_not(
    engine, clock
) -> None:
    stocked(engine, clock)
    off_books(engine)
    with engine.connect() as conn:
        (main,) = location_tree(conn, EVERYONE)
        (theirs,) = location_tree(conn, Scope(frozenset({"client"})))
        totals = stock_totals(conn, EVERYONE, StockFilter())
        page = stock_page(conn, EVERYONE, StockFilter(), limit=10)
        paged = totals_of(page, books_scope(conn, EVERYONE))
    assert (main.qty, main.value) == (D(9), D(12))  # 6 of the warehouse's + 3 of the client's
    assert (theirs.qty, theirs.value) == (D(3), D(9))
    assert (totals.positions, totals.qty, totals.value) == (2, D(9), D(12))
    assert (paged.positions, paged.qty, paged.value) == (2, D(9), D(12))
    assert {(p.owner, p.value) for p in page} == {("own", D(12)), ("client", D(9))}
