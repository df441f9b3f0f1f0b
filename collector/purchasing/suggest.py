"""The suggestion run: every rule evaluated in a few batch queries, suggestions and alerts.

For each rule: projected = on hand + on order − forecast over the lead time
(``collector.purchasing.reorder``). A rule at or below its reorder point gets one open
suggestion (never a second while one is open: the unique ``open_rule_id`` says so too),
and its ``low_stock`` alert opens; the alert clears by the hysteresis of
``collector.purchasing.hysteresis``. Rules set to order automatically have their new
suggestions approved into draft orders at once.

Every read is one statement whatever the number of rules (rules with their terms; balances;
on order; drafts; demand; open suggestions; active alerts), and only a change writes (a new
suggestion, an alert opening or clearing). With a ``RunMemo`` (``memo_for``: the sweep's and
the API's) what did not change since the previous run is reused rather than recomputed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from collector.alerts.schema import alerts
from collector.alerts.store import apply_verdicts
from collector.ledger.bulk import chunks
from collector.purchasing.approval import approve
from collector.purchasing.demand import DemandForecast, DemandScope
from collector.purchasing.hysteresis import LowStock, low_stock_step
from collector.purchasing.memo import RunMemo, StockKey
from collector.purchasing.plain import plain_rows
from collector.purchasing.positions import stock_by_rule, stock_of
from collector.purchasing.reorder import Demand, Evaluation, RuleMethod, evaluate
from collector.purchasing.rules import Rule, load_rules
from collector.purchasing.schema import suggestions
from collector.reconcile.findings import AlertKey, AlertType, Clearance, Finding, Severity, Verdict

AUTO_APPROVER = "replenish:auto"
"""Who approved a suggestion of a rule that orders automatically."""
NO_DEMAND = Demand()
"""The demand of a min/max rule, and of a scope without history."""


@dataclass(slots=True)
class RunResult:
    """What one run found and did."""

    rules: int = 0
    triggered: int = 0
    created: list[int] = field(default_factory=list)
    kept_open: int = 0
    alerts_changed: list[int] = field(default_factory=list)
    auto_ordered: list[int] = field(default_factory=list)
    evaluations: dict[int, Evaluation] = field(default_factory=dict)


def run_suggestions(
    conn: sa.Connection,
    forecast: DemandForecast,
    *,
    now: datetime,
    rule_ids: list[int] | None = None,
    memo: RunMemo | None = None,
) -> RunResult:
    """Evaluate the rules (all, or these), record new suggestions, step the alerts.

    ``memo``: what earlier runs computed, reused where its inputs are unchanged (one run
    at a time: ``sweep.remembered_run`` holds its lock).
    """
    memo = memo if memo is not None else RunMemo()
    rules = load_rules(conn, rule_ids=rule_ids, memo=memo.rules)
    result = RunResult(rules=len(rules))
    if not rules:
        return result
    stock = stock_by_rule(conn, rules, memo)
    demand = _demand(rules, forecast, now, memo)
    result.evaluations = _evaluate_all(rules, stock, demand, memo, every=rule_ids is None)
    open_query = sa.select(suggestions.c.open_rule_id).where(
        suggestions.c.open_rule_id.is_not(None)
    )
    open_rules = {row[0] for row in plain_rows(conn, open_query)}
    fresh = [r for r in rules if _wants_order(result.evaluations[r.id])]
    result.triggered = len(fresh)
    result.kept_open = sum(1 for r in fresh if r.id in open_rules)
    new = [r for r in fresh if r.id not in open_rules]
    result.created = _insert(conn, new, result.evaluations, now)
    result.alerts_changed = _step_alerts(conn, rules, result.evaluations, now, memo)
    auto = [sid for rule, sid in zip(new, result.created, strict=True) if rule.auto_order]
    if auto:
        result.auto_ordered = approve(conn, auto, by=AUTO_APPROVER, now=now)
    return result


def _evaluate_all(
    rules: Sequence[Rule], stock: dict[int, StockKey], demand: dict[int, Demand],
    memo: RunMemo, *, every: bool,
) -> dict[int, Evaluation]:  # fmt: skip
    """Each rule's evaluation: last run's where its rule, stock and demand are the same."""
    found: dict[int, Evaluation] = {}
    kept = memo.evaluations
    now_kept: dict[int, tuple[Rule, StockKey, Demand, Evaluation]] = {} if every else kept
    units: dict[int, Decimal] = {}
    for rule in rules:
        held, need = stock[rule.id], demand.get(rule.id, NO_DEMAND)
        entry = kept.get(rule.id)
        if (entry is None or entry[0] is not rule or entry[1] != held
                or (entry[2] is not need and entry[2] != need)):  # fmt: skip
            entry = (rule, held, need, evaluate(rule.terms, stock_of(held, units), need))
        now_kept[rule.id] = entry
        found[rule.id] = entry[3]
    memo.evaluations = now_kept  # after a run over every rule: none of deleted rules
    return found


def _wants_order(evaluation: Evaluation) -> bool:
    return evaluation.triggered and evaluation.order_qty > 0


def _demand(
    rules: Sequence[Rule], forecast: DemandForecast, now: datetime, memo: RunMemo
) -> dict[int, Demand]:
    scopes: dict[int, DemandScope] = {}
    kept = memo.scopes
    for r in rules:
        if r.terms.method is RuleMethod.DEMAND:
            entry = kept.get(r.id)
            if entry is None or entry[0] is not r:
                entry = kept[r.id] = (r, DemandScope(r.sku, r.location, r.owner, r.demand_days))
            scopes[r.id] = entry[1]
    found = forecast.daily_demand(list(dict.fromkeys(scopes.values())), as_of=now.date())
    return {rule_id: found.get(scope, NO_DEMAND) for rule_id, scope in scopes.items()}


def _insert(
    conn: sa.Connection,
    rules: Sequence[Rule],
    evaluations: dict[int, Evaluation],
    now: datetime,
) -> list[int]:
    """One suggestion per rule; their ids in the rules' order."""
    if not rules:
        return []
    rows = [_row(rule, evaluations[rule.id], now) for rule in rules]
    conn.execute(suggestions.insert(), rows)
    ids: dict[int, int] = {}
    for part in chunks([rule.id for rule in rules]):
        query = sa.select(suggestions.c.open_rule_id, suggestions.c.id).where(
            suggestions.c.open_rule_id.in_(part)
        )
        ids.update((int(row[0]), int(row[1])) for row in conn.execute(query))
    return [ids[rule.id] for rule in rules]


