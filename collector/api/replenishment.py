"""``/api/v1/reorder-rules`` and ``/api/v1/suggestions``: what to order, why, and ordering it.

A run (``POST /suggestions/run``) evaluates every rule in a few batch queries and records
at most one open suggestion per rule; approving puts suggestions on their supplier's
draft order (``collector replenish``'s own steps, ``collector.purchasing``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from collector.api.context import Context, Reading
from collector.api.paging import DEFAULT_LIMIT, Limit, page_size
from collector.api.problems import ProblemError
from collector.api.purchasing import (
    CHANGE,
    FILTERED,
    Manager,
    Reader,
    po_summary,
    purchasing_problems,
)
from collector.api.purchasing_models import (
    ApproveIn,
    ApproveOut,
    RuleIn,
    RuleOut,
    RunOut,
    SnoozeIn,
    SuggestionOut,
)
from collector.api.responses import AUTH, problem
from collector.api.review import RecordId
from collector.purchasing import approval, orders, rules
from collector.purchasing.approval import SuggestionStatus
from collector.purchasing.memo import memo_for
from collector.purchasing.sweep import remembered_run, replenishment_transaction

router = APIRouter(tags=["replenishment"])
RULE_CHANGE = {**CHANGE, 422: problem("Invalid rule (max below min, …): `detail` says.")}


@router.get("/reorder-rules", summary="Every reorder rule", response_model=list[RuleOut],
            responses=AUTH)  # fmt: skip
def list_rules(conn: Reading, who: Reader) -> list[RuleOut]:
    """Rules with their supplier's terms for the SKU."""
    return [_rule_out(rule) for rule in rules.load_rules(conn)]


def _rule_out(rule: rules.Rule) -> RuleOut:
    t = rule.terms
    return RuleOut(
        id=rule.id, sku=rule.sku, location=rule.location, owner=rule.owner,
        supplier=rule.supplier, method=t.method, min_qty=t.min_qty, max_qty=t.max_qty,
        multiple=t.multiple, min_order_qty=t.min_order_qty, lead_time_days=t.lead_time_days,
        service_level=t.service_level, demand_days=rule.demand_days, cover_days=t.cover_days,
        margin_qty=rule.margin_qty, auto_order=rule.auto_order,
    )  # fmt: skip


@router.post("/reorder-rules", summary="Add a reorder rule", status_code=201,
             response_model=RuleOut, responses=RULE_CHANGE)  # fmt: skip
def add_rule(body: RuleIn, context: Context, who: Manager) -> RuleOut:
    """A rule for the SKU under the location; 409 if that SKU, location, owner has one."""
    with purchasing_problems(), context.engine.begin() as conn:
        rule = rules.RuleIn(
            body.sku, body.location, orders.supplier_id(conn, body.supplier), body.method,
            body.owner, Decimal(body.min_qty), Decimal(body.max_qty), body.multiple,
            Decimal(body.service_level) if body.service_level else None, body.demand_days,
            body.cover_days, Decimal(body.margin_qty), body.auto_order,
        )  # fmt: skip
        try:
            rules.check(rule)
        except rules.PurchasingError as err:
            raise ProblemError("invalid-request", str(err)) from err
        rule_id = rules.create_rule(conn, rule, now=context.clock.now())
        return _rule_out(rules.load_rules(conn, rule_ids=[rule_id])[0])


@router.delete("/reorder-rules/{rule_id}", summary="Delete a rule without suggestions",
               status_code=204, response_class=Response, responses=CHANGE)  # fmt: skip
def delete_rule(rule_id: RecordId, context: Context, who: Manager) -> Response:
    """Gone; 409 if it has suggestions (kept for their history)."""
    with purchasing_problems(), context.engine.begin() as conn:
        rules.delete_rule(conn, rule_id)
    return Response(status_code=204)


@router.get("/suggestions", summary="Suggestions (open ones by default), oldest first",
            response_model=list[SuggestionOut], responses=FILTERED)  # fmt: skip
def list_suggestions(
    context: Context,
    conn: Reading,
    who: Reader,
    status: Annotated[SuggestionStatus | None, Query(description="Default: open.")] = None,
    limit: Limit = DEFAULT_LIMIT,
) -> list[SuggestionOut]:
    """Each with its figures and the formula with its numbers."""
    rows = approval.list_suggestions(conn, status=status or SuggestionStatus.OPEN)
    return [suggestion_out(r) for r in rows[: page_size(context, limit)]]


def suggestion_out(row: Any) -> SuggestionOut:
    """A suggestion row as the API answers it."""
    return SuggestionOut.model_validate(dict(row._mapping))


@router.post("/suggestions/run", summary="Evaluate every rule now", response_model=RunOut,
             responses=AUTH)  # fmt: skip
def run(context: Context, who: Manager) -> RunOut:
    """New suggestions for rules at or below their point; low_stock alerts step too."""
    with replenishment_transaction(context.engine) as conn:  # one run at a time
        found = remembered_run(conn, memo_for(context.engine), now=context.clock.now())
    return RunOut(
        rules=found.rules, triggered=found.triggered, created=found.created,
        kept_open=found.kept_open, auto_ordered=found.auto_ordered,
        alerts_changed=found.alerts_changed,
    )  # fmt: skip


@router.post("/suggestions/approve", summary="Order suggestions on draft orders",
             response_model=ApproveOut, responses=CHANGE)  # fmt: skip
def approve(body: ApproveIn, context: Context, who: Manager) -> ApproveOut:
    """Each becomes a line on its supplier's draft order; 409 if one is not open."""
    with purchasing_problems(), context.engine.begin() as conn:
        po_ids = approval.approve(conn, body.suggestion_ids, by=who.label, now=context.clock.now())
        listed = {r.id: r for r in orders.list_orders(conn, limit=len(po_ids) + 1000)}
        return ApproveOut(orders=[po_summary(listed[po_id]) for po_id in po_ids])


@router.post("/suggestions/{suggestion_id}/snooze", summary="Snooze a suggestion until a day",
             response_model=SuggestionOut, responses=CHANGE)  # fmt: skip
def snooze(
    suggestion_id: RecordId, body: SnoozeIn, context: Context, who: Manager
) -> SuggestionOut:
    """It stays the rule's one open suggestion, out of ordering until the day."""
    with purchasing_problems(), context.engine.begin() as conn:
        approval.snooze(conn, suggestion_id, until=body.until, now=context.clock.now())
        return suggestion_out(approval.suggestion_row(conn, suggestion_id))


@router.post("/suggestions/{suggestion_id}/dismiss", summary="Dismiss a suggestion",
             response_model=SuggestionOut, responses=CHANGE)  # fmt: skip
def dismiss(suggestion_id: RecordId, context: Context, who: Manager) -> SuggestionOut:
    """Closed unordered; the next run suggests again while the rule is low."""
    with purchasing_problems(), context.engine.begin() as conn:
        approval.dismiss(conn, suggestion_id, by=who.label, now=context.clock.now())
        return suggestion_out(approval.suggestion_row(conn, suggestion_id))
