"""The suggestion run: every rule evaluated in a few batch queries, suggestions and alerts.

For each rule: projected = on hand + on order − forecast over the lead time
(``collector.purchasing.reorder``). A rule at or below its reorder point gets one open
suggestion (never a second while one is open: the unique ``open_rule_id`` says so too),
and its ``low_stock`` alert opens; the alert clears by the hysteresis of
``collector.purchasing.hysteresis``. Rules set to order automatically have their new
suggestions approved into draft orders at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from collector.alerts.schema import alerts
from collector.alerts.store import apply_verdicts
from collector.ledger.bulk import chunks
from collector.purchasing.approval import approve
from collector.purchasing.demand import DemandForecast, DemandScope
from collector.purchasing.hysteresis import LowStock, low_stock_step
from collector.purchasing.positions import stock_by_rule
from collector.purchasing.reorder import Demand, Evaluation, RuleMethod, Stock, evaluate
from collector.purchasing.rules import Rule, load_rules
from collector.purchasing.schema import suggestions
from collector.reconcile.findings import AlertKey, AlertType, Clearance, Finding, Severity, Verdict

AUTO_APPROVER = "replenish:auto"
"""Who approved a suggestion of a rule that orders automatically."""


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
) -> RunResult:
    """Evaluate the rules (all, or these), record new suggestions, step the alerts."""
    rules = load_rules(conn, rule_ids=rule_ids)
    result = RunResult(rules=len(rules))
    if not rules:
        return result
    stock = stock_by_rule(conn, rules)
    demand = _demand(rules, forecast, now)
    result.evaluations = {
        r.id: evaluate(r.terms, stock[r.id], demand.get(r.id, Demand())) for r in rules
    }
    open_rules = set(
        conn.execute(
            sa.select(suggestions.c.open_rule_id).where(suggestions.c.open_rule_id.is_not(None))
        ).scalars()
    )
    fresh = [r for r in rules if _wants_order(result.evaluations[r.id])]
    result.triggered = len(fresh)
    result.kept_open = sum(1 for r in fresh if r.id in open_rules)
    new = [r for r in fresh if r.id not in open_rules]
    result.created = _insert(conn, new, result.evaluations, stock, now)
    result.alerts_changed = _step_alerts(conn, rules, result.evaluations, stock, now)
    auto = [sid for rule, sid in zip(new, result.created, strict=True) if rule.auto_order]
    if auto:
        result.auto_ordered = approve(conn, auto, by=AUTO_APPROVER, now=now)
    return result


def _wants_order(evaluation: Evaluation) -> bool:
    return evaluation.triggered and evaluation.order_qty > 0


def _demand(rules: Sequence[Rule], forecast: DemandForecast, now: datetime) -> dict[int, Demand]:
    scopes = {
        r.id: DemandScope(r.sku, r.location, r.owner, r.demand_days)
        for r in rules
        if r.terms.method is RuleMethod.DEMAND
    }
    found = forecast.daily_demand(list(dict.fromkeys(scopes.values())), as_of=now.date())
    return {rule_id: found.get(scope, Demand()) for rule_id, scope in scopes.items()}


def _insert(
    conn: sa.Connection,
    rules: Sequence[Rule],
    evaluations: dict[int, Evaluation],
    stock: dict[int, Stock],
    now: datetime,
) -> list[int]:
    """One suggestion per rule; their ids in the rules' order."""
    if not rules:
        return []
    rows = [_row(rule, evaluations[rule.id], stock[rule.id], now) for rule in rules]
    conn.execute(suggestions.insert(), rows)
    ids: dict[int, int] = {}
    for part in chunks([rule.id for rule in rules]):
        query = sa.select(suggestions.c.open_rule_id, suggestions.c.id).where(
            suggestions.c.open_rule_id.in_(part)
        )
        ids.update((int(row[0]), int(row[1])) for row in conn.execute(query))
    return [ids[rule.id] for rule in rules]


def _row(rule: Rule, ev: Evaluation, stock: Stock, now: datetime) -> dict[str, Any]:
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
    stock: dict[int, Stock],
    now: datetime,
) -> list[int]:
    active_query = sa.select(alerts.c.active_key).where(
        alerts.c.type == AlertType.LOW_STOCK.value, alerts.c.active_key.is_not(None)
    )
    active = set(conn.execute(active_query).scalars())
    verdicts: list[Verdict] = []
    for rule in rules:
        ev, key = evaluations[rule.id], alert_key(rule)
        held = stock[rule.id]
        action = low_stock_step(
            active=key.active_key() in active, projected=ev.projected,
            reorder_point=ev.reorder_point, margin=rule.margin_qty,
            on_order=held.on_order + held.in_draft,
        )  # fmt: skip
        if action is LowStock.OPEN and ev.order_up_to > ev.projected:
            # at the point with nothing to fill (no demand, no max): not low, just idle
            verdicts.append(_finding(rule, key, ev))
        elif action is LowStock.CLEAR:
            verdicts.append(Clearance(key, f"projected {ev.projected} is back above the point"))
    return apply_verdicts(conn, verdicts, now=now) if verdicts else []


def _finding(rule: Rule, key: AlertKey, ev: Evaluation) -> Finding:
    message = (
        f"{rule.sku} at {rule.location} is low: projected {ev.projected:f} ≤ reorder point "
        f"{ev.reorder_point:f} (rule {rule.id}, supplier {rule.supplier})"
    )
    return Finding(
        key, message, Severity.MINOR, owner=rule.owner, expected=ev.reorder_point,
        observed=ev.projected, evidence=(ev.reason,),
    )  # fmt: skip
