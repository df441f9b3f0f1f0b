"""Post a validated stock transaction: movement lines, or a rejection an operator can read.

Rules (see docs/ledger.md): receipts add a cost layer (FIFO) or blend the average;
sales consume stock and post its cost as COGS; returns come back at their exact share
of the cost of the sale they name (true-ups included), else of the latest sale of that
SKU and owner; adjustments are signed; transfers move the same layers and costs to the
destination; vendor returns send stock back to the supplier at the cost it came in with;
ownership changes move stock in place from one owner to another at its cost (the
warehouse buying at a stated price: a receipt at that price for it). An item of an
owner's catalogue holds only that owner's stock (docs/owner-items.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from collector.domain.book import Book, Draft, fmt
from collector.domain.lots import track_lots
from collector.domain.model import (
    ItemPolicy,
    MovementLine,
    MovementType,
    Piece,
    PositionKey,
    Posting,
    ReceiptRef,
    SaleState,
    Valuation,
    totals,
)
from collector.domain.money import ZERO, mul6, prorate, q6, unit_cost_of
from collector.domain.valuation import (
    current_cost,
    fallback_cost,
    put_in,
    take_exact,
    take_from_layers_of,
    take_out,
)
from collector.errors import InsufficientStockError, RejectedEventError
from edge_agent.wire import StockTransaction, TransactionType


def post_transaction(
    book: Book, *, event_id: UUID, effective_at: datetime, tx: StockTransaction
) -> Posting:
    """Post one transaction to the book, or raise ``RejectedEventError`` leaving it unchanged."""
    book.check_location(tx.location)
    if tx.to_location is not None:
        book.check_location(tx.to_location)
    _check_item_owner(book.item(tx.sku), tx)
    draft = Draft.start(book, event_id, effective_at)  # the draft carries the event's identity
    _HANDLERS[tx.type](draft, tx)
    track_lots(draft, tx)
    return draft.commit()


def _check_item_owner(item: ItemPolicy, tx: StockTransaction) -> None:
    """An owner's item holds that owner's stock only; it never changes owner."""
    if item.owner is None:
        return
    if tx.owner != item.owner:
        raise RejectedEventError(
            f"item {item.sku} is in owner {item.owner}'s catalogue: stock of it belongs to "
            f"{item.owner}, not {tx.owner} (name the owner's own code, or a shared item)"
        )
    if tx.to_owner is not None:
        raise RejectedEventError(
            f"ownership change of {item.sku}: the item is in owner {item.owner}'s catalogue "
            "and only items of the shared catalogue change owner (docs/owner-items.md)"
        )


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
    applies_to_movement_id: int | None = None,
) -> MovementLine:
    """Bring pieces into a position as one line, plus the true-ups of any stock sold short."""
    item = draft.item(key.sku)
    movement_id = draft.ids.movement()
    position, settlements = put_in(
        draft.position(key),
        pieces,
        valuation=item.valuation,
        ids=draft.ids,
        movement_id=movement_id,
    )
    draft.positions[key] = position
    qty, value = totals(pieces)
    line = draft.add_line(
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
        applies_to_movement_id=applies_to_movement_id,
    )
    draft.add_true_ups(key, settlements)
    return line


def outbound(
    draft: Draft, movement_type: MovementType, key: PositionKey, qty: Decimal
) -> tuple[Piece, ...]:
    """Take stock out of a position under the item's negative-stock policy."""
    item = draft.item(key.sku)
    position = draft.position(key)
    if qty > position.qty and not item.allow_negative:
        is_adjustment = movement_type is MovementType.ADJUSTMENT
        what = "ownership change" if movement_type is MovementType.OWNERSHIP else movement_type
        verb = "adjustment of -" if is_adjustment else f"{what} of "
        raise InsufficientStockError(
            f"{verb}{fmt(qty)} {key.label()} exceeds on-hand {fmt(position.qty)} "
            f"and {key.sku} forbids negative stock",
            sku=key.sku,
            location=key.location,
            owner=key.owner,
        )
    position, pieces = take_out(
        position,
        qty,
        valuation=item.valuation,
        shortfall_cost=fallback_cost(position, item.fallback_for(key.owner)),
    )
    draft.positions[key] = position
    return pieces


