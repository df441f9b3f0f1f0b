"""Average daily sales over ``position_days``: one selling position from the database's
sums, several under one scope from their days summed; both exact."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from collector.purchasing.demand import DemandScope, estimate
from collector.purchasing.history import AverageDailySales
from tests.collector.purchasing.conftest import Books

D = Decimal


def demand(books: Books, *scopes: DemandScope):
    with books.engine.connect() as conn:
        return AverageDailySales(conn).daily_demand(list(scopes), as_of=books.clock.now().date())


def test_one_position_and_two_under_one_scope(books: Books) -> None:
    today = books.clock.now()
    books.clock.at = today - timedelta(days=10)
    books.post("receipt", 100, location="main/a")
    books.post("receipt", 100, location="main/b")
    # 4 days back: a sells 3; 3 days back: a 1 and b 2; 1 day back: b 5; today: not counted
    for days_ago, location, qty in ((4, "main/a", 3), (3, "main/a", 1), (3, "main/b", 2),
                                    (1, "main/b", 5), (0, "main/a", 9)):  # fmt: skip
        books.clock.at = today - timedelta(days=days_ago)
        books.post("sale", qty, location=location)
    books.clock.at = today
    one = DemandScope(books.sku, "main/a", "own", 5)
    both = DemandScope(books.sku, "main", "own", 5)
    found = demand(books, one, both)
    # main/a over 5 days: 0, 3, 1, 0, 0 (days 5…1 back)
    assert found[one] == estimate([D(0), D(3), D(1), D(0), D(0)], "average daily sales")
    # main: 0, 3, 3, 0, 5 — the day with sales at both is one day of 3
    assert found[both] == estimate([D(0), D(3), D(3), D(0), D(5)], "average daily sales")
    assert found[both].mean_per_day == D("2.2")


def test_a_scope_without_sales_has_no_demand(books: Books) -> None:
    scope = DemandScope(books.sku, "main", "own", 28)
    assert demand(books, scope)[scope].mean_per_day == 0
