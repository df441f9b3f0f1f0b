"""Receipts the ledger posts, matched to order lines in the posting session's transaction.

``PurchasingObserver`` is a ``PostingObserver``: it sees every batch's movement lines
after they are written and before the commit, so a receipt and what it does to its order
(received units, the order's state, on-order) commit together or not at all. It writes
only purchasing tables; movements stay the posting session's alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import structlog

from collector.alerts.store import apply_verdicts
from collector.domain.model import MovementLine, MovementType
from collector.ledger.bulk import chunks
from collector.ledger.observers import Posted
from collector.purchasing.errors import TransitionError
from collector.purchasing.matching import (
    Allocation,
    MatchFlag,
    Mismatch,
    OpenLine,
    Receipt,
    apply_allocations,
    match_receipt,
    mismatch,
    parse_reference,
)
from collector.purchasing.schema import po_lines, purchase_orders, receipt_matches, supplier_items
from collector.purchasing.states import OPEN_FOR_RECEIPT, PoStatus, next_status, receiving_event
from collector.reconcile.findings import FIXED_SEVERITY, AlertKey, AlertType, Finding, Verdict

log = structlog.get_logger("collector.purchasing")
ZERO = Decimal(0)
_FILLED = (MatchFlag.COMPLETE.value, MatchFlag.PARTIAL.value, MatchFlag.OVER.value)


class PurchasingObserver:
    """``PostingObserver``: match receipts, reversals and vendor returns to order lines."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        """``now``: the clock stamping the matches."""
        self._now = now

    def on_posted(self, conn: sa.Connection, posted: Posted) -> None:
        """Match the batch's receipts (most batches have none: nothing is read then)."""
        lines = [ln for ln in posted.movements if _concerns_orders(ln)]
        if lines:
            record_receipts(conn, lines, now=self._now())


def _concerns_orders(line: MovementLine) -> bool:
    if line.type is MovementType.RECEIPT:
        return True
    return line.type is MovementType.VENDOR_RETURN and parse_reference(line.reason) is not None


def record_receipts(conn: sa.Connection, lines: Sequence[MovementLine], *, now: datetime) -> None:
    """Apply receipts, reversed receipts and vendor returns naming a line to the orders."""
    rows: list[dict[str, Any]] = []
    received: dict[int, Decimal] = {}
    returned: dict[int, Decimal] = {}
    receipts = [ln for ln in lines if ln.type is MovementType.RECEIPT and ln.qty > 0]
    reversals = [ln for ln in lines if ln.type is MovementType.RECEIPT and ln.qty < 0]
    returns = [ln for ln in lines if ln.type is MovementType.VENDOR_RETURN]
    if receipts:
        _match(conn, receipts, rows, received, now)
    if reversals:
        _reverse(conn, reversals, rows, received, now)
    if returns:
        _returns(conn, returns, rows, returned, now)
    if rows:
        conn.execute(receipt_matches.insert(), rows)
    _add_to_lines(conn, po_lines.c.qty_received, received)
    _add_to_lines(conn, po_lines.c.qty_returned, returned)
    _restate_orders(conn, set(received), now)
    _last_prices(conn, receipts, rows, now)


def _row(line: MovementLine, alloc: Allocation, now: datetime) -> dict[str, Any]:
    return {
        "movement_id": line.movement_id, "po_line_id": alloc.line_id, "qty": alloc.qty,
        "flag": alloc.flag.value, "reference": (line.reason or None) and line.reason[:128],
        "matched_at": now,
    }  # fmt: skip


