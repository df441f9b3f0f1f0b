"""Reverse a posted event: the opposite movements at the original costs.

A reversed outbound line (sale, negative adjustment, transfer out) puts back the
layers it consumed, at their costs and FIFO ages. A reversed inbound line
(receipt, return, positive adjustment, transfer in) takes out exactly the layer it
created, which must still be whole; otherwise the reversal is refused and the
user is told to post an adjustment.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from uuid import UUID

from collector.domain.book import Book, Draft
from collector.domain.model import MovementLine, MovementType, Piece, Posting, Valuation
from collector.domain.posting import inbound
from collector.domain.valuation import take_exact, take_layers_of
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
) -> Posting:
    """Post the reversal of ``original`` (all lines of one event) or raise ``RejectedEventError``.

    ``consumed`` gives, per outbound line id, the pieces it took (layers and the provisional rest).
    """
    _check_reversible(original_event_id, original, already_reversed)
    draft = Draft.start(book, reversal_event_id, effective_at)
    for line in reversed(original):
        if line.qty > 0:
            _reverse_inbound(draft, line, reason, original_event_id)
        else:
            pieces = consumed.get(line.movement_id, ())
            inbound(
                draft,
                line.type,
                line.key,
                pieces,
                reason=reason,
                reverses_movement_id=line.movement_id,
                cogs=-line.cogs if line.cogs is not None else None,
                revenue=-line.revenue if line.revenue is not None else None,
            )
    return draft.commit()


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
        line.type, line.key, pieces, reverses_movement_id=line.movement_id, reason=reason
    )
