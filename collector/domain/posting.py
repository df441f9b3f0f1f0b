"""Post a validated stock transaction: movement lines, or a rejection an operator can read.

Rules (see docs/ledger.md): receipts add a cost layer (FIFO) or blend the average;
sales consume stock and post its cost as COGS; returns come back at the unit cost
of the sale they name, else of the latest sale of that SKU and owner; adjustments
are signed; transfers move the same layers and costs to the destination.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from collector.domain.book import Book, Draft, fmt
from collector.domain.model import (
    ItemPolicy,
    MovementType,
    Piece,
    PositionKey,
    Posting,
    SaleCost,
    totals,
)
from collector.domain.money import mul6, q6
from collector.domain.valuation import current_cost, fallback_cost, put_in, take_out
from collector.errors import RejectedEventError
from edge_agent.wire import StockTransaction, TransactionType


def post_transaction(
    book: Book, *, event_id: UUID, effective_at: datetime, tx: StockTransaction
) -> Posting:
    """Post one transaction to the book, or raise ``RejectedEventError`` leaving it unchanged."""
    draft = Draft.start(book, event_id, effective_at)  # the draft carries the event's identity
    _HANDLERS[tx.type](draft, tx)
    return draft.commit()


def _key(tx: StockTransaction, location: str | None = None) -> PositionKey:
    return PositionKey(tx.sku, location or tx.location, tx.owner)


def inbound(
    draft: Draft,
    movement_type: MovementType,
    key: PositionKey,
    pieces: Sequence[Piece],
    *,
    reason: str | None = None,
    reverses_movement_id: int | None = None,
    cogs: Decimal | None = None,
    revenue: Decimal | None = None,
) -> None:
    """Bring pieces into a position as one line, plus the true-up of any stock sold short."""
    item = draft.item(key.sku)
    movement_id = draft.ids.movement()
    position, true_up = put_in(
        draft.position(key),
        pieces,
        valuation=item.valuation,
        ids=draft.ids,
        movement_id=movement_id,
    )
    draft.positions[key] = position
    qty, value = totals(pieces)
    draft.add_line(
        movement_type,
        key,
        movement_id=movement_id,
        qty=qty,
        value=value,
        provisional=any(p.provisional for p in pieces),
        reason=reason,
        reverses_movement_id=reverses_movement_id,
        cogs=cogs,
        revenue=revenue,
    )
    draft.add_true_up(key, true_up)


def outbound(
    draft: Draft, movement_type: MovementType, key: PositionKey, qty: Decimal
) -> tuple[Piece, ...]:
    """Take stock out of a position under the item's negative-stock policy."""
    item = draft.item(key.sku)
    position = draft.position(key)
    if qty > position.qty and not item.allow_negative:
        is_adjustment = movement_type is MovementType.ADJUSTMENT
        verb = "adjustment of -" if is_adjustment else f"{movement_type.value} of "
        raise RejectedEventError(
            f"{verb}{fmt(qty)} {key.label()} exceeds on-hand {fmt(position.qty)} "
            f"and {key.sku} forbids negative stock"
        )
    position, pieces = take_out(
        position,
        qty,
        valuation=item.valuation,
        shortfall_cost=fallback_cost(position, item.last_unit_cost),
    )
    draft.positions[key] = position
    return pieces


def _receipt(draft: Draft, tx: StockTransaction) -> None:
    assert tx.unit_cost is not None  # the wire model requires it on receipts
    unit_cost = q6(tx.unit_cost)
    item = draft.item(tx.sku)
    piece = Piece(tx.qty, mul6(tx.qty, unit_cost), unit_cost)
    inbound(draft, MovementType.RECEIPT, _key(tx), [piece], reason=tx.reference)
    draft.items[tx.sku] = replace(item, last_unit_cost=unit_cost)


def _sale(draft: Draft, tx: StockTransaction) -> None:
    key = _key(tx)
    pieces = outbound(draft, MovementType.SALE, key, tx.qty)
    revenue = mul6(tx.qty, tx.unit_price) if tx.unit_price is not None else None
    line = draft.add_outbound(
        MovementType.SALE, key, pieces, is_cogs=True, revenue=revenue, reason=tx.reference
    )
    sale = SaleCost(draft.event_id, tx.sku, tx.owner, line.unit_cost)
    draft.sales.append(sale)


def _return(draft: Draft, tx: StockTransaction) -> None:
    unit_cost, is_from_sale = _return_cost(draft, tx)
    piece = Piece(tx.qty, mul6(tx.qty, unit_cost), unit_cost, provisional=not is_from_sale)
    inbound(draft, MovementType.RETURN, _key(tx), [piece], reason=tx.reference)


def _return_cost(draft: Draft, tx: StockTransaction) -> tuple[Decimal, bool]:
    """The named sale's unit cost, else the latest sale's; else the current cost (provisional)."""
    book = draft.book
    if tx.returns_event_id is not None:
        sale = book.sale_costs.get(tx.returns_event_id)
        if sale is not None and (sale.sku, sale.owner) == (tx.sku, tx.owner):
            return sale.unit_cost, True
        if sale is not None:
            raise RejectedEventError(
                f"return of {tx.sku} (owner {tx.owner}) names sale {tx.returns_event_id}, "
                f"which sold {sale.sku} for owner {sale.owner}"
            )
    latest = book.last_sale_cost.get((tx.sku, tx.owner))
    if latest is not None:
        return latest, True
    item = draft.item(tx.sku)
    return current_cost(draft.position(_key(tx)), item.last_unit_cost), False


def _adjustment(draft: Draft, tx: StockTransaction) -> None:
    key = _key(tx)
    if tx.qty < 0:
        pieces = outbound(draft, MovementType.ADJUSTMENT, key, -tx.qty)
        draft.add_outbound(MovementType.ADJUSTMENT, key, pieces, reason=tx.reference)
        return
    item: ItemPolicy = draft.item(tx.sku)
    unit_cost = current_cost(draft.position(key), item.last_unit_cost)
    piece = Piece(tx.qty, mul6(tx.qty, unit_cost), unit_cost)
    inbound(draft, MovementType.ADJUSTMENT, key, [piece], reason=tx.reference)


def _transfer(draft: Draft, tx: StockTransaction) -> None:
    assert tx.to_location is not None  # the wire model requires it on transfers
    source, destination = _key(tx), _key(tx, tx.to_location)
    if source == destination:
        raise RejectedEventError(f"transfer of {tx.sku} from {tx.location} to the same place")
    pieces = outbound(draft, MovementType.TRANSFER, source, tx.qty)
    draft.add_outbound(MovementType.TRANSFER, source, pieces, reason=tx.reference)
    inbound(draft, MovementType.TRANSFER, destination, pieces, reason=tx.reference)


_HANDLERS: dict[TransactionType, Callable[[Draft, StockTransaction], None]] = {
    TransactionType.RECEIPT: _receipt,
    TransactionType.SALE: _sale,
    TransactionType.RETURN: _return,
    TransactionType.ADJUSTMENT: _adjustment,
    TransactionType.TRANSFER: _transfer,
}