def _match(
    conn: sa.Connection,
    receipts: Sequence[MovementLine],
    rows: list[dict[str, Any]],
    received: dict[int, Decimal],
    now: datetime,
) -> None:
    named = {found[0] for ln in receipts if (found := parse_reference(ln.reason)) is not None}
    lines = load_open_lines(conn, {ln.key.sku for ln in receipts}, named)
    statuses = order_statuses(conn, named)
    findings: list[Verdict] = []
    for line in sorted(receipts, key=lambda ln: ln.movement_id):
        key = line.key
        receipt = Receipt(key.sku, key.location, key.owner, line.qty, line.reason)
        allocations = match_receipt(receipt, lines)
        lines = apply_allocations(lines, allocations)
        for alloc in allocations:
            rows.append(_row(line, alloc, now))
            if alloc.line_id is not None:
                received[alloc.line_id] = received.get(alloc.line_id, ZERO) + alloc.qty
        findings.extend(_mismatch_finding(receipt, statuses, allocations, line.movement_id))
    if findings:
        apply_verdicts(conn, findings, now=now)


def order_statuses(conn: sa.Connection, numbers: set[str]) -> dict[str, str]:
    """The status of each named order that exists, by number."""
    if not numbers:
        return {}
    query = sa.select(purchase_orders.c.number, purchase_orders.c.status).where(
        purchase_orders.c.number.in_(sorted(numbers))
    )
    return {row.number: row.status for row in conn.execute(query)}


def _mismatch_finding(
    receipt: Receipt,
    statuses: dict[str, str],
    allocations: Sequence[Allocation],
    movement_id: int | None,
) -> list[Verdict]:
    named = parse_reference(receipt.reference)
    wrong = mismatch(receipt, statuses.get(named[0]) if named else None, allocations)
    if wrong is None:
        return []
    log.warning("receipt.mismatch", sku=receipt.sku, reference=receipt.reference, why=wrong.message)
    return [mismatch_finding(receipt, wrong, movement_id)]


def mismatch_finding(receipt: Receipt, wrong: Mismatch, movement_id: int | None) -> Finding:
    """The ``receipt_mismatch`` alert of an order named wrongly (one per order and SKU)."""
    site = receipt.location.split("/", 1)[0]
    key = AlertKey(site, AlertType.RECEIPT_MISMATCH, receipt.location, receipt.sku, wrong.number)
    return Finding(
        key, wrong.message, FIXED_SEVERITY[AlertType.RECEIPT_MISMATCH], owner=receipt.owner,
        observed=receipt.qty, evidence=(f"movement {movement_id}",),
    )  # fmt: skip


def load_open_lines(conn: sa.Connection, skus: Iterable[str], numbers: set[str]) -> list[OpenLine]:
    """Lines of these SKUs on sent orders, and on received ones named by ``numbers``."""
    open_states = [s.value for s in OPEN_FOR_RECEIPT]
    wanted: sa.ColumnElement[bool] = purchase_orders.c.status.in_(open_states)
    if numbers:
        received = purchase_orders.c.status == PoStatus.RECEIVED.value
        wanted = wanted | (received & purchase_orders.c.number.in_(sorted(numbers)))
    found: list[OpenLine] = []
    for part in chunks(sorted(set(skus))):
        query = (
            sa.select(po_lines, purchase_orders.c.number, purchase_orders.c.status,
                      sa.func.coalesce(purchase_orders.c.sent_at,
                                       purchase_orders.c.created_at).label("ordered_at"))
            .join(purchase_orders, purchase_orders.c.id == po_lines.c.po_id)
            .where(po_lines.c.sku.in_(part), wanted)
        )  # fmt: skip
        found.extend(_open_line(r, open_states) for r in conn.execute(query))
    return found


def _open_line(r: Any, open_states: list[str]) -> OpenLine:
    return OpenLine(
        r.id, r.line_no, r.number, r.ordered_at, r.sku, r.location, r.owner,
        r.qty_ordered, r.qty_received, is_open=r.status in open_states,
    )  # fmt: skip


def _reverse(
    conn: sa.Connection,
    reversals: Sequence[MovementLine],
    rows: list[dict[str, Any]],
    received: dict[int, Decimal],
    now: datetime,
) -> None:
    """A reversed receipt takes back exactly what it put on each line."""
    by_movement = {ln.reverses_movement_id: ln for ln in reversals if ln.reverses_movement_id}
    query = sa.select(receipt_matches).where(
        receipt_matches.c.movement_id.in_(sorted(by_movement)),
        receipt_matches.c.flag.in_(_FILLED),
        receipt_matches.c.po_line_id.is_not(None),
    )
    for match in conn.execute(query):
        line = by_movement[match.movement_id]
        alloc = Allocation(match.po_line_id, -match.qty, MatchFlag.REVERSAL)
        rows.append(_row(line, alloc, now))
        received[match.po_line_id] = received.get(match.po_line_id, ZERO) - match.qty


