"""Suppliers, their items and purchase orders in the ledger database (the store side)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from collector.ledger.types import Micro
from collector.purchasing.errors import NotFoundError, PurchasingError
from collector.purchasing.schema import po_lines, purchase_orders, supplier_items, suppliers
from collector.purchasing.states import OPEN_FOR_RECEIPT, PoEvent, PoStatus, next_status

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class LineIn:
    """A line to order: units of a SKU for a location and owner."""

    sku: str
    location: str
    qty: Decimal
    owner: str = "own"
    unit_price: Decimal | None = None


def po_number(po_id: int) -> str:
    """The number receipts name (``PO-000042``)."""
    return f"PO-{po_id:06d}"


def _inserted(result: sa.CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None, "an INSERT returns its primary key"
    return int(key[0])


# --------------------------------------------------------------------------- suppliers


def create_supplier(conn: sa.Connection, *, code: str, name: str, now: datetime) -> int:
    """A new supplier; ``PurchasingError`` if the code is taken."""
    if conn.execute(sa.select(suppliers.c.id).where(suppliers.c.code == code)).first():
        raise PurchasingError(f"supplier {code!r} exists already: pick another code")
    values = {"code": code, "name": name, "created_at": now}
    return _inserted(conn.execute(suppliers.insert().values(values)))


def supplier_id(conn: sa.Connection, code_or_id: str | int) -> int:
    """A supplier's id from its code (or id); ``NotFoundError`` if there is none."""
    column = suppliers.c.id if isinstance(code_or_id, int) else suppliers.c.code
    found = conn.execute(sa.select(suppliers.c.id).where(column == code_or_id)).scalar()
    if found is None:
        raise NotFoundError(f"no supplier {code_or_id!r}: add it first (`collector po supplier`)")
    return int(found)


def list_suppliers(conn: sa.Connection) -> list[sa.Row[Any]]:
    """Every supplier by code."""
    return list(conn.execute(sa.select(suppliers).order_by(suppliers.c.code)))


def set_supplier_item(
    conn: sa.Connection,
    supplier: int,
    sku: str,
    *,
    lead_time_days: int,
    order_multiple: Decimal,
    min_order_qty: Decimal,
    last_price: Decimal | None,
    now: datetime,
) -> None:
    """Set (or replace) what the supplier asks for the item."""
    if lead_time_days < 0 or order_multiple <= 0 or min_order_qty < 0:
        raise PurchasingError(
            f"item {sku}: lead time must be ≥ 0 days, the multiple > 0 and the MOQ ≥ 0"
        )
    key = (supplier_items.c.supplier_id == supplier) & (supplier_items.c.sku == sku)
    conn.execute(supplier_items.delete().where(key))
    values = {
        "supplier_id": supplier, "sku": sku, "lead_time_days": lead_time_days,
        "order_multiple": order_multiple, "min_order_qty": min_order_qty,
        "last_price": last_price, "updated_at": now,
    }  # fmt: skip
    conn.execute(supplier_items.insert().values(values))


def supplier_item_rows(conn: sa.Connection, supplier: int) -> list[sa.Row[Any]]:
    """The supplier's items by SKU."""
    query = sa.select(supplier_items).where(supplier_items.c.supplier_id == supplier)
    return list(conn.execute(query.order_by(supplier_items.c.sku)))


# --------------------------------------------------------------------------- orders


def create_order(
    conn: sa.Connection, supplier: int, lines: Sequence[LineIn], *, by: str, now: datetime
) -> int:
    """A draft order with its lines; returns its id."""
    values = {"supplier_id": supplier, "status": PoStatus.DRAFT.value, "created_at": now,
              "created_by": by}  # fmt: skip
    po_id = _inserted(conn.execute(purchase_orders.insert().values(values)))
    conn.execute(
        purchase_orders.update()
        .where(purchase_orders.c.id == po_id)
        .values(number=po_number(po_id))
    )
    add_lines(conn, po_id, lines)
    return po_id


def add_lines(conn: sa.Connection, po_id: int, lines: Sequence[LineIn]) -> list[int]:
    """Lines added to a draft order (numbered after its last); returns their ids."""
    head = order_row(conn, po_id)
    if head.status != PoStatus.DRAFT.value:
        raise PurchasingError(f"{head.number} is {head.status}: lines go only on a draft order")
    last = conn.execute(
        sa.select(sa.func.max(po_lines.c.line_no)).where(po_lines.c.po_id == po_id)
    ).scalar()
    ids = []
    for offset, line in enumerate(lines, start=(last or 0) + 1):
        if line.qty <= 0:
            raise PurchasingError(f"line {offset} of {head.number}: qty must be positive")
        values = {
            "po_id": po_id, "line_no": offset, "sku": line.sku, "location": line.location,
            "owner": line.owner, "qty_ordered": line.qty, "qty_received": ZERO,
            "qty_returned": ZERO, "unit_price": line.unit_price,
        }  # fmt: skip
        ids.append(_inserted(conn.execute(po_lines.insert().values(values))))
    return ids


