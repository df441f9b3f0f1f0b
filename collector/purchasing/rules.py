"""Reorder rules in the ledger database, and the rows a suggestion run reads them as."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from collector.domain.money import QUANTUM
from collector.purchasing.errors import NotFoundError, PurchasingError
from collector.purchasing.plain import one_of, plain_rows
from collector.purchasing.reorder import ONE, ZERO, RuleMethod, RuleTerms, z_for
from collector.purchasing.schema import reorder_rules, supplier_items, suppliers

DEFAULT_DEMAND_DAYS = 28


@dataclass(frozen=True, slots=True)
class RuleIn:
    """A reorder rule as asked for (a CLI option set, an API body)."""

    sku: str
    location: str
    supplier_id: int
    method: RuleMethod = RuleMethod.MIN_MAX
    owner: str = "own"
    min_qty: Decimal = ZERO
    max_qty: Decimal = ZERO
    multiple: Decimal | None = None
    service_level: Decimal | None = None
    demand_days: int = DEFAULT_DEMAND_DAYS
    cover_days: int = 0
    margin_qty: Decimal = ZERO
    auto_order: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule with its supplier's terms for the SKU, ready to evaluate."""

    id: int
    sku: str
    location: str
    owner: str
    supplier_id: int
    supplier: str
    terms: RuleTerms
    demand_days: int
    margin_qty: Decimal
    auto_order: bool
    last_price: Decimal | None


def check(rule: RuleIn) -> None:
    """``PurchasingError`` naming what is wrong with the rule."""
    problems = []
    if rule.method is RuleMethod.MIN_MAX and rule.max_qty < rule.min_qty:
        problems.append(f"max {rule.max_qty} is below min {rule.min_qty}")
    if rule.min_qty < 0 or rule.max_qty < 0 or rule.margin_qty < 0:
        problems.append("min, max and margin must be 0 or more")
    if rule.multiple is not None and rule.multiple <= 0:
        problems.append("the multiple must be positive")
    if rule.method is RuleMethod.DEMAND:
        try:
            z_for(rule.service_level if rule.service_level is not None else Decimal("0.95"))
        except ValueError as err:
            problems.append(str(err))
    if rule.demand_days < 1 or rule.cover_days < 0:
        problems.append("demand days must be 1 or more and cover days 0 or more")
    if problems:
        raise PurchasingError(
            f"reorder rule for {rule.sku} at {rule.location}: " + "; ".join(problems)
        )


def create_rule(conn: sa.Connection, rule: RuleIn, *, now: datetime) -> int:
    """Store a new rule; ``PurchasingError`` if invalid or the SKU, location, owner has one."""
    check(rule)
    t = reorder_rules.c
    taken = sa.select(t.id).where(
        t.sku == rule.sku, t.location == rule.location, t.owner == rule.owner
    )
    if conn.execute(taken).first() is not None:
        raise PurchasingError(
            f"{rule.sku} at {rule.location} (owner {rule.owner}) has a rule already: "
            "delete it first"
        )
    values = {
        "sku": rule.sku, "location": rule.location, "owner": rule.owner,
        "supplier_id": rule.supplier_id, "method": rule.method.value, "min_qty": rule.min_qty,
        "max_qty": rule.max_qty, "multiple": rule.multiple, "service_level": rule.service_level,
        "demand_days": rule.demand_days, "cover_days": rule.cover_days,
        "margin_qty": rule.margin_qty, "auto_order": rule.auto_order, "created_at": now,
    }  # fmt: skip
    key = conn.execute(reorder_rules.insert().values(values)).inserted_primary_key
    assert key is not None
    return int(key[0])


def delete_rule(conn: sa.Connection, rule_id: int) -> None:
    """Remove a rule with no suggestions (``PurchasingError`` otherwise)."""
    from collector.purchasing.schema import suggestions  # noqa: PLC0415

    rule_row(conn, rule_id)
    used = sa.select(suggestions.c.id).where(suggestions.c.rule_id == rule_id).limit(1)
    if conn.execute(used).first() is not None:
        raise PurchasingError(f"rule {rule_id} has suggestions: it is kept for their history")
    conn.execute(reorder_rules.delete().where(reorder_rules.c.id == rule_id))


def rule_row(conn: sa.Connection, rule_id: int) -> sa.Row[Any]:
    """A rule's row; ``NotFoundError`` if there is none."""
    row = conn.execute(sa.select(reorder_rules).where(reorder_rules.c.id == rule_id)).first()
    if row is None:
        raise NotFoundError(f"no reorder rule {rule_id}: `collector replenish rules` lists them")
    return row


