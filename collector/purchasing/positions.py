"""Stock per rule in a few queries: on hand, on order and in drafts, summed over subtrees."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from collector.ledger.bulk import chunks
from collector.ledger.schema import balances
from collector.purchasing.orders import on_order_query
from collector.purchasing.reorder import ZERO, Stock
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


def _sum_into(totals: dict[int, Decimal], index: RuleIndex, rows: Iterable[Any]) -> None:
    for row in rows:
        if row.qty:
            for rule_id in rules_over(index, row.sku, row.owner, row.location):
                totals[rule_id] = totals.get(rule_id, ZERO) + row.qty


def stock_by_rule(conn: sa.Connection, rules: Sequence[Rule]) -> dict[int, Stock]:
    """Each rule's on hand, on order (sent orders) and in draft orders."""
    index = rule_index(rules)
    on_hand: dict[int, Decimal] = {}
    b = balances.c
    for part in chunks(sorted({rule.sku for rule in rules})):
        query = sa.select(b.sku, b.location, b.owner, b.qty).where(b.sku.in_(part))
        _sum_into(on_hand, index, conn.execute(query))
    on_order: dict[int, Decimal] = {}
    _sum_into(on_order, index, conn.execute(on_order_query()))
    drafts: dict[int, Decimal] = {}
    _sum_into(drafts, index, conn.execute(on_order_query(drafts=True)))
    return {
        rule.id: Stock(
            on_hand.get(rule.id, ZERO), on_order.get(rule.id, ZERO), drafts.get(rule.id, ZERO)
        )
        for rule in rules
    }
