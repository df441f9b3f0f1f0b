"""Stock per rule in three queries: on hand, on order and in drafts, summed over subtrees.

Each is one statement whatever the number of rules (an ``IN`` list of a few SKUs, or the
whole balance table); rows are summed into every rule whose subtree holds them through a
map from position to rules, kept in the run's memo while the rules stay the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from collector.domain.money import QUANTUM
from collector.ledger.bulk import CHUNK
from collector.ledger.schema import balances
from collector.purchasing.memo import RunMemo, StockKey
from collector.purchasing.orders import on_order_query
from collector.purchasing.plain import plain_rows
from collector.purchasing.reorder import Stock
from collector.purchasing.rules import Rule

RuleIndex = dict[tuple[str, str, str], list[int]]
"""(sku, owner, location) → ids of the rules rooted there."""
OverMap = dict[tuple[str, str, str], tuple[int, ...]]
"""(sku, owner, location) of a position → ids of the rules whose subtree holds it."""


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


def _sum_into(totals: dict[int, int], index: RuleIndex, over: OverMap, rows: Iterable[Any]) -> None:
    """Add each row's micro-units to every rule whose subtree holds it."""
    for sku, location, owner, qty in rows:
        if qty:
            key = (sku, owner, location)
            targets = over.get(key)
            if targets is None:
                targets = over[key] = tuple(rules_over(index, sku, owner, location))
            for rule_id in targets:
                totals[rule_id] = totals.get(rule_id, 0) + qty


def stock_by_rule(
    conn: sa.Connection, rules: Sequence[Rule], memo: RunMemo | None = None
) -> dict[int, StockKey]:
    """Each rule's on hand, on order (sent orders) and in draft orders, in micro-units.

    Sums stay integer micro-units (tens of thousands of balance rows); ``reorder.stock_of``
    turns them into a ``Stock``.
    """
    index, over = _maps(rules, memo)
    b = balances.c
    query = sa.select(b.sku, b.location, b.owner, sa.type_coerce(b.qty, sa.BigInteger))
    skus = {rule.sku for rule in rules}
    if len(skus) <= CHUNK:
        query = query.where(b.sku.in_(sorted(skus)))
    on_hand: dict[int, int] = {}
    _sum_into(on_hand, index, over, plain_rows(conn, query))
    on_order: dict[int, int] = {}
    _sum_into(on_order, index, over, plain_rows(conn, on_order_query(micro=True)))
    drafts: dict[int, int] = {}
    query = on_order_query(drafts=True, micro=True)
    _sum_into(drafts, index, over, plain_rows(conn, query))
    return {
        rule.id: (on_hand.get(rule.id, 0), on_order.get(rule.id, 0), drafts.get(rule.id, 0))
        for rule in rules
    }


def _maps(rules: Sequence[Rule], memo: RunMemo | None) -> tuple[RuleIndex, OverMap]:
    """The rule index and position map: the memo's while its rules are these."""
    if memo is None:
        return rule_index(rules), {}
    if not memo.same_rules(list(rules)):
        memo.rule_list = list(rules)
        memo.index = rule_index(rules)
        memo.over = {}
    return memo.index, memo.over


def stock_of(key: StockKey, units: dict[int, Decimal]) -> Stock:
    """The ``Stock`` of micro-unit sums (``units``: a memo of conversions)."""
    return Stock(_units(key[0], units), _units(key[1], units), _units(key[2], units))


def _units(micro: int, memo: dict[int, Decimal]) -> Decimal:
    found = memo.get(micro)
    if found is None:
        found = memo[micro] = Decimal(int(micro)).scaleb(-6).quantize(QUANTUM)
    return found
