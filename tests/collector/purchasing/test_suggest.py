"""The suggestion run over the ledger: one suggestion per rule with its reason, never a
second while it is open, approval into the supplier's draft order, snooze, the alert."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from collector.alerts.schema import alert_events, alerts
from collector.purchasing import approval, orders
from collector.purchasing.errors import TransitionError
from collector.purchasing.history import AverageDailySales
from collector.purchasing.reorder import RuleMethod
from collector.purchasing.rules import RuleIn, create_rule
from collector.purchasing.suggest import RunResult, run_suggestions
from tests.collector.purchasing.conftest import Books

D = Decimal


def rule(books: Books, **terms) -> int:
    fields = {"min_qty": D(20), "max_qty": D(100), **terms}
    with books.engine.begin() as conn:
        return create_rule(
            conn, RuleIn(books.sku, "main", books.supplier, **fields), now=books.clock.now()
        )


def run(books: Books, rule_id: int) -> RunResult:
    with books.engine.begin() as conn:
        return run_suggestions(
            conn, AverageDailySales(conn), now=books.clock.now(), rule_ids=[rule_id]
        )


def suggestions_of(books: Books, rule_id: int) -> list[sa.Row]:
    with books.engine.connect() as conn:
        rows = approval.list_suggestions(conn, status=None)
    return [row for row in rows if row.rule_id == rule_id]


def alert_actions(books: Books) -> list[str]:
    with books.engine.connect() as conn:
        query = (
            sa.select(alert_events.c.action)
            .join(alerts, alerts.c.id == alert_events.c.alert_id)
            .where(alerts.c.sku == books.sku, alerts.c.type == "low_stock")
            .order_by(alert_events.c.id)
        )
        return list(conn.execute(query).scalars())


def test_min_max_with_stock_on_order_suggests_once_and_says_why(books: Books) -> None:
    rule_id = rule(books)
    books.post("receipt", 8, location="main/a")
    books.order((10, "main/b"))  # on order, elsewhere in the rule's subtree
    first = run(books, rule_id)
    # projected 8 + 10 = 18 ≤ 20: up to 100, 82 short, 7 packs of 12 = 84
    assert first.created
    (found,) = suggestions_of(books, rule_id)
    assert (found.qty, found.on_hand, found.on_order, found.projected) == (
        D(84), D(8), D(10), D(18),
    )  # fmt: skip
    assert "order up to 100: 100 − 18 = 82, in multiples of 12, at least MOQ 24 → 84" in (
        found.reason
    )
    again = run(books, rule_id)
    assert again.created == []
    assert again.kept_open == 1
    assert len(suggestions_of(books, rule_id)) == 1
    assert alert_actions(books) == ["opened"]


def test_approval_puts_it_on_the_suppliers_draft_and_clears_the_alert(books: Books) -> None:
    rule_id = rule(books)
    books.post("receipt", 8)
    run(books, rule_id)
    (found,) = suggestions_of(books, rule_id)
    with books.engine.begin() as conn:
        (po_id,) = approval.approve(conn, [found.id], by="ann", now=books.clock.now())
        line = orders.order_lines(conn, po_id)[0]
        head = orders.order_row(conn, po_id)
    assert (head.status, head.supplier_id) == ("draft", books.supplier)
    assert (line.sku, line.location, line.qty_ordered, line.unit_price) == (
        books.sku, "main", D(96), D("1.50"),
    )  # fmt: skip
    after = run(books, rule_id)
    # the draft counts: 8 + 96 = 104 > 20, no new suggestion; the order covers the alert
    assert after.created == []
    assert after.evaluations[rule_id].projected == D(104)
    assert [s.status for s in suggestions_of(books, rule_id)] == ["ordered"]
    assert alert_actions(books) == ["opened", "cleared"]
    with books.engine.begin() as conn, pytest.raises(TransitionError, match="is ordered"):
        approval.approve(conn, [found.id], by="ann", now=books.clock.now())


def test_a_snoozed_suggestion_stays_the_only_one_and_waits(books: Books) -> None:
    rule_id = rule(books)
    run(books, rule_id)
    (found,) = suggestions_of(books, rule_id)
    tomorrow = books.clock.now().date() + timedelta(days=1)
    with books.engine.begin() as conn:
        approval.snooze(conn, found.id, until=tomorrow, now=books.clock.now())
    assert run(books, rule_id).created == []
    with books.engine.begin() as conn, pytest.raises(TransitionError, match="snoozed until"):
        approval.approve(conn, [found.id], by="ann", now=books.clock.now())
    books.clock.advance(86_400)
    with books.engine.begin() as conn:
        assert approval.approve(conn, [found.id], by="ann", now=books.clock.now())


def test_a_dismissed_suggestion_is_suggested_again_while_the_rule_is_low(books: Books) -> None:
    rule_id = rule(books)
    run(books, rule_id)
    (found,) = suggestions_of(books, rule_id)
    with books.engine.begin() as conn:
        approval.dismiss(conn, found.id, by="ann", now=books.clock.now())
    assert len(run(books, rule_id).created) == 1
    assert [s.status for s in suggestions_of(books, rule_id)] == ["dismissed", "open"]


def test_a_rule_that_orders_automatically_lands_on_a_draft_at_once(books: Books) -> None:
    rule_id = rule(books, auto_order=True)
    result = run(books, rule_id)
    assert len(result.auto_ordered) == 1
    assert [s.status for s in suggestions_of(books, rule_id)] == ["ordered"]


def test_shelf_noise_around_the_point_cannot_make_the_alert_flap(books: Books) -> None:
    rule_id = rule(books, min_qty=D(10), max_qty=D(50), margin_qty=D(5))
    books.post("receipt", 10)
    run(books, rule_id)  # 10 ≤ 10: opens
    for delta in (3, -2, 4, -5, 2, 3, -1, 2):  # 13, 11, 15, 10, 12, 15, 14, 16 … then 16
        books.post("adjustment", delta)
        run(books, rule_id)
    assert alert_actions(books) == ["opened", "cleared"]  # cleared only at 16 > 10 + 5
    with books.engine.connect() as conn:
        states = conn.execute(sa.select(sa.func.count()).where(alerts.c.sku == books.sku)).scalar()
    assert states == 1


def test_a_demand_rule_uses_average_daily_sales_and_safety_stock(books: Books) -> None:
    rule_id = rule(
        books, method=RuleMethod.DEMAND, min_qty=D(0), max_qty=D(0),
        service_level=D("0.95"), demand_days=28, cover_days=14,
    )  # fmt: skip
    today = books.clock.now()
    books.clock.at = today - timedelta(days=29)
    books.post("receipt", 180)
    for days_ago in range(28, 0, -1):  # 6, 4, 6, 4, …: mean 5, σ 1
        books.clock.at = today - timedelta(days=days_ago)
        books.post("sale", 4 if days_ago % 2 == 0 else 6)
    books.clock.at = today
    books.order((10, "main/a"))
    held = run(books, rule_id)
    # 40 + 10 − 5·9 = 5 > SS 1.6449·1·√9 = 4.9347
    assert held.created == []
    assert held.evaluations[rule_id].safety_stock == D("4.9347")
    books.post("sale", 1)  # today: not in the window, but off the shelf
    found = run(books, rule_id).evaluations[rule_id]
    # 39 + 10 − 45 = 4 ≤ 4.9347: up to 4.9347 + 5·14 = 74.9347, 70.9347 short → 6 × 12 = 72
    assert (found.projected, found.order_qty) == (D(4), D(72))
    (made,) = suggestions_of(books, rule_id)
    assert made.qty == D(72)
    assert "σ 1/day × √9" in made.reason


def test_a_demand_rule_without_demand_or_max_is_idle_not_low(books: Books) -> None:
    rule_id = rule(books, method=RuleMethod.DEMAND, min_qty=D(0), max_qty=D(0))
    result = run(books, rule_id)
    assert result.created == []
    assert result.evaluations[rule_id].projected == 0
    assert alert_actions(books) == []
