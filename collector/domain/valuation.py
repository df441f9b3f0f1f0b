"""Costing of stock in and out of one position: FIFO layers or moving average, value exact.

Every function returns the new position and the pieces that moved; the sum of the
values moved always equals the change of the position's value, so a position's
value is exactly the sum of its movement values.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from collector.domain.model import (
    IdSequence,
    Layer,
    Piece,
    Position,
    Shortfall,
    Valuation,
    totals,
)
from collector.domain.money import ZERO, mul6, prorate, q6, unit_cost_of


@dataclass(frozen=True, slots=True)
class Settlement:
    """Stock that came in filled (part of) one shortfall: its real minus its provisional value."""

    movement_id: int | None
    """The outbound line that went short (None: a hole older than the record)."""
    qty: Decimal
    true_up: Decimal


def fallback_cost(position: Position, item_last_cost: Decimal | None) -> Decimal:
    """Cost for stock the position does not have: its last known unit cost, the item's, or 0."""
    for candidate in (position.last_unit_cost, item_last_cost):
        if candidate is not None:
            return candidate
    return ZERO


def current_cost(position: Position, item_last_cost: Decimal | None) -> Decimal:
    """Unit cost of stock on hand now, else the fallback cost."""
    on_hand = position.unit_cost
    return q6(on_hand) if on_hand is not None else fallback_cost(position, item_last_cost)


def take_out(
    position: Position, qty: Decimal, *, valuation: Valuation, shortfall_cost: Decimal
) -> tuple[Position, tuple[Piece, ...]]:
    """Take ``qty`` out; what the position lacks goes out provisional at ``shortfall_cost``."""
    if valuation is Valuation.FIFO:
        layers, pieces = _take_layers(position.layers, qty)
    else:
        layers, pieces = (), _take_average(position, qty)
    taken_qty, moved_value = totals(pieces) if pieces else (ZERO, ZERO)
    short = qty - taken_qty
    if short > 0:
        shortfall = Piece(short, mul6(short, shortfall_cost), shortfall_cost, provisional=True)
        pieces.append(shortfall)
        moved_value += shortfall.value
    settled = [p for p in pieces if not p.provisional]
    last_cost = settled[-1].unit_cost if settled else position.last_unit_cost
    after = Position(
        position.key,
        position.qty - qty,
        position.value - moved_value,
        layers,
        last_cost,
        position.shortfalls,
    )
    return after, tuple(pieces)


def _take_layers(layers: tuple[Layer, ...], qty: Decimal) -> tuple[tuple[Layer, ...], list[Piece]]:
    """Consume the oldest layers first."""
    pieces: list[Piece] = []
    need = qty
    for index, layer in enumerate(layers):
        if need <= 0:
            return layers[index:], pieces
        take = min(need, layer.qty)
        value = prorate(layer.value, take, layer.qty)
        pieces.append(Piece(take, value, layer.unit_cost, layer.order_key, layer.layer_id))
        need -= take
        if take < layer.qty:
            rest = layer.remaining(layer.qty - take, layer.value - value)
            return (rest, *layers[index + 1 :]), pieces
    return (), pieces


def _take_average(position: Position, qty: Decimal) -> list[Piece]:
    """Moving average: value × out_qty / qty, all the value when the stock runs out."""
    in_stock = min(qty, max(position.qty, ZERO))
    if in_stock <= 0:
        return []
    value = prorate(position.value, in_stock, position.qty)
    return [Piece(in_stock, value, unit_cost_of(value, in_stock))]


def put_in(
    position: Position,
    pieces: Sequence[Piece],
    *,
    valuation: Valuation,
    ids: IdSequence,
    movement_id: int,
) -> tuple[Position, tuple[Settlement, ...]]:
    """Bring pieces in; returns the new position and how the stock sold short was settled.

    When the position is negative, the first incoming units fill the hole, oldest
    shortfall first: the provisional value booked for them is replaced by their real
    value, and each difference is a true-up (extra cost of goods sold, maybe < 0).
    """
    settlements: tuple[Settlement, ...] = ()
    rest = list(pieces)
    total_qty, total_value = totals(pieces) if pieces else (ZERO, ZERO)
    shortfalls = position.shortfalls
    if position.qty < 0:
        filled, rest = split_pieces(pieces, min(-position.qty, total_qty))
        shortfalls, settlements = _settle(position, filled)
    layers = position.layers
    if valuation is Valuation.FIFO:
        layers = _add_layers(layers, rest, ids=ids, movement_id=movement_id)
    true_up = sum((s.true_up for s in settlements), ZERO)
    after = Position(
        position.key,
        position.qty + total_qty,
        position.value + total_value - true_up,
        layers,
        pieces[-1].unit_cost if pieces else position.last_unit_cost,
        shortfalls,
    )
    return after, settlements


def owed(position: Position) -> tuple[Shortfall, ...]:
    """The position's shortfalls, preceded by any part of its hole older than the record."""
    if position.qty >= 0:
        return ()
    recorded_qty = sum((s.qty for s in position.shortfalls), ZERO)
    recorded_value = sum((s.value for s in position.shortfalls), ZERO)
    older_qty = -position.qty - recorded_qty
    if older_qty <= 0:
        return position.shortfalls
    older = Shortfall(0, None, older_qty, -position.value - recorded_value, older_qty)
    return (older, *position.shortfalls)


