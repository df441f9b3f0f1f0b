"""Where an event sits in its device's sequence, read cheaply from the raw message."""

from __future__ import annotations

import json
from dataclasses import dataclass

from collector.ingest.ports import InboundMessage
from edge_agent.wire import MAX_PAYLOAD_BYTES, TOPIC_ROOT

_ROOT_PARTS = tuple(TOPIC_ROOT.split("/"))
_EVENTS = "events"


@dataclass(frozen=True, slots=True, order=True)
class StreamKey:
    """One device's sequence: seqs run 1, 2, 3… per (site, device, epoch)."""

    site: str
    device_id: str
    epoch: int


@dataclass(frozen=True, slots=True)
class Position:
    """An event's stream and seq."""

    key: StreamKey
    seq: int


def _positive_int(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    return None


def peek_position(message: InboundMessage) -> Position | None:
    """The event's stream and seq, or None when it cannot be trusted (the ledger judges it).

    Only a light ``json.loads``: no schema validation, which the ledger does once, later.
    A payload whose ``device_id`` differs from its topic's is not placed in any stream.
    """
    parts = message.topic.split("/")
    if len(parts) != 5 or tuple(parts[:2]) != _ROOT_PARTS or parts[4] != _EVENTS:
        return None
    if len(message.payload) > MAX_PAYLOAD_BYTES:
        return None
    try:
        raw = json.loads(message.payload)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, absurdly nested
        return None
    if not isinstance(raw, dict) or raw.get("device_id") != parts[3]:
        return None
    epoch, seq = _positive_int(raw.get("epoch")), _positive_int(raw.get("seq"))
    if epoch is None or seq is None:
        return None
    return Position(StreamKey(parts[2], parts[3], epoch), seq)


def describe_range(low: int, high: int) -> str:
    """``3`` or ``3-7``: a missing seq range as operators read it."""
    return str(low) if low == high else f"{low}-{high}"
