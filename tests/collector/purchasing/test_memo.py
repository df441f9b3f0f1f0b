"""A run with the process's memo says what a run without one says, after every change the
memo could miss: a late sale in the window, a receipt, new supplier terms, a new day."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from collector.purchasing import orders
from collector.purchasing.history import AverageDailySales
from collector.purchasing.memo import RunMemo
from collector.purchasing.reorder import Evaluation, RuleMethod
from collector.purchasing.rules import RuleIn, create_rule
from collector.purchasing.suggest import run_suggestions
from tests.collector.purchasing.conftest import Books

D = Decimal


def demand_rule(books: Books) -> int:
    """A demand rule over a shelf that sold 4, 6, 4, … a day for 10 days (180 received)."""
    today = books.clock.now()
    books.clock.at = today - timedelta(days=11)
    books.post("receipt", 180)
    for days_ago in range(10, 0, -1):
        books.clock.at = today - timedelta(days=days_ago)
        books.post("sale", 4 if days_ago % 2 == 0 else 6)
    books.clock.at = today
    terms = RuleIn(books.sku, "main", books.supplier, method=RuleMethod.DEMAND,
                   demand_days=10, cover_days=7)  # fmt: skip
    with books.engine.begin() as conn:
        return create_rule(conn, terms, now=books.clock.now())


def evaluated(books: Books, rule_id: int, memo: RunMemo | None) -> Evaluation:
    with books.engine.begin() as conn:
        forecast = AverageDailySales(conn, memo.demand if memo else None)
        found = run_suggestions(conn, forecast, now=books.clock.now(), rule_ids=[rule_id],
                                memo=memo)  # fmt: skip
    return found.evaluations[rule_id]


def test_a_late_sale_in_the_window_changes_the_remembered_demand(books: Books) -> None:
    rule_id, memo = demand_rule(books), RunMemo()
    before = evaluated(books, rule_id, memo)
    today = books.clock.now()
    books.clock.at = today - timedelta(days=3)  # a device's sale from 3 days ago, sent late
    books.post("sale", 20)
    books.clock.at = today
    after = evaluated(books, rule_id, memo)
    assert after == evaluated(books, rule_id, None)
    assert after.demand.mean_per_day == before.demand.mean_per_day + 2


def test_a_receipt_changes_the_remembered_stock(books: Books) -> None:
    rule_id, memo = demand_rule(books), RunMemo()
    before = evaluated(books, rule_id, memo)
    books.post("receipt", 7, location="main/b")
    after = evaluated(books, rule_id, memo)
    assert after == evaluated(books, rule_id, None)
    assert after.stock.on_hand == before.stock.on_hand + 7


def test_new_supplier_terms_change_the_remembered_rule(books: Books) -> None:
    rule_id, memo = demand_rule(books), RunMemo()
    before = evaluated(books, rule_id, memo)
    with books.engine.begin() as conn:
        orders.set_supplier_item(
            conn, books.supplier, books.sku, lead_time_days=20, order_multiple=D(12),
            min_order_qty=D(24), last_price=D("1.50"), now=books.clock.now(),
        )  # fmt: skip
    after = evaluated(books, rule_id, memo)
    assert after == evaluated(books, rule_id, None)
    assert (before.terms.lead_time_days, after.terms.lead_time_days) == (9, 20)


def test_a_new_day_moves_the_remembered_window(books: Books) -> None:
    rule_id, memo = demand_rule(books), RunMemo()
    before = evaluated(books, rule_id, memo)
    books.clock.at = books.clock.now() + timedelta(days=5)  # five days without sales
    after = evaluated(books, rule_id, memo)
    assert after == evaluated(books, rule_id, None)
    # the window now holds the last 5 days of sales (6, 4, 6, 4, 6) and 5 days of none
    assert (before.demand.mean_per_day, after.demand.mean_per_day) == (D(5), D("2.6"))


def test_unchanged_inputs_give_the_same_evaluation_object(books: Books) -> None:
    rule_id, memo = demand_rule(books), RunMemo()
    first = evaluated(books, rule_id, memo)
    assert evaluated(books, rule_id, memo) is first
