"""The purchase order state table: allowed steps, refused ones, and receiving events."""

from __future__ import annotations

from decimal import Decimal

import pytest

from collector.purchasing.errors import TransitionError
from collector.purchasing.states import PoEvent, PoStatus, next_status, receiving_event

D = Decimal


def test_the_happy_path_goes_draft_sent_partial_received() -> None:
    status = next_status(PoStatus.DRAFT, PoEvent.SEND)
    status = next_status(status, PoEvent.RECEIVE_SOME)
    assert status is PoStatus.PARTIALLY_RECEIVED
    assert next_status(status, PoEvent.RECEIVE_ALL) is PoStatus.RECEIVED


@pytest.mark.parametrize(
    ("status", "event"),
    [
        (PoStatus.DRAFT, PoEvent.RECEIVE_SOME),
        (PoStatus.RECEIVED, PoEvent.CANCEL),
        (PoStatus.CANCELLED, PoEvent.SEND),
        (PoStatus.PARTIALLY_RECEIVED, PoEvent.CANCEL),
        (PoStatus.SENT, PoEvent.SEND),
    ],
)
def test_steps_not_in_the_table_are_refused_and_say_what_is_allowed(status, event) -> None:
    with pytest.raises(TransitionError, match=f"is {status.value}: it cannot"):
        next_status(status, event, number="PO-000001")


def test_a_cancelled_order_can_do_nothing_more() -> None:
    with pytest.raises(TransitionError, match="nothing more"):
        next_status(PoStatus.CANCELLED, PoEvent.CANCEL)


def test_receiving_event_reads_the_lines() -> None:
    assert receiving_event([(D(10), D(10)), (D(5), D(6))]) is PoEvent.RECEIVE_ALL
    assert receiving_event([(D(10), D(4)), (D(5), D(0))]) is PoEvent.RECEIVE_SOME
    assert receiving_event([(D(10), D(0))]) is PoEvent.UNRECEIVE_ALL
