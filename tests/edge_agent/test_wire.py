"""The wire contract: topics, envelopes and the committed JSON Schema."""

from __future__ import annotations

import ast
import json
import pathlib
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from edge_agent import wire

ROOT = pathlib.Path(__file__).resolve().parents[2]
RECORDED = ROOT / "tests" / "fixtures" / "wire"


def _receipt(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "type": "receipt",
        "sku": "SKU-1",
        "qty": "5",
        "location": "main/a1",
        "unit_cost": "2.50",
    }
    data.update(changes)
    return data


def test_committed_schema_file_matches_models() -> None:
    committed = (ROOT / wire.SCHEMA_FILE).read_text()
    assert committed == wire.render_json_schemas(), "run `make schemas` and commit the result"


def test_recorded_payloads_parse() -> None:
    files = sorted(RECORDED.glob("*.json"))
    assert files, "recorded payloads are missing"
    kinds = {wire.parse_event(f.read_bytes()).kind for f in files}
    assert kinds == set(wire.EventKind)


def test_round_trip_keeps_decimals_exact() -> None:
    event = wire.make_event(
        event_id=uuid.uuid4(),
        device_id="pos-1",
        epoch=1,
        seq=7,
        observed_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        data=wire.StockTransaction.model_validate(_receipt(unit_cost="0.10")),
    )
    again = wire.parse_event(wire.dump_event(event))
    assert again == event
    assert json.loads(wire.dump_event(event))["schema"] == 1
    assert isinstance(again.data, wire.StockTransaction)
    assert again.data.unit_cost == Decimal("0.10")


def test_naive_timestamp_is_rejected() -> None:
    raw = json.loads((RECORDED / "stock_transaction.json").read_text())
    raw["observed_at"] = "2026-01-02T03:04:05"
    with pytest.raises(ValidationError, match="timezone"):
        wire.parse_event(json.dumps(raw))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"qty": "0"}, "qty must be positive"),
        ({"unit_cost": None}, "a receipt needs unit_cost"),
        ({"type": "transfer", "to_location": "main/a1", "unit_cost": None}, "different location"),
        ({"type": "sale", "unit_cost": None, "to_location": "x"}, "only allowed there"),
        ({"type": "adjustment", "qty": "0", "unit_cost": None}, "non-zero"),
    ],
)
def test_transaction_rules_name_the_problem(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        wire.StockTransaction.model_validate(_receipt(**changes))


def test_signed_adjustment_is_allowed() -> None:
    adj = wire.StockTransaction.model_validate(
        _receipt(type="adjustment", qty="-2", unit_cost=None)
    )
    assert adj.qty == Decimal(-2)


def test_topics_round_trip() -> None:
    topic = wire.events_topic("dc-1", "shelf-07")
    assert topic == "inventory/v1/dc-1/shelf-07/events"
    assert wire.parse_topic(topic) == wire.TopicAddress(
        site="dc-1", device_id="shelf-07", channel=wire.Channel.EVENTS
    )


@pytest.mark.parametrize("topic", ["inventory/v1/a/b", "inventory/v2/a/b/events", "x/a/b/c/d"])
def test_foreign_topics_are_refused(topic: str) -> None:
    with pytest.raises(ValueError, match="topic"):
        wire.parse_topic(topic)


def test_command_union_selects_by_name() -> None:
    cmd = wire.COMMAND_ADAPTER.validate_json(
        json.dumps({"command_id": str(uuid.uuid4()), "name": "tare", "lane": "l1"})
    )
    assert isinstance(cmd, wire.TareCommand)


def test_wire_module_imports_only_pydantic_uuid6_and_stdlib() -> None:
    tree = ast.parse((ROOT / "edge_agent" / "wire.py").read_text())
    roots = {
        (n.module or "").split(".")[0] if isinstance(n, ast.ImportFrom) else a.name.split(".")[0]
        for n in ast.walk(tree)
        if isinstance(n, ast.Import | ast.ImportFrom)
        for a in (n.names if isinstance(n, ast.Import) else [n.names[0]])
    }
    assert roots <= {
        "__future__",
        "json",
        "re",
        "sys",
        "datetime",
        "decimal",
        "enum",
        "typing",
        "uuid",
        "uuid6",  # UUIDv7 before Python 3.14
        "pydantic",
    }


def test_new_event_ids_are_uuidv7_and_sort_in_the_order_they_were_made() -> None:
    ids = [wire.new_event_id() for _ in range(2_000)]
    assert {i.version for i in ids} == {7}
    assert type(ids[0]) is uuid.UUID  # a plain UUID, whatever library made it
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_every_transaction_type_has_a_recorded_payload() -> None:
    types = {
        event.data.type
        for event in (wire.parse_event(f.read_bytes()) for f in sorted(RECORDED.glob("*.json")))
        if isinstance(event, wire.StockTransactionEvent)
    }
    assert wire.TransactionType.VENDOR_RETURN in types


def test_a_vendor_return_may_name_its_receipt_but_has_no_price_or_destination() -> None:
    receipt = uuid.uuid4()
    named = wire.StockTransaction.model_validate(
        {
            "type": "vendor_return",
            "sku": "S",
            "qty": "2",
            "location": "a",
            "returns_event_id": str(receipt),
        }
    )
    assert named.returns_event_id == receipt
    only_priced = "unit_price is only allowed on a sale or an ownership_change"
    with pytest.raises(ValueError, match=only_priced):
        wire.StockTransaction.model_validate(
            {"type": "vendor_return", "sku": "S", "qty": "2", "location": "a", "unit_price": "1"}
        )
    with pytest.raises(ValueError, match="qty must be positive"):
        wire.StockTransaction.model_validate(
            {"type": "vendor_return", "sku": "S", "qty": "-2", "location": "a"}
        )


def test_recorded_scan_with_po_reference_and_net_weight_parses() -> None:
    event = wire.parse_event((RECORDED / "barcode_scanned_po_weight.json").read_bytes())
    assert isinstance(event.data, wire.BarcodeScanned)
    assert (event.data.po_reference, event.data.net_weight_kg) == ("PO-000012", Decimal("1.25"))


def test_older_scan_payload_without_the_new_fields_still_parses() -> None:
    event = wire.parse_event((RECORDED / "barcode_scanned.json").read_bytes())
    assert isinstance(event.data, wire.BarcodeScanned)
    assert (event.data.po_reference, event.data.net_weight_kg) == (None, None)