def order_row(conn: sa.Connection, po_id: int) -> sa.Row[Any]:
    """An order's head row; ``NotFoundError`` if there is none."""
    row = conn.execute(sa.select(purchase_orders).where(purchase_orders.c.id == po_id)).first()
    if row is None:
        raise NotFoundError(f"no purchase order {po_id}: `collector po list` shows them")
    return row


def order_id(conn: sa.Connection, number_or_id: str) -> int:
    """An order's id from ``PO-000042``, ``42`` or its id."""
    text = number_or_id.strip().upper()
    if text.isdigit():
        return int(order_row(conn, int(text)).id)
    found = conn.execute(
        sa.select(purchase_orders.c.id).where(purchase_orders.c.number == text)
    ).scalar()
    if found is None:
        raise NotFoundError(f"no purchase order {number_or_id!r}: `collector po list` shows them")
    return int(found)


def order_lines(conn: sa.Connection, po_id: int) -> list[sa.Row[Any]]:
    """An order's lines in line order."""
    query = sa.select(po_lines).where(po_lines.c.po_id == po_id).order_by(po_lines.c.line_no)
    return list(conn.execute(query))


def list_orders(
    conn: sa.Connection, *, status: PoStatus | None = None, limit: int = 100
) -> list[sa.Row[Any]]:
    """Orders newest first, with supplier code and their line count."""
    lines = sa.select(sa.func.count()).where(po_lines.c.po_id == purchase_orders.c.id)
    query = (
        sa.select(
            purchase_orders,
            suppliers.c.code.label("supplier"),
            lines.scalar_subquery().label("lines"),
        )
        .join(suppliers, suppliers.c.id == purchase_orders.c.supplier_id)
        .order_by(purchase_orders.c.id.desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(purchase_orders.c.status == status.value)
    return list(conn.execute(query))


def step(conn: sa.Connection, po_id: int, event: PoEvent, *, now: datetime) -> PoStatus:
    """Move an order by the state table (send, cancel, close short); returns its new state."""
    head = order_row(conn, po_id)
    after = next_status(PoStatus(head.status), event, number=head.number)
    if event is PoEvent.SEND and not order_lines(conn, po_id):
        raise PurchasingError(f"{head.number} has no lines: add some before sending it")
    values: dict[str, Any] = {"status": after.value}
    if event is PoEvent.SEND:
        values["sent_at"] = now
    if after in {PoStatus.RECEIVED, PoStatus.CANCELLED}:
        values["closed_at"] = now
    conn.execute(purchase_orders.update().where(purchase_orders.c.id == po_id).values(values))
    return after


def on_order_query(*, drafts: bool = False, micro: bool = False) -> sa.Select[Any]:
    """Units on order per SKU, location and owner: outstanding units of sent orders.

    ``drafts``: units of draft orders instead (not yet on order, but already planned);
    ``micro``: the sums as integer micro-units (for the suggestion run's totals).
    """
    wanted = [PoStatus.DRAFT.value] if drafts else [s.value for s in OPEN_FOR_RECEIPT]
    ordered, received = po_lines.c.qty_ordered, po_lines.c.qty_received
    short = sa.case((ordered > received, ordered - received), else_=sa.literal(0))
    outstanding = sa.type_coerce(sa.func.sum(short), sa.BigInteger() if micro else Micro())
    return (
        sa.select(po_lines.c.sku, po_lines.c.location, po_lines.c.owner, outstanding.label("qty"))
        .join(purchase_orders, purchase_orders.c.id == po_lines.c.po_id)
        .where(purchase_orders.c.status.in_(wanted))
        .group_by(po_lines.c.sku, po_lines.c.location, po_lines.c.owner)
    )


def on_order(conn: sa.Connection, *, sku: str | None = None) -> list[sa.Row[Any]]:
    """What is on order now, per SKU, location and owner (only positions with units)."""
    query = on_order_query()
    if sku is not None:
        query = query.where(po_lines.c.sku == sku)
    return [row for row in conn.execute(query) if row.qty and row.qty > 0]
