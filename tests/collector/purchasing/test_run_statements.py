"""A suggestion run sends the same number of SQL statements for 3 rules as for 1,200 (more
than one ``IN`` chunk of SKUs): no per-rule or per-chunk queries, with or without a memo."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import sqlalchemy as sa

from collector.ledger import schema
from collector.purchasing.history import AverageDailySales
from collector.purchasing.memo import RunMemo
from collector.purchasing.schema import reorder_rules, supplier_items
from collector.purchasing.suggest import RunResult, run_suggestions
from tests.collector.purchasing.conftest import Books
from tests.support.services import unique_name

MANY = 1200


def idle_rules(books: Books, count: int) -> list[int]:
    """``count`` items of their own, each with a rule that never orders (min = max = 0):
    half min/max, half demand, half with supplier terms; the run only reads."""
    prefix, now = unique_name("R").upper()[:20], books.clock.now()
    skus = [f"{prefix}-{n:05d}" for n in range(count)]
    with books.engine.begin() as conn:
        conn.execute(schema.items.insert(), [
            {"sku": s, "name": s, "valuation": "fifo", "allow_negative": False, "updated_at": now}
            for s in skus])  # fmt: skip
        conn.execute(supplier_items.insert(), [
            {"supplier_id": books.supplier, "sku": s, "lead_time_days": 5,
             "order_multiple": Decimal(6), "min_order_qty": Decimal(0), "updated_at": now}
            for s in skus[::2]])  # fmt: skip
        conn.execute(reorder_rules.insert(), [
            {"sku": s, "location": "main", "owner": "own", "supplier_id": books.supplier,
             "method": "demand" if n % 2 else "min_max", "min_qty": Decimal(0),
             "max_qty": Decimal(0), "demand_days": 28, "cover_days": 0,
             "margin_qty": Decimal(0), "auto_order": False, "created_at": now}
            for n, s in enumerate(skus)])  # fmt: skip
        query = sa.select(reorder_rules.c.id).where(reorder_rules.c.sku.in_(skus))
        return list(conn.execute(query).scalars())


def counted(engine: sa.Engine, run: Callable[[sa.Connection], RunResult]) -> int:
    """Statements one run sends (SQLAlchemy's cursor events)."""
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        seen.append(statement)

    with engine.begin() as conn:
        sa.event.listen(engine, "before_cursor_execute", note)
        try:
            result = run(conn)
        finally:
            sa.event.remove(engine, "before_cursor_execute", note)
    assert result.created == []  # reads only
    assert result.alerts_changed == []
    return len(seen)


def statements(books: Books, rule_ids: list[int]) -> tuple[int, int]:
    """Statements of a run without a memo, and of a second run with one."""
    memo = RunMemo()

    def plain(conn: sa.Connection) -> RunResult:
        return run_suggestions(conn, AverageDailySales(conn), now=books.clock.now(),
                               rule_ids=rule_ids)  # fmt: skip

    def remembered(conn: sa.Connection) -> RunResult:
        return run_suggestions(conn, AverageDailySales(conn, memo.demand),
                               now=books.clock.now(), rule_ids=rule_ids, memo=memo)  # fmt: skip

    cold = counted(books.engine, plain)
    counted(books.engine, remembered)
    return cold, counted(books.engine, remembered)


def test_a_run_sends_as_many_statements_for_1200_rules_as_for_3(books: Books) -> None:
    few = statements(books, idle_rules(books, 3))
    many = statements(books, idle_rules(books, MANY))
    assert many == few
    assert max(few) <= 12