def _row(rule: Rule, ev: Evaluation, now: datetime) -> dict[str, Any]:
    stock = ev.stock
    return {
        "rule_id": rule.id, "open_rule_id": rule.id, "status": "open",
        "supplier_id": rule.supplier_id, "qty": ev.order_qty, "on_hand": stock.on_hand,
        "on_order": stock.on_order + stock.in_draft, "forecast_qty": ev.forecast_over_lead,
        "safety_stock": ev.safety_stock, "projected": ev.projected,
        "reorder_point": ev.reorder_point, "order_up_to": ev.order_up_to, "reason": ev.reason,
        "created_at": now, "snoozed_until": None, "closed_at": None, "closed_by": None,
        "po_line_id": None,
    }  # fmt: skip


def alert_key(rule: Rule) -> AlertKey:
    """The rule's ``low_stock`` alert key (site: the location's first segment)."""
    site = rule.location.split("/", 1)[0]
    return AlertKey(site, AlertType.LOW_STOCK, rule.location, rule.sku, f"rule {rule.id}")


def _step_alerts(
    conn: sa.Connection,
    rules: Sequence[Rule],
    evaluations: dict[int, Evaluation],
    now: datetime,
    memo: RunMemo,
) -> list[int]:
    active_query = sa.select(alerts.c.active_key).where(
        alerts.c.type == AlertType.LOW_STOCK.value, alerts.c.active_key.is_not(None)
    )
    active = {row[0] for row in plain_rows(conn, active_query)}
    verdicts: list[Verdict] = []
    keys = memo.alert_keys
    for rule in rules:
        ev, entry = evaluations[rule.id], keys.get(rule.id)
        if entry is None or entry[0] is not rule:
            key = alert_key(rule)
            entry = (rule, key, key.active_key(), None, False)
        is_active = entry[2] in active
        if entry[3] is ev and entry[4] is is_active:
            continue  # the same figures and state as a step that changed nothing
        verdict = _verdict(rule, entry[1], ev, active=is_active)
        if verdict is not None:
            verdicts.append(verdict)
        keys[rule.id] = (rule, entry[1], entry[2], None if verdict else ev, is_active)
    return apply_verdicts(conn, verdicts, now=now) if verdicts else []


def _verdict(rule: Rule, key: AlertKey, ev: Evaluation, *, active: bool) -> Verdict | None:
    """The hysteresis step of one rule's alert: open it, clear it, or nothing (None)."""
    held = ev.stock
    action = low_stock_step(
        active=active, projected=ev.projected, reorder_point=ev.reorder_point,
        margin=rule.margin_qty, on_order=held.on_order + held.in_draft,
    )  # fmt: skip
    if action is LowStock.OPEN and ev.order_up_to > ev.projected:
        # at the point with nothing to fill (no demand, no max): not low, just idle
        return _finding(rule, key, ev)
    if action is LowStock.CLEAR:
        return Clearance(key, f"projected {ev.projected} is back above the point")
    return None


def _finding(rule: Rule, key: AlertKey, ev: Evaluation) -> Finding:
    message = (
        f"{rule.sku} at {rule.location} is low: projected {ev.projected:f} ≤ reorder point "
        f"{ev.reorder_point:f} (rule {rule.id}, supplier {rule.supplier})"
    )
    return Finding(
        key, message, Severity.MINOR, owner=rule.owner, expected=ev.reorder_point,
        observed=ev.projected, evidence=(ev.reason,),
    )  # fmt: skip
