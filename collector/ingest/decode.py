"""Raw MQTT message → validated wire event, or the reason it must be dead-lettered. Never raises."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from collector.ingest.ports import InboundMessage
from edge_agent.wire import (
    MAX_PAYLOAD_BYTES,
    Channel,
    Event,
    TopicAddress,
    parse_event,
    parse_topic,
)

_MAX_ERRORS_SHOWN = 5


@dataclass(frozen=True, slots=True)
class Decoded:
    """A message whose payload is a valid event for the device of its topic."""

    message: InboundMessage
    site: str
    event: Event
    text: str
    """The payload as text (UTF-8 checked), as the inbox stores it."""


@dataclass(frozen=True, slots=True)
class Undecodable:
    """A message that cannot be posted, with what is known about where it came from."""

    message: InboundMessage
    reason: str
    site: str | None = None
    device_id: str | None = None
    epoch: int | None = None
    seq: int | None = None
    event_id: UUID | None = None


def decode(message: InboundMessage) -> Decoded | Undecodable:
    """Check topic, size, encoding and schema, in that order; the first failure is the reason."""
    try:
        return _decode(message)
    except Exception as err:  # a bad message must never stop the batch
        return Undecodable(
            message, f"payload could not be decoded: {err.__class__.__name__}: {err}"
        )


@lru_cache(maxsize=4096)
def _address(topic: str) -> TopicAddress:
    """``parse_topic`` once per topic: a device sends every event on the same one."""
    return parse_topic(topic)


def _decode(message: InboundMessage) -> Decoded | Undecodable:
    try:
        address = _address(message.topic)
    except ValueError as err:
        return Undecodable(message, f"not an events topic: {err}")
    site, device_id = address.site, address.device_id
    if address.channel is not Channel.EVENTS:
        return Undecodable(
            message,
            f"topic {message.topic!r} is a {address.channel.value} topic, not events",
            site=site,
            device_id=device_id,
        )
    size = len(message.payload)
    if size > MAX_PAYLOAD_BYTES:
        return Undecodable(
            message,
            f"payload of {size} bytes exceeds the {MAX_PAYLOAD_BYTES}-byte limit "
            f"(not parsed; its first {MAX_PAYLOAD_BYTES} bytes are kept)",
            site=site,
            device_id=device_id,
        )
    return _decode_payload(message, site, device_id)


def _decode_payload(message: InboundMessage, site: str, device_id: str) -> Decoded | Undecodable:
    try:
        text = message.payload.decode("utf-8")
    except UnicodeDecodeError as err:
        return Undecodable(
            message,
            f"payload is not UTF-8 text: {err.reason} at byte {err.start}",
            site=site,
            device_id=device_id,
        )
    try:
        event = parse_event(text)
    except ValidationError as err:
        return _schema_failure(message, text, err, site, device_id)
    if event.device_id != device_id:
        return Undecodable(
            message,
            f"payload device_id {event.device_id!r} does not match the topic's device "
            f"{device_id!r}",
            site=site,
            device_id=device_id,
        )
    return Decoded(message, site, event, text)


def _schema_failure(
    message: InboundMessage, text: str, err: ValidationError, site: str, device_id: str
) -> Undecodable:
    errors = err.errors(include_url=False)
    if any(e["type"] == "json_invalid" for e in errors):
        detail = next(e["msg"] for e in errors if e["type"] == "json_invalid")
        return Undecodable(
            message, f"payload is not valid JSON: {detail}", site=site, device_id=device_id
        )
    identity = _identity(text, device_id)
    return Undecodable(
        message,
        "payload does not match the event schema: " + summarize(err),
        site=site,
        device_id=device_id,
        **identity,
    )


def summarize(err: ValidationError) -> str:
    """Pydantic errors as ``path: message`` pairs, the first few, then how many more."""
    parts = []
    errors = err.errors(include_url=False)
    for error in errors[:_MAX_ERRORS_SHOWN]:
        path = ".".join(str(p) for p in error["loc"]) or "payload"
        parts.append(f"{path}: {error['msg']}")
    if len(errors) > _MAX_ERRORS_SHOWN:
        parts.append(f"and {len(errors) - _MAX_ERRORS_SHOWN} more")
    return "; ".join(parts)


def _identity(text: str, device_id: str) -> dict[str, Any]:
    """Best-effort event id, epoch and seq of a schema-invalid event from the topic's device.

    Only used when the payload names the same device, so its seq can be acknowledged.
    """
    try:
        raw = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(raw, dict) or raw.get("device_id") != device_id:
        return {}
    found: dict[str, Any] = {}
    for name in ("epoch", "seq"):
        value = raw.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            found[name] = value
    with contextlib.suppress(ValueError):
        found["event_id"] = UUID(str(raw.get("event_id")))
    return found