def _receipt(draft: Draft, tx: StockTransaction) -> None:
    assert tx.unit_cost is not None  # the wire model requires it on receipts
    unit_cost = q6(tx.unit_cost)
    item = draft.item(tx.sku)
    piece = Piece(tx.qty, mul6(tx.qty, unit_cost), unit_cost)
    line = inbound(draft, MovementType.RECEIPT, _key(tx), [piece], reason=tx.reference)
    draft.items[tx.sku] = replace(item, last_unit_cost=unit_cost, last_cost_owner=tx.owner)
    draft.receipts[draft.event_id] = ReceiptRef(
        line.movement_id, draft.event_id, line.key, unit_cost
    )


def _sale(draft: Draft, tx: StockTransaction) -> None:
    key = _key(tx)
    pieces = outbound(draft, MovementType.SALE, key, tx.qty)
    revenue = mul6(tx.qty, tx.unit_price) if tx.unit_price is not None else None
    line = draft.add_outbound(
        MovementType.SALE, key, pieces, is_cogs=True, revenue=revenue, reason=tx.reference
    )
    cost = totals(pieces)[1]
    draft.new_sales.append(
        SaleState(line.movement_id, draft.event_id, tx.sku, tx.owner, tx.qty, cost)
    )


def _return(draft: Draft, tx: StockTransaction) -> None:
    value, is_from_sale, sale_line = _return_value(draft, tx)
    piece = Piece(tx.qty, value, unit_cost_of(value, tx.qty), provisional=not is_from_sale)
    inbound(
        draft,
        MovementType.RETURN,
        _key(tx),
        [piece],
        reason=tx.reference,
        applies_to_movement_id=sale_line,
    )


def _return_value(draft: Draft, tx: StockTransaction) -> tuple[Decimal, bool, int | None]:
    """What the returned units are worth, whether a sale priced them, and the sale named.

    The named sale gives its exact share of what it cost in the end (true-ups included):
    all of its units, returned in any number of parts, give back exactly that. Else the
    latest sale of that SKU and owner; else the current cost (provisional).
    """
    named = draft.book.sale_named(tx.returns_event_id) if tx.returns_event_id else None
    if named is not None:
        sale = draft.sale(named.movement_id) or named
        _check_returnable(sale, tx)
        value = _share_returned(sale, tx.qty)
        draft.change_sale(
            sale.movement_id,
            lambda s: replace(
                s, returned_qty=s.returned_qty + tx.qty, returned_value=s.returned_value + value
            ),
        )
        return value, True, sale.movement_id
    latest = draft.book.latest_sale(tx.sku, tx.owner)
    if latest is not None:
        latest = draft.sale(latest.movement_id) or latest
        return prorate(latest.value, tx.qty, latest.qty), True, None
    item = draft.item(tx.sku)
    unit_cost = current_cost(draft.position(_key(tx)), item.fallback_for(tx.owner))
    return mul6(tx.qty, unit_cost), False, None


def _check_returnable(sale: SaleState, tx: StockTransaction) -> None:
    """A return naming a sale must match it and not take back more than it sold."""
    if (sale.sku, sale.owner) != (tx.sku, tx.owner):
        raise RejectedEventError(
            f"return of {tx.sku} (owner {tx.owner}) names sale {sale.event_id}, "
            f"which sold {sale.sku} for owner {sale.owner}"
        )
    if sale.is_reversed:
        raise RejectedEventError(
            f"return of {tx.sku} names sale {sale.event_id}, which was reversed: "
            "nothing of it is left to return"
        )
    if tx.qty > sale.open_qty:
        raise RejectedEventError(
            f"return of {fmt(tx.qty)} {tx.sku} names sale {sale.event_id}, which sold "
            f"{fmt(sale.qty)} and has {fmt(sale.open_qty)} not yet returned"
        )


def _share_returned(sale: SaleState, qty: Decimal) -> Decimal:
    """The value of ``qty`` more units back: cumulative shares, so the parts add up exactly.

    Never below zero (a sale trued down after part of it came back).
    """
    share = prorate(sale.value, sale.returned_qty + qty, sale.qty) - sale.returned_value
    return max(share, ZERO)


def _adjustment(draft: Draft, tx: StockTransaction) -> None:
    key = _key(tx)
    if tx.qty < 0:
        pieces = outbound(draft, MovementType.ADJUSTMENT, key, -tx.qty)
        draft.add_outbound(MovementType.ADJUSTMENT, key, pieces, reason=tx.reference)
        return
    item: ItemPolicy = draft.item(tx.sku)
    unit_cost = current_cost(draft.position(key), item.fallback_for(key.owner))
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


