"""The event writer: stored events logged with their ids; a refused event never raises."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from pydantic import BaseModel

from edge_agent import wire
from edge_agent.errors import OutboxFullError
from edge_agent.runtime.events import EventWriter, event_labels
from tests.support.wire_data import event_data

NOW = datetime(2026, 11, 25, tzinfo=UTC)
TAG = wire.RfidTagSeen(
    epc="30340242201D8C0000000001", gate="dock-1", direction=wire.GateDirection.OUT
)


def _store(data: BaseModel, observed_at: datetime) -> wire.Event:
    return wire.make_event(
        event_id=uuid.uuid4(),
        device_id="gate-1",
        epoch=1,
        seq=1,
        observed_at=observed_at,
        data=event_data(data),
    )


def _full(data: BaseModel, observed_at: datetime) -> wire.Event:
    raise OutboxFullError("outbox full")


def test_stored_event_is_returned_and_counted() -> None:
    writer = EventWriter(device_id="gate-1", append=_store)
    event = writer(TAG, NOW)
    assert event is not None
    assert event.seq == 1
    assert (writer.stored, writer.refused) == (1, 0)


def test_a_full_outbox_is_counted_not_raised() -> None:
    writer = EventWriter(device_id="gate-1", append=_full)
    assert writer(TAG, NOW) is None
    assert (writer.stored, writer.refused) == (0, 1)


def test_labels_name_the_gate_and_tag() -> None:
    assert event_labels(TAG) == {"gate": "dock-1", "epc": TAG.epc, "direction": "out"}