def _settle(
    position: Position, filled: Sequence[Piece]
) -> tuple[tuple[Shortfall, ...], tuple[Settlement, ...]]:
    """Fill the shortfalls oldest first with ``filled``; the open ones left, and each true-up."""
    left: list[Shortfall] = []
    settlements: list[Settlement] = []
    incoming = list(filled)
    for shortfall in owed(position):
        need = totals(incoming)[0] if incoming else ZERO
        if need <= 0:
            left.append(shortfall)
            continue
        take = min(need, shortfall.qty)
        real, incoming = split_pieces(incoming, take)
        provisional = prorate(shortfall.value, take, shortfall.qty)
        settlements.append(Settlement(shortfall.movement_id, take, totals(real)[1] - provisional))
        if take < shortfall.qty:
            left.append(
                replace(shortfall, qty=shortfall.qty - take, value=shortfall.value - provisional)
            )
    # a hole older than the record is never stored: it is what the recorded ones leave
    return tuple(s for s in left if s.movement_id is not None), tuple(settlements)


def cancel_shortfall(position: Position, movement_id: int) -> tuple[Position, Shortfall]:
    """Take back a line's own shortfall, whole (a reversal of that line).

    Raises ``ValueError`` when the shortfall is gone or was partly settled.
    """
    own = [s for s in position.shortfalls if s.movement_id == movement_id]
    if not own or not own[0].is_untouched:
        raise ValueError("the units it sold short were since covered by stock that came in")
    shortfall = own[0]
    kept = tuple(s for s in position.shortfalls if s.movement_id != movement_id)
    after = replace(
        position,
        qty=position.qty + shortfall.qty,
        value=position.value + shortfall.value,
        shortfalls=kept,
    )
    return after, shortfall


def split_pieces(pieces: Sequence[Piece], qty: Decimal) -> tuple[list[Piece], list[Piece]]:
    """The first ``qty`` units of the pieces, and the rest, values prorated exactly."""
    head: list[Piece] = []
    tail: list[Piece] = []
    need = qty
    for piece in pieces:
        take = min(need, piece.qty)
        if take <= 0:
            tail.append(piece)
            continue
        value = prorate(piece.value, take, piece.qty)
        head.append(replace(piece, qty=take, value=value))
        if take < piece.qty:
            tail.append(replace(piece, qty=piece.qty - take, value=piece.value - value))
        need -= take
    return head, tail


def _add_layers(
    layers: tuple[Layer, ...], pieces: Sequence[Piece], *, ids: IdSequence, movement_id: int
) -> tuple[Layer, ...]:
    """Each piece becomes a layer, placed by its FIFO age (newest last)."""
    if not pieces:
        return layers
    merged = list(layers)
    for piece in pieces:
        layer_id = ids.layer()
        layer = Layer(
            layer_id=layer_id,
            movement_id=movement_id,
            order_key=piece.order_key if piece.order_key is not None else layer_id,
            unit_cost=piece.unit_cost,
            qty_in=piece.qty,
            value_in=piece.value,
            qty=piece.qty,
            value=piece.value,
        )
        bisect.insort(merged, layer, key=lambda item: (item.order_key, item.layer_id))
    return tuple(merged)


def take_layers_of(position: Position, movement_id: int) -> tuple[Position, tuple[Piece, ...]]:
    """Remove the layers a movement created, which must be untouched (reversals).

    Raises ``ValueError`` when any of them was consumed in part or in full.
    """
    own = [layer for layer in position.layers if layer.movement_id == movement_id]
    if not own or not all(layer.is_intact for layer in own):
        raise ValueError("its stock has already been partly or fully taken out")
    kept = tuple(layer for layer in position.layers if layer.movement_id != movement_id)
    pieces = tuple(
        Piece(layer.qty, layer.value, layer.unit_cost, layer.order_key, layer.layer_id)
        for layer in own
    )
    qty, value = totals(pieces)
    after = replace(position, qty=position.qty - qty, value=position.value - value, layers=kept)
    return after, pieces


def take_from_layers_of(
    position: Position, movement_id: int, qty: Decimal
) -> tuple[Position, tuple[Piece, ...]]:
    """Take ``qty`` out of the layers one movement created, oldest first (a vendor return).

    Raises ``ValueError`` when those layers no longer hold that much.
    """
    own = [layer for layer in position.layers if layer.movement_id == movement_id]
    remaining = sum((layer.qty for layer in own), ZERO)
    if remaining < qty:
        raise ValueError(f"only {remaining.normalize():f} of its units are still in stock here")
    own_left, pieces = _take_layers(tuple(own), qty)
    left = {layer.layer_id: layer for layer in own_left}
    layers = tuple(
        left.get(layer.layer_id, layer)
        for layer in position.layers
        if layer.movement_id != movement_id or layer.layer_id in left
    )
    value = totals(pieces)[1]
    last_cost = pieces[-1].unit_cost if pieces else position.last_unit_cost
    after = replace(
        position,
        qty=position.qty - qty,
        value=position.value - value,
        layers=layers,
        last_unit_cost=last_cost,
    )
    return after, tuple(pieces)


def take_exact(position: Position, qty: Decimal, value: Decimal) -> tuple[Position, Piece]:
    """Moving average: remove exactly (qty, value), as a reversal of an inbound line does.

    Raises ``ValueError`` when what would remain is not a sane position.
    """
    qty_after, value_after = position.qty - qty, position.value - value
    sane = (qty_after > 0 and value_after >= 0) or (qty_after == 0 and value_after == 0)
    if not sane:
        raise ValueError(
            f"the position holds {position.qty.normalize():f} worth {position.value:f}, "
            "not enough of that stock is left"
        )
    piece = Piece(qty, value, unit_cost_of(value, qty))
    return replace(position, qty=qty_after, value=value_after), piece
