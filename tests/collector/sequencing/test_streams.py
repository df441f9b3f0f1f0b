"""peek_position: a message's stream and seq, read without schema validation."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from collector.ingest.ports import InboundMessage
from collector.sequencing.streams import Position, StreamKey, describe_range, peek_position
from edge_agent import wire


def message(payload: object, topic: str | None = None) -> InboundMessage:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return InboundMessage(topic or wire.events_topic("s1", "pos-1"), raw, datetime.now(UTC))


def test_reads_site_device_epoch_and_seq() -> None:
    found = peek_position(message({"device_id": "pos-1", "epoch": 7, "seq": 3}))
    assert found == Position(StreamKey("s1", "pos-1", 7), 3)


def test_untrustworthy_messages_have_no_position() -> None:
    cases = [
        message(b"{not json"),
        message(b"\xff\xfe"),
        message([1, 2]),
        message({"device_id": "other", "epoch": 7, "seq": 3}),
        message({"device_id": "pos-1", "epoch": 7, "seq": 0}),
        message({"device_id": "pos-1", "epoch": True, "seq": 3}),
        message({"device_id": "pos-1", "epoch": 7, "seq": "3"}),
        message({"device_id": "pos-1", "epoch": 7, "seq": 3}, topic="inventory/v1/s1/pos-1/acks"),
        message({"device_id": "pos-1", "epoch": 7, "seq": 3}, topic="other/v1/s1/pos-1/events"),
        message(b"[" * (wire.MAX_PAYLOAD_BYTES + 1)),
    ]
    assert [peek_position(m) for m in cases] == [None] * len(cases)


def test_describe_range() -> None:
    assert (describe_range(3, 3), describe_range(3, 7)) == ("3", "3-7")