def _returns(
    conn: sa.Connection,
    returns: Sequence[MovementLine],
    rows: list[dict[str, Any]],
    returned: dict[int, Decimal],
    now: datetime,
) -> None:
    """Vendor returns naming ``PO-…/line`` (or an order with one line of the SKU)."""
    for line in returns:
        named = parse_reference(line.reason)
        assert named is not None
        number, line_no = named
        query = (
            sa.select(po_lines.c.id)
            .join(purchase_orders, purchase_orders.c.id == po_lines.c.po_id)
            .where(purchase_orders.c.number == number, po_lines.c.sku == line.key.sku)
        )
        if line_no is not None:
            query = query.where(po_lines.c.line_no == line_no)
        ids = list(conn.execute(query).scalars())
        line_id = ids[0] if len(ids) == 1 else None
        rows.append(_row(line, Allocation(line_id, -line.qty, _return_flag(line_id)), now))
        if line_id is not None:
            returned[line_id] = returned.get(line_id, ZERO) - line.qty


def _return_flag(line_id: int | None) -> MatchFlag:
    return MatchFlag.RETURN if line_id is not None else MatchFlag.UNMATCHED


def _add_to_lines(conn: sa.Connection, column: sa.Column[Any], deltas: dict[int, Decimal]) -> None:
    for line_id, delta in deltas.items():
        conn.execute(
            po_lines.update().where(po_lines.c.id == line_id).values({column.name: column + delta})
        )


def _restate_orders(conn: sa.Connection, line_ids: set[int], now: datetime) -> None:
    """Each touched order's state from its lines' ordered and received units."""
    if not line_ids:
        return
    po_ids = set(
        conn.execute(
            sa.select(po_lines.c.po_id).where(po_lines.c.id.in_(sorted(line_ids)))
        ).scalars()
    )
    for po_id in sorted(po_ids):
        head = conn.execute(sa.select(purchase_orders).where(purchase_orders.c.id == po_id)).one()
        pairs = conn.execute(
            sa.select(po_lines.c.qty_ordered, po_lines.c.qty_received).where(
                po_lines.c.po_id == po_id
            )
        )
        event = receiving_event((r.qty_ordered, r.qty_received) for r in pairs)
        try:
            after = next_status(PoStatus(head.status), event, number=head.number)
        except TransitionError as err:  # e.g. a receipt reversed on a cancelled order
            log.warning("order.state_kept", order=head.number, reason=str(err))
            continue
        closed = now if after is PoStatus.RECEIVED else None
        conn.execute(
            purchase_orders.update()
            .where(purchase_orders.c.id == po_id)
            .values(status=after.value, closed_at=closed)
        )


def _last_prices(
    conn: sa.Connection, receipts: Sequence[MovementLine], rows: list[dict[str, Any]], now: datetime
) -> None:
    """A matched receipt's unit cost becomes the supplier's last price for the item."""
    cost = {ln.movement_id: (ln.key.sku, ln.unit_cost) for ln in receipts}
    matched = {r["movement_id"]: r["po_line_id"] for r in rows if r["movement_id"] in cost}
    for movement_id, line_id in matched.items():
        if line_id is None:
            continue
        supplier = conn.execute(
            sa.select(purchase_orders.c.supplier_id)
            .join(po_lines, po_lines.c.po_id == purchase_orders.c.id)
            .where(po_lines.c.id == line_id)
        ).scalar()
        sku, unit_cost = cost[movement_id]
        conn.execute(
            supplier_items.update()
            .where(supplier_items.c.supplier_id == supplier, supplier_items.c.sku == sku)
            .values(last_price=unit_cost, updated_at=now)
        )