RuleMemo = dict[int, tuple[tuple[Any, ...], str, tuple[Any, ...], Rule]]
"""Rule id → the row it was read as, its supplier's code and terms, and its ``Rule``."""
_COLUMNS = ("id", "sku", "location", "owner", "supplier_id", "method", "demand_days",
            "cover_days", "auto_order")  # fmt: skip
_AMOUNTS = ("min_qty", "max_qty", "multiple", "service_level", "margin_qty")


def load_rules(
    conn: sa.Connection, *, rule_ids: list[int] | None = None,
    memo: RuleMemo | None = None,
) -> list[Rule]:  # fmt: skip
    """Every rule (or these) with its supplier's terms, in three queries (rules, terms, codes).

    The terms are joined here, not in SQL: SQLite's join looks each rule's terms up
    through an index and then its row, twice as slow as reading both tables whole.
    Amounts are read as micro-units and turned into Decimals through a memo: a run
    reads tens of thousands of rules whose terms repeat (the same min, pack, level).
    ``memo`` (rule id → its row and rule, kept between runs): a row read as before gives
    the same ``Rule`` object, so what was computed from it can be reused.
    """
    r = reorder_rules.c
    query = sa.select(
        *(r[name] for name in _COLUMNS),
        *(sa.type_coerce(r[name], sa.BigInteger) for name in _AMOUNTS),
    ).order_by(r.id)
    if rule_ids is not None:
        query = query.where(r.id.in_(rule_ids))
    rows = plain_rows(conn, query)
    items = _terms(conn, None if rule_ids is None else {row[1] for row in rows})
    codes = dict(plain_rows(conn, sa.select(suppliers.c.id, suppliers.c.code)))
    amounts_memo: dict[int, Decimal] = {}
    found: list[Rule] = []
    kept: RuleMemo = {}
    old = memo if memo is not None else {}
    for row in rows:
        code = codes.get(row[4])
        if code is None:
            continue  # no such supplier (the foreign key keeps this from happening)
        terms = items.get((row[4], row[1]), _NO_TERMS)
        entry = old.get(row[0])
        if entry is None or entry[0] != row or entry[1] != code or entry[2] != terms:
            entry = (row, code, terms, _rule((*row, code, *terms), amounts_memo))
        kept[row[0]] = entry
        found.append(entry[3])
    if memo is not None:
        if rule_ids is None:  # every rule read: forget deleted ones
            memo.clear()
        memo.update(kept)
    return found


_NO_TERMS = (None, None, None, None)


def _terms(conn: sa.Connection, skus: set[str] | None) -> dict[tuple[int, str], tuple[Any, ...]]:
    """(supplier id, SKU) → lead time days, order multiple, MOQ, last price (micro-units)."""
    i = supplier_items.c
    micro = (
        sa.type_coerce(c, sa.BigInteger) for c in (i.order_multiple, i.min_order_qty, i.last_price)
    )
    query = sa.select(i.supplier_id, i.sku, i.lead_time_days, *micro)
    if skus is not None:
        query = query.where(one_of(i.sku, skus, conn.dialect.name))
    return {(row[0], row[1]): row[2:] for row in plain_rows(conn, query)}


def _amount(micro: int | None, memo: dict[int, Decimal]) -> Decimal | None:
    if micro is None:
        return None
    found = memo.get(micro)
    if found is None:
        found = memo[micro] = Decimal(micro).scaleb(-6).quantize(QUANTUM)
    return found


def _rule(row: tuple[Any, ...], memo: dict[int, Decimal]) -> Rule:
    rule_id, sku, location, owner, supplier_id, method, demand_days, cover_days, auto = row[:9]
    low, high, multiple, level, margin = (_amount(v, memo) for v in row[9:14])
    supplier, lead_days = row[14], row[15]
    pack, moq, price = (_amount(v, memo) for v in row[16:])
    terms = RuleTerms(
        method=RuleMethod(method), min_qty=low or ZERO, max_qty=high or ZERO,
        lead_time_days=lead_days or 0, multiple=multiple or pack or ONE,
        min_order_qty=moq or ZERO, service_level=level, cover_days=cover_days,
    )  # fmt: skip
    return Rule(
        rule_id, sku, location, owner, supplier_id, supplier, terms, demand_days,
        margin or ZERO, bool(auto), price,
    )  # fmt: skip
