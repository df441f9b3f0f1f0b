"""Suggestions into draft orders (one per supplier), snoozed until a day, or dismissed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from collector.purchasing.errors import NotFoundError, TransitionError
from collector.purchasing.orders import LineIn, add_lines, create_order
from collector.purchasing.schema import purchase_orders, reorder_rules, suggestions, suppliers
from collector.purchasing.states import PoStatus


class SuggestionStatus(StrEnum):
    """Where a suggestion is (snoozed: open with ``snoozed_until`` still ahead)."""

    OPEN = "open"
    ORDERED = "ordered"
    DISMISSED = "dismissed"


def suggestion_query() -> sa.Select[Any]:
    """Suggestions with their rule's SKU, location, owner and supplier code."""
    s, r = suggestions.c, reorder_rules.c
    return (
        sa.select(suggestions, r.sku, r.location, r.owner, r.method,
                  suppliers.c.code.label("supplier"))
        .join(reorder_rules, r.id == s.rule_id)
        .join(suppliers, suppliers.c.id == s.supplier_id)
        .order_by(s.id)
    )  # fmt: skip


def list_suggestions(
    conn: sa.Connection, *, status: SuggestionStatus | None = SuggestionStatus.OPEN
) -> list[sa.Row[Any]]:
    """Suggestions (open ones by default), oldest first."""
    query = suggestion_query()
    if status is not None:
        query = query.where(suggestions.c.status == status.value)
    return list(conn.execute(query))


def suggestion_row(conn: sa.Connection, suggestion_id: int) -> sa.Row[Any]:
    """One suggestion; ``NotFoundError`` if there is none."""
    row = conn.execute(suggestion_query().where(suggestions.c.id == suggestion_id)).first()
    if row is None:
        raise NotFoundError(
            f"no suggestion {suggestion_id}: `collector replenish suggest` lists them"
        )
    return row


def _open(row: sa.Row[Any], today: date, *, snoozed_ok: bool = False) -> None:
    if row.status != SuggestionStatus.OPEN.value:
        raise TransitionError(f"suggestion {row.id} is {row.status}: only an open one can change")
    if not snoozed_ok and row.snoozed_until is not None and row.snoozed_until > today:
        raise TransitionError(
            f"suggestion {row.id} is snoozed until {row.snoozed_until}: wait, or snooze it "
            "to today first"
        )


def approve(
    conn: sa.Connection, suggestion_ids: Sequence[int], *, by: str, now: datetime
) -> list[int]:
    """Order the suggestions: a line each on the supplier's draft order; returns the orders.

    A supplier's newest draft order takes the lines, else a new draft is made; the
    suggestions close as ordered, naming their line.
    """
    rows = [suggestion_row(conn, sid) for sid in dict.fromkeys(suggestion_ids)]
    for row in rows:
        _open(row, now.date())
    orders: list[int] = []
    for supplier in sorted({row.supplier_id for row in rows}):
        mine = [row for row in rows if row.supplier_id == supplier]
        lines = [LineIn(r.sku, r.location, r.qty, r.owner, _price(conn, r)) for r in mine]
        po_id = _draft_of(conn, supplier)
        if po_id is None:
            po_id = create_order(conn, supplier, [], by=by, now=now)
        line_ids = add_lines(conn, po_id, lines)
        for row, line_id in zip(mine, line_ids, strict=True):
            _close(conn, row.id, SuggestionStatus.ORDERED, by=by, now=now, po_line_id=line_id)
        orders.append(po_id)
    return orders


def _price(conn: sa.Connection, row: sa.Row[Any]) -> Any:
    from collector.purchasing.schema import supplier_items  # noqa: PLC0415

    i = supplier_items.c
    query = sa.select(i.last_price).where(i.supplier_id == row.supplier_id, i.sku == row.sku)
    return conn.execute(query).scalar()


def _draft_of(conn: sa.Connection, supplier: int) -> int | None:
    p = purchase_orders.c
    query = sa.select(sa.func.max(p.id)).where(
        p.supplier_id == supplier, p.status == PoStatus.DRAFT.value
    )
    found = conn.execute(query).scalar()
    return int(found) if found is not None else None


def _close(
    conn: sa.Connection,
    suggestion_id: int,
    status: SuggestionStatus,
    *,
    by: str,
    now: datetime,
    po_line_id: int | None = None,
) -> None:
    values = {"status": status.value, "open_rule_id": None, "closed_at": now, "closed_by": by,
              "po_line_id": po_line_id}  # fmt: skip
    conn.execute(suggestions.update().where(suggestions.c.id == suggestion_id).values(values))


def snooze(conn: sa.Connection, suggestion_id: int, *, until: date, now: datetime) -> None:
    """Keep it open but out of approval until ``until`` (no new one for the rule meanwhile)."""
    _open(suggestion_row(conn, suggestion_id), now.date(), snoozed_ok=True)
    query = suggestions.update().where(suggestions.c.id == suggestion_id)
    conn.execute(query.values(snoozed_until=until))


def dismiss(conn: sa.Connection, suggestion_id: int, *, by: str, now: datetime) -> None:
    """Close it unordered; the next run suggests again if the rule is still low."""
    _open(suggestion_row(conn, suggestion_id), now.date(), snoozed_ok=True)
    _close(conn, suggestion_id, SuggestionStatus.DISMISSED, by=by, now=now)
