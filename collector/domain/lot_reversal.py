"""A reversal's lots: each reversed line moves back exactly the lots its original moved.

A reversed sale, transfer or write-off puts its units back under the lots (or serials)
they left with; a reversed receipt or return takes its lot's units out again, which must
still be there (docs/lots.md, rule 7).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal

from collector.domain.book import Draft, fmt
from collector.domain.model import LotMove, MovementLine, Tracking
from collector.domain.money import ZERO
from collector.errors import RejectedEventError

LotsMoved = Mapping[int, Sequence[tuple[str, Decimal]]]
"""Per original journal line id: the (code, signed units) of each lot it moved."""


def restore_lots(draft: Draft, lots_moved: LotsMoved) -> None:
    """Move back, on every reversal line of the draft, the lots its original line moved."""
    for index, line in enumerate(draft.lines):
        original_id = line.reverses_movement_id
        if original_id is None or line.qty == 0:
            continue
        tracking = draft.item(line.key.sku).tracking
        if tracking is Tracking.NONE:
            continue
        moved = [(code, -qty) for code, qty in lots_moved.get(original_id, ())]
        for code, qty in moved:
            _move(draft, line, tracking, code, qty)
        draft.lines[index] = _labelled(line, tracking, moved)


def _move(draft: Draft, line: MovementLine, tracking: Tracking, code: str, qty: Decimal) -> None:
    """Units of one lot back in (+) or out (−) of the line's position; refuse going below 0."""
    stock = draft.lots_at(line.key)
    left = stock.get(code, ZERO) + qty
    kind = tracking.value
    if left < 0:
        raise RejectedEventError(
            f"cannot reverse the {line.type.value} of {line.key.label()}: {kind} {code} has "
            f"{fmt(stock.get(code, ZERO))} left there of the {fmt(-qty)} it brought in "
            f"(they have moved on); post an adjustment naming the {kind} instead"
        )
    if tracking is Tracking.SERIAL and left > 1:
        raise RejectedEventError(
            f"cannot reverse the {line.type.value} of {line.key.label()}: serial {code} is "
            "already in stock there again (a serial is one unit); post an adjustment instead"
        )
    if left == 0:
        stock.pop(code, None)
    else:
        stock[code] = left
    draft.lot_moves.append(LotMove(line.movement_id, line.key, code, qty))


def _labelled(
    line: MovementLine, tracking: Tracking, moved: Sequence[tuple[str, Decimal]]
) -> MovementLine:
    single = moved[0][0] if len(moved) == 1 else None
    if tracking is Tracking.SERIAL:
        return replace(line, serial=single)
    return replace(line, lot=single)
