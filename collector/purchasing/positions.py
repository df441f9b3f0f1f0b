"""Stock per rule in a few queries: on hand, on order and in drafts, summed over subtrees."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from collector.domain.money import QUANTUM
from collector.ledger.bulk import chunks
from collector.ledger.schema import balances
from collector.purchasing.orders import on_order_query
from collector.purchasing.reorder import Stock
from collector.purchasing.rules import Rule

RuleIndex = dict[tuple[str, str, str], list[int]]
"""(sku, owner, location) → ids of the rules rooted there."""


def rule_index(rules: Sequence[Rule]) -> RuleIndex:
    """Where each rule is rooted."""
    index: RuleIndex = {}
    for rule in rules:
        index.setdefault((rule.sku, rule.owner, rule.location), []).append(rule.id)
    return index


def rules_over(index: RuleIndex, sku: str, owner: str, location: str) -> Iterable[int]:
    """The rules whose subtree holds ``location`` (rooted there or at an ancestor)."""
    parts = location.split("/")
    for depth in range(len(parts), 0, -1):
        yield from index.get((sku, owner, "/".join(parts[:depth])), ())


def _sum_into(totals: dict[int, int], index: RuleIndex, rows: Iterable[Any]) -> None:
    """Add each row's micro-units to every rule whose subtree holds it."""
    for sku, location, owner, qty in rows:
        if qty:
            for rule_id in rules_over(index, sku, owner, location):
                totals[rule_id] = totals.get(rule_id, 0) + qty


def stock_by_rule(conn: sa.Connection, rules: Sequence[Rule]) -> dict[int, Stock]:
    """Each rule's on hand, on order (sent orders) and in draft orders.

    Sums stay integer micro-units until the end (tens of thousands of balance rows).
    """
    index = rule_index(rules)
    on_hand: dict[int, int] = {}
    b = balances.c
    raw_qty = sa.type_coerce(b.qty, sa.BigInteger)
    for part in chunks(sorted({rule.sku for rule in rules})):
        query = sa.select(b.sku, b.location, b.owner, raw_qty).where(b.sku.in_(part))
        _sum_into(on_hand, index, conn.execute(query).fetchall())
    on_order: dict[int, int] = {}
    _sum_into(on_order, index, conn.execute(on_order_query(micro=True)).fetchall())
    drafts: dict[int, int] = {}
    _sum_into(drafts, index, conn.execute(on_order_query(drafts=True, micro=True)).fetchall())
    memo: dict[int, Decimal] = {}
    return {
        rule.id: Stock(
            _units(on_hand.get(rule.id, 0), memo),
            _units(on_order.get(rule.id, 0), memo),
            _units(drafts.get(rule.id, 0), memo),
        )
        for rule in rules
    }


def _units(micro: int, memo: dict[int, Decimal]) -> Decimal:
    found = memo.get(micro)
    if found is None:
        found = memo[micro] = Decimal(int(micro)).scaleb(-6).quantize(QUANTUM)
    return found