def _vendor_return(draft: Draft, tx: StockTransaction) -> None:
    """Stock back to the supplier: the named receipt's layers (its cost), else as valued."""
    key = _key(tx)
    position = draft.position(key)
    if tx.qty > position.qty:
        raise InsufficientStockError(
            f"vendor return of {fmt(tx.qty)} {key.label()} exceeds on-hand "
            f"{fmt(position.qty)}: only stock in hand can go back to the supplier",
            sku=key.sku,
            location=key.location,
            owner=key.owner,
        )
    receipt = _named_receipt(draft, tx)
    item = draft.item(tx.sku)
    if receipt is None:
        pieces = outbound(draft, MovementType.VENDOR_RETURN, key, tx.qty)
    else:
        pieces = _take_receipt_stock(draft, tx, receipt, item.valuation)
    draft.add_outbound(
        MovementType.VENDOR_RETURN,
        key,
        pieces,
        reason=tx.reference,
        applies_to_movement_id=receipt.movement_id if receipt is not None else None,
    )


def _named_receipt(draft: Draft, tx: StockTransaction) -> ReceiptRef | None:
    """The receipt line a vendor return names (checked against its position), or None."""
    if tx.returns_event_id is None:
        return None
    receipt = draft.receipt(tx.returns_event_id)
    if receipt is None:
        raise RejectedEventError(
            f"vendor return of {tx.sku} names receipt {tx.returns_event_id}, which the ledger "
            "does not hold: name the receipt event the goods came in with, or none"
        )
    if receipt.key != _key(tx):
        raise RejectedEventError(
            f"vendor return of {_key(tx).label()} names receipt {tx.returns_event_id}, which "
            f"received {receipt.key.label()}"
        )
    return receipt


def _take_receipt_stock(
    draft: Draft, tx: StockTransaction, receipt: ReceiptRef, valuation: Valuation
) -> tuple[Piece, ...]:
    """FIFO: out of the receipt's own layers; moving average: at the receipt's unit cost."""
    key = _key(tx)
    position = draft.position(key)
    try:
        if valuation is Valuation.FIFO:
            position, pieces = take_from_layers_of(position, receipt.movement_id, tx.qty)
        else:
            position, piece = take_exact(position, tx.qty, mul6(tx.qty, receipt.unit_cost))
            pieces = (piece,)
    except ValueError as err:
        raise RejectedEventError(
            f"vendor return of {fmt(tx.qty)} {key.label()} against receipt "
            f"{tx.returns_event_id}: {err}; return less, or name no receipt"
        ) from err
    draft.positions[key] = position
    return pieces


def _ownership_change(draft: Draft, tx: StockTransaction) -> None:
    """Out of the seller's position, into the buyer's at the same place, in one posting.

    At cost, the same layers (FIFO age kept), like a transfer; the warehouse (``own``)
    buying at ``unit_price``: a receipt at that price for it, the seller's line at cost.
    """
    assert tx.to_owner is not None  # the wire model requires it on ownership changes
    source, buyer = _key(tx), PositionKey(tx.sku, tx.location, tx.to_owner)
    if tx.unit_price is not None and tx.to_owner != "own":
        raise RejectedEventError(
            f"ownership change of {tx.sku} to {tx.to_owner} names a unit_price: only the "
            "warehouse (to_owner own) buys at a price; between clients stock moves at cost"
        )
    pieces = outbound(draft, MovementType.OWNERSHIP, source, tx.qty)
    reason = tx.reference or f"ownership {tx.owner} -> {tx.to_owner}"
    draft.add_outbound(MovementType.OWNERSHIP, source, pieces, reason=reason)
    if tx.unit_price is None:
        inbound(draft, MovementType.OWNERSHIP, buyer, pieces, reason=reason)
        return
    unit_cost = q6(tx.unit_price)
    piece = Piece(tx.qty, mul6(tx.qty, unit_cost), unit_cost)
    inbound(draft, MovementType.RECEIPT, buyer, [piece], reason=reason)
    draft.items[tx.sku] = replace(
        draft.item(tx.sku), last_unit_cost=unit_cost, last_cost_owner=tx.to_owner
    )


_HANDLERS: dict[TransactionType, Callable[[Draft, StockTransaction], None]] = {
    TransactionType.RECEIPT: _receipt,
    TransactionType.SALE: _sale,
    TransactionType.RETURN: _return,
    TransactionType.ADJUSTMENT: _adjustment,
    TransactionType.TRANSFER: _transfer,
    TransactionType.VENDOR_RETURN: _vendor_return,
    TransactionType.OWNERSHIP_CHANGE: _ownership_change,
}
