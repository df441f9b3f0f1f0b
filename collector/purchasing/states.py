"""The purchase order's life as a state table: (state, event) → next state.

draft → sent → partially_received → received, or cancelled. A step not in the table is
refused; receipts and their reversals move an order between the receiving states.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum

from collector.purchasing.errors import TransitionError


class PoStatus(StrEnum):
    """Where a purchase order is."""

    DRAFT = "draft"
    SENT = "sent"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    CANCELLED = "cancelled"


class PoEvent(StrEnum):
    """What happens to an order."""

    SEND = "send"
    CANCEL = "cancel"
    RECEIVE_SOME = "receive_some"
    """Goods came in (or a receipt was reversed) and some units are still outstanding."""
    RECEIVE_ALL = "receive_all"
    """Every line has had at least its ordered units."""
    UNRECEIVE_ALL = "unreceive_all"
    """Every receipt against it was reversed: nothing has come in after all."""
    CLOSE_SHORT = "close_short"
    """Accept that the rest will not come (an under-receipt): no longer on order."""


_S, _E = PoStatus, PoEvent
TRANSITIONS: dict[tuple[PoStatus, PoEvent], PoStatus] = {
    (_S.DRAFT, _E.SEND): _S.SENT,
    (_S.DRAFT, _E.CANCEL): _S.CANCELLED,
    (_S.SENT, _E.CANCEL): _S.CANCELLED,
    (_S.SENT, _E.RECEIVE_SOME): _S.PARTIALLY_RECEIVED,
    (_S.SENT, _E.RECEIVE_ALL): _S.RECEIVED,
    (_S.PARTIALLY_RECEIVED, _E.RECEIVE_SOME): _S.PARTIALLY_RECEIVED,
    (_S.PARTIALLY_RECEIVED, _E.RECEIVE_ALL): _S.RECEIVED,
    (_S.PARTIALLY_RECEIVED, _E.UNRECEIVE_ALL): _S.SENT,
    (_S.PARTIALLY_RECEIVED, _E.CLOSE_SHORT): _S.RECEIVED,
    (_S.RECEIVED, _E.RECEIVE_ALL): _S.RECEIVED,
    (_S.RECEIVED, _E.RECEIVE_SOME): _S.PARTIALLY_RECEIVED,
    (_S.RECEIVED, _E.UNRECEIVE_ALL): _S.SENT,
}
"""Every allowed step; anything else is refused by ``next_status``."""

OPEN_FOR_RECEIPT = frozenset({_S.SENT, _S.PARTIALLY_RECEIVED})
"""Orders whose outstanding units are on order and that receipts are matched to."""


def next_status(status: PoStatus, event: PoEvent, *, number: str = "the order") -> PoStatus:
    """The state after ``event``; ``TransitionError`` when the table has no such step."""
    found = TRANSITIONS.get((status, event))
    if found is None:
        allowed = sorted(e.value for (s, e) in TRANSITIONS if s is status)
        raise TransitionError(
            f"{number} is {status.value}: it cannot {event.value.replace('_', ' ')} "
            f"(a {status.value} order can: {', '.join(allowed) or 'nothing more'})"
        )
    return found


def receiving_event(lines: Iterable[tuple[Decimal, Decimal]]) -> PoEvent:
    """What the (ordered, received) units of an order's lines say happened to it."""
    pairs = list(lines)
    if all(received >= ordered for ordered, received in pairs):
        return PoEvent.RECEIVE_ALL
    if all(received <= 0 for _, received in pairs):
        return PoEvent.UNRECEIVE_ALL
    return PoEvent.RECEIVE_SOME
