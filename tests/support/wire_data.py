"""The bodies of wire events, for fakes that wrap data in envelopes themselves."""

from __future__ import annotations

from pydantic import BaseModel

from edge_agent import wire

EventData = (
    wire.StockTransaction
    | wire.ShelfWeightChanged
    | wire.RfidTagSeen
    | wire.BarcodeScanned
    | wire.DeviceHeartbeat
)
"""What ``wire.make_event`` wraps: the body of any event."""

EVENT_DATA_TYPES = (
    wire.StockTransaction,
    wire.ShelfWeightChanged,
    wire.RfidTagSeen,
    wire.BarcodeScanned,
    wire.DeviceHeartbeat,
)


def event_data(data: BaseModel) -> EventData:
    """``data`` as an event body: the edge's ports pass any model, the wire takes these."""
    assert isinstance(data, EVENT_DATA_TYPES), f"not a wire event body: {type(data).__name__}"
    return data
