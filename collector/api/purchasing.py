"""``/api/v1/suppliers``, ``/purchase-orders``, ``/on-order``: what is bought, from whom.

The steps are ``collector po``'s own (``collector.purchasing``); receipts are matched to
order lines where the ledger posts them (``collector.purchasing.receiving``), so these
routes only create, send, cancel and close orders. Roles ``admin`` and ``ops`` manage,
and read; a ``client`` token sees no purchasing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from collector.api.access import Action, Principal
from collector.api.context import Context, Reading, allowed
from collector.api.once import OptionalKey, create_once
from collector.api.paging import DEFAULT_LIMIT, Limit, page_size
from collector.api.problems import ProblemError
from collector.api.purchasing_models import (
    OnOrderOut,
    PoIn,
    PoOut,
    PoSummary,
    SupplierIn,
    SupplierItemIn,
    SupplierItemOut,
    SupplierOut,
)
from collector.api.responses import AUTH, TOO_LARGE, problem
from collector.api.review import RecordId
from collector.purchasing import orders
from collector.purchasing.errors import NotFoundError, PurchasingError, TransitionError
from collector.purchasing.states import PoEvent, PoStatus
from collector.purchasing.views import order_detail
from edge_agent.wire import Sku

router = APIRouter(tags=["purchasing"])
Reader = Annotated[Principal, Depends(allowed(Action.READ_PURCHASING))]
Manager = Annotated[Principal, Depends(allowed(Action.MANAGE_PURCHASING))]
NOT_FOUND = problem("No such supplier or order.")
CHANGE = {
    **AUTH, 404: NOT_FOUND, 413: TOO_LARGE,
    409: problem("The order's state does not allow it, or the code is taken (`detail`)."),
}  # fmt: skip
FILTERED = {**AUTH, 422: problem("Invalid parameters: `errors` lists each.")}
SupplierCode = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]


@contextmanager
def purchasing_problems() -> Iterator[None]:
    """``PurchasingError`` as the problem it is: 404, 409, or 422."""
    try:
        yield
    except NotFoundError as err:
        raise ProblemError("not-found", str(err)) from err
    except TransitionError as err:
        raise ProblemError("conflict", str(err)) from err
    except PurchasingError as err:
        raise ProblemError("conflict", str(err)) from err


def _number(text: str | None) -> Decimal | None:
    return Decimal(text) if text is not None else None


@router.get("/suppliers", summary="Every supplier", response_model=list[SupplierOut],
            responses=AUTH)  # fmt: skip
def list_suppliers(conn: Reading, who: Reader) -> list[SupplierOut]:
    """Suppliers by code."""
    return [SupplierOut(**dict(r._mapping)) for r in orders.list_suppliers(conn)]


@router.post("/suppliers", summary="Add a supplier", status_code=201,
             response_model=SupplierOut, responses=CHANGE)  # fmt: skip
def add_supplier(body: SupplierIn, context: Context, who: Manager) -> SupplierOut:
    """A new supplier; 409 if the code is taken."""
    now = context.clock.now()
    with purchasing_problems(), context.engine.begin() as conn:
        supplier = orders.create_supplier(conn, code=body.code, name=body.name, now=now)
    return SupplierOut(id=supplier, code=body.code, name=body.name, created_at=now)


@router.get("/suppliers/{code}/items", summary="A supplier's terms per item",
            response_model=list[SupplierItemOut], responses={**AUTH, 404: NOT_FOUND})  # fmt: skip
def supplier_items(code: SupplierCode, conn: Reading, who: Reader) -> list[SupplierItemOut]:
    """Lead time, pack size, MOQ and last price of each item."""
    with purchasing_problems():
        rows = orders.supplier_item_rows(conn, orders.supplier_id(conn, code))
    return [SupplierItemOut(**dict(r._mapping)) for r in rows]


@router.put("/suppliers/{code}/items/{sku}", summary="Set a supplier's terms for an item",
            response_model=SupplierItemOut, responses=CHANGE)  # fmt: skip
def set_supplier_item(
    code: SupplierCode,
    sku: Annotated[Sku, Path()],
    body: SupplierItemIn,
    context: Context,
    who: Manager,
) -> SupplierItemOut:
    """Replace the terms; the rules for the SKU use them from the next run."""
    with purchasing_problems(), context.engine.begin() as conn:
        orders.set_supplier_item(
            conn, orders.supplier_id(conn, code), sku, lead_time_days=body.lead_time_days,
            order_multiple=body.order_multiple, min_order_qty=Decimal(body.min_order_qty),
            last_price=_number(body.last_price), now=context.clock.now(),
        )  # fmt: skip
    return SupplierItemOut(
        sku=sku, lead_time_days=body.lead_time_days, order_multiple=body.order_multiple,
        min_order_qty=Decimal(body.min_order_qty), last_price=_number(body.last_price),
    )  # fmt: skip


@router.get("/purchase-orders", summary="Purchase orders, newest first",
            response_model=list[PoSummary], responses=FILTERED)  # fmt: skip
def list_orders(
    context: Context,
    conn: Reading,
    who: Reader,
    status: Annotated[PoStatus | None, Query(description="Only this state.")] = None,
    limit: Limit = DEFAULT_LIMIT,
) -> list[PoSummary]:
    """The newest orders (up to ``limit``)."""
    rows = orders.list_orders(conn, status=status, limit=page_size(context, limit))
    return [po_summary(r) for r in rows]


def po_summary(row: Any) -> PoSummary:
    """An order row of a list as the API answers it."""
    return PoSummary(
        id=row.id, number=row.number, supplier=row.supplier, status=PoStatus(row.status),
        lines=row.lines, created_at=row.created_at, sent_at=row.sent_at,
    )  # fmt: skip


@router.post("/purchase-orders", summary="Draft a purchase order", status_code=201,
             response_model=PoOut, responses=CHANGE)  # fmt: skip
def create_order(
    body: PoIn, request: Request, context: Context, who: Manager,
    idempotency_key: OptionalKey = None,
) -> PoOut | JSONResponse:  # fmt: skip
    """A draft with its lines; send it to put its units on order. With an Idempotency-Key,
    a retry gets the first order back, not a second draft."""
    lines = [
        orders.LineIn(ln.sku, ln.location, ln.qty, ln.owner, _number(ln.unit_price))
        for ln in body.lines
    ]

    def draft(conn: sa.Connection) -> PoOut:
        supplier = orders.supplier_id(conn, body.supplier)
        po_id = orders.create_order(conn, supplier, lines, by=who.label, now=context.clock.now())
        return order_out(conn, po_id)

    with purchasing_problems():
        return create_once(context, who, request, key_header=idempotency_key, body=body,
                           work=draft)  # fmt: skip


@router.get("/purchase-orders/{po_id}", summary="One order with its lines and receipts",
            response_model=PoOut, responses={**AUTH, 404: NOT_FOUND})  # fmt: skip
def read_order(po_id: RecordId, conn: Reading, who: Reader) -> PoOut:
    """Lines with ordered, received, returned and outstanding units, and every match."""
    with purchasing_problems():
        return order_out(conn, po_id)


def order_out(conn: sa.Connection, po_id: int) -> PoOut:
    """The order as the API answers it."""
    return PoOut.model_validate(order_detail(conn, po_id))


def _step(context: Context, po_id: int, event: PoEvent) -> PoOut:
    with purchasing_problems(), context.engine.begin() as conn:
        orders.step(conn, po_id, event, now=context.clock.now())
        return order_out(conn, po_id)


@router.post("/purchase-orders/{po_id}/send", summary="Send a draft (its units go on order)",
             response_model=PoOut, responses=CHANGE)  # fmt: skip
def send_order(po_id: RecordId, context: Context, who: Manager) -> PoOut:
    """draft → sent; 409 from any other state."""
    return _step(context, po_id, PoEvent.SEND)


@router.post("/purchase-orders/{po_id}/cancel", summary="Cancel a draft or sent order",
             response_model=PoOut, responses=CHANGE)  # fmt: skip
def cancel_order(po_id: RecordId, context: Context, who: Manager) -> PoOut:
    """draft or sent → cancelled; 409 once anything was received."""
    return _step(context, po_id, PoEvent.CANCEL)


@router.post("/purchase-orders/{po_id}/close", summary="Close a partial order short",
             response_model=PoOut, responses=CHANGE)  # fmt: skip
def close_order(po_id: RecordId, context: Context, who: Manager) -> PoOut:
    """partially received → received: the rest is no longer on order (an under-receipt)."""
    return _step(context, po_id, PoEvent.CLOSE_SHORT)


@router.get("/on-order", summary="Units on order per SKU, location and owner",
            response_model=list[OnOrderOut], responses=AUTH)  # fmt: skip
def on_order(
    conn: Reading, who: Reader, sku: Annotated[Sku | None, Query()] = None
) -> list[OnOrderOut]:
    """Outstanding units of sent and partially received orders (always current)."""
    return [OnOrderOut(**dict(r._mapping)) for r in orders.on_order(conn, sku=sku)]
