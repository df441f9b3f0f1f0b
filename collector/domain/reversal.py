"""Reverse a posted event: the opposite movements at the original costs.

A reversed outbound line (sale, negative adjustment, transfer out, vendor return) puts
back the layers it consumed, at their costs and FIFO ages, and takes back its own
shortfall if it sold stock short (refused once a true-up settled part of it: post a
return instead). A reversed inbound line (receipt, return, positive adjustment,
transfer in) takes out exactly the layer it created, which must still be whole;
otherwise the reversal is refused and the user is told to post an adjustment.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from collector.domain.book import Book, Draft
from collector.domain.lot_reversal import LotsMoved, restore_lots
from collector.domain.model import (
    MovementLine,
    MovementType,
    Piece,
    Posting,
    Valuation,
    totals,
)
from collector.domain.money import ZERO, unit_cost_of
from collector.domain.valuation import cancel_shortfall, put_in, take_exact, take_layers_of
from collector.errors import RejectedEventError


def reverse_event(
    book: Book,
    *,
    reversal_event_id: UUID,
    effective_at: datetime,
    original_event_id: UUID,
    original: Sequence[MovementLine],
    consumed: Mapping[int, Sequence[Piece]],
    already_reversed: Collection[int],
    reason: str,
    lots_moved: LotsMoved | None = None,
) -> Posting:
    """Post the reversal of ``original`` (all lines of one event) or raise ``RejectedEventError``.

    ``consumed`` gives, per outbound line id, the pieces it took (layers and the provisional rest);
    ``lots_moved``, per line of a tracked item, the lots (or serials) it moved.
    """
    _check_reversible(original_event_id, original, already_reversed)
    draft = Draft.start(book, reversal_event_id, effective_at)
    for line in reversed(original):
        if line.qty > 0:
            _reverse_inbound(draft, line, reason, original_event_id)
        else:
            _reverse_outbound(draft, line, consumed.get(line.movement_id, ()), reason)
        _forget(draft, line)
    restore_lots(draft, lots_moved or {})
    return draft.commit()


def _reverse_outbound(
    draft: Draft, line: MovementLine, pieces: Sequence[Piece], reason: str
) -> None:
    """Put back what an outbound line took: its layers, and its own shortfall taken back."""
    key = line.key
    position = draft.position(key)
    short_qty = short_value = ZERO
    if line.provisional:
        try:
            position, shortfall = cancel_shortfall(position, line.movement_id)
        except ValueError as err:
            raise RejectedEventError(
                f"cannot reverse the {line.type.value} of event {line.event_id} "
                f"({key.label()}): {err}; post a return or an adjustment instead"
            ) from err
        short_qty, short_value = shortfall.qty, shortfall.value
    real = _real_pieces(line, pieces, short_qty, short_value)
    movement_id = draft.ids.movement()
    position, settlements = put_in(
        position,
        real,
        valuation=draft.item(key.sku).valuation,
        ids=draft.ids,
        movement_id=movement_id,
    )
    draft.positions[key] = position
    draft.add_line(
        line.type,
        key,
        movement_id=movement_id,
        qty=-line.qty,
        value=-line.value,
        reason=reason,
        reverses_movement_id=line.movement_id,
        cogs=-line.cogs if line.cogs is not None else None,
        revenue=-line.revenue if line.revenue is not None else None,
        provisional=line.provisional,
        applies_to_movement_id=line.applies_to_movement_id,
    )
    draft.add_true_ups(key, settlements)


def _real_pieces(
    line: MovementLine, pieces: Sequence[Piece], short_qty: Decimal, short_value: Decimal
) -> list[Piece]:
    """What the line took from stock: its layers (FIFO), or the rest of it at its value."""
    layered = [p for p in pieces if p.layer_id is not None]
    layered_qty, layered_value = totals(layered) if layered else (ZERO, ZERO)
    rest_qty = -line.qty - layered_qty - short_qty
    rest_value = -line.value - layered_value - short_value
    if rest_qty <= 0:
        return layered
    return [*layered, Piece(rest_qty, rest_value, unit_cost_of(rest_value, rest_qty))]


def _forget(draft: Draft, line: MovementLine) -> None:
    """What a reversed line leaves behind: a sale reversed, a return no longer returned."""
    if line.type is MovementType.SALE:
        draft.change_sale(line.movement_id, lambda sale: replace(sale, is_reversed=True))
    elif line.type is MovementType.RETURN and line.applies_to_movement_id is not None:
        draft.change_sale(
            line.applies_to_movement_id,
            lambda sale: replace(
                sale,
                returned_qty=sale.returned_qty - line.qty,
                returned_value=sale.returned_value - line.value,
            ),
        )


def _check_reversible(
    event_id: UUID, original: Sequence[MovementLine], already_reversed: Collection[int]
) -> None:
    if not original:
        raise RejectedEventError(f"event {event_id} posted no movements: nothing to reverse")
    if any(line.reverses_movement_id is not None for line in original):
        raise RejectedEventError(
            f"event {event_id} is itself a reversal; post the original transaction again instead"
        )
    if any(line.movement_id in already_reversed for line in original):
        raise RejectedEventError(f"event {event_id} has already been reversed")
    if any(line.type is MovementType.TRUE_UP for line in original):
        raise RejectedEventError(
            f"event {event_id} settled the cost of stock sold short earlier and cannot be "
            "reversed; post an adjustment instead"
        )


def _reverse_inbound(draft: Draft, line: MovementLine, reason: str, event_id: UUID) -> None:
    """Take out exactly what an inbound line brought in."""
    item = draft.item(line.key.sku)
    position = draft.position(line.key)
    try:
        if item.valuation is Valuation.FIFO:
            position, pieces = take_layers_of(position, line.movement_id)
        else:
            position, piece = take_exact(position, line.qty, line.value)
            pieces = (piece,)
    except ValueError as err:
        raise RejectedEventError(
            f"cannot reverse the {line.type.value} of event {event_id} "
            f"({line.key.label()}): {err}; post an adjustment instead"
        ) from err
    draft.positions[line.key] = position
    draft.add_outbound(
        line.type,
        line.key,
        pieces,
        reverses_movement_id=line.movement_id,
        reason=reason,
        applies_to_movement_id=line.applies_to_movement_id,
    )
