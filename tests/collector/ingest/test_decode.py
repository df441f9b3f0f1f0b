"""Every way a raw message can fail to be an event becomes a readable dead-letter reason."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from collector.ingest.decode import Decoded, Undecodable, decode
from collector.ingest.ports import InboundMessage
from edge_agent.wire import (
    MAX_PAYLOAD_BYTES,
    StockTransaction,
    TransactionType,
    dump_event,
    make_event,
)

TOPIC = "inventory/v1/site-1/pos-1/events"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def message(payload: bytes, topic: str = TOPIC) -> InboundMessage:
    return InboundMessage(topic=topic, payload=payload, received_at=NOW)


def event_payload(device_id: str = "pos-1", **data) -> bytes:
    tx = StockTransaction(
        type=TransactionType.SALE, sku="SKU-1", qty=Decimal(1), location="main/a1", **data
    )
    event = make_event(
        event_id=uuid.uuid4(), device_id=device_id, epoch=1, seq=7, observed_at=NOW, data=tx
    )
    return dump_event(event)


def test_a_valid_event_decodes_with_its_site():
    result = decode(message(event_payload()))
    assert isinstance(result, Decoded)
    assert (result.site, result.event.seq) == ("site-1", 7)


def test_oversized_payload_is_refused_unread():
    result = decode(message(b"{" + b" " * MAX_PAYLOAD_BYTES + b"}"))
    assert isinstance(result, Undecodable)
    assert f"exceeds the {MAX_PAYLOAD_BYTES}-byte limit (not parsed;" in result.reason
    assert (result.site, result.device_id) == ("site-1", "pos-1")


def test_payload_that_is_not_utf8():
    result = decode(message(b"\xff\xfe{}"))
    assert isinstance(result, Undecodable)
    assert result.reason.startswith("payload is not UTF-8 text")


def test_payload_that_is_not_json():
    result = decode(message(b'{"schema": 1,'))
    assert isinstance(result, Undecodable)
    assert result.reason.startswith("payload is not valid JSON")


def test_wrong_schema_names_the_field_paths_and_keeps_the_identity():
    body = json.loads(event_payload())
    body["data"]["qty"] = "lots"
    del body["observed_at"]
    result = decode(message(json.dumps(body).encode()))
    assert isinstance(result, Undecodable)
    assert result.reason.startswith("payload does not match the event schema: ")
    assert "observed_at: Field required" in result.reason
    assert "stock.transaction.data.qty" in result.reason
    assert (result.epoch, result.seq, str(result.event_id)) == (1, 7, body["event_id"])


def test_wrong_schema_from_another_device_claims_no_seq():
    body = json.loads(event_payload())
    body["device_id"] = "someone-else"
    body["seq"] = "x"
    result = decode(message(json.dumps(body).encode()))
    assert isinstance(result, Undecodable)
    assert (result.epoch, result.seq) == (None, None)


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        ("shop/pos-1/events", "not an events topic"),
        ("inventory/v1/site-1/pos-1/status", "is a status topic, not events"),
    ],
)
def test_topic_that_is_not_an_events_topic(topic, expected):
    result = decode(message(event_payload(), topic=topic))
    assert isinstance(result, Undecodable)
    assert expected in result.reason


def test_device_in_payload_must_match_the_topic():
    result = decode(message(event_payload(device_id="pos-2")))
    assert isinstance(result, Undecodable)
    assert result.reason == ("payload device_id 'pos-2' does not match the topic's device 'pos-1'")


def test_business_rule_errors_of_the_wire_model_are_readable():
    body = json.loads(event_payload())
    body["data"]["type"] = "transfer"
    body["data"]["to_location"] = "main/a1"
    result = decode(message(json.dumps(body).encode()))
    assert isinstance(result, Undecodable)
    assert "a transfer must go to a different location" in result.reason
