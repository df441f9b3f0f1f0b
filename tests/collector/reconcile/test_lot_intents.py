"""Recorded scans and tag reads carry their GS1 lot, expiry and serial into the transaction."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from collector.reconcile.intents import Post, gate_intent, scan_intent
from collector.sites.bindings import GateBinding, StationBinding
from edge_agent.wire import (
    BarcodeScanned,
    RfidTagSeen,
    StockTransactionEvent,
    TransactionType,
    parse_event,
)
from tests.edge_agent.sensing.test_serial_trace import CONFIGS, events, replay

FIXTURES = Path(__file__).parents[2] / "fixtures" / "wire"
STATION = StationBinding(device_id="receiving-1", station="inbound-1", location="main/goods-in")


def test_recorded_gs1_scans_post_their_lot_and_expiry_not_free_text() -> None:
    scans = [e.data for e in events(replay("receiving-1.jsonl", CONFIGS / "receiving-1.yaml"))]
    accepted = [s for s in scans if isinstance(s, BarcodeScanned) and not s.rejected_reason]
    receipt = scan_intent(accepted[0], STATION, "TEA-100", Decimal("2.10"))
    pick = scan_intent(accepted[2], STATION, "TEA-100", None)
    assert isinstance(receipt, Post)
    assert isinstance(pick, Post)
    assert (receipt.tx.type, receipt.tx.qty) == (TransactionType.RECEIPT, 12 * 12)
    assert (receipt.tx.lot, receipt.tx.expiry) == ("10A1B2C3", date(2027, 11, 30))
    assert (pick.tx.lot, pick.tx.expiry) == ("LOT7", date(2028, 1, 31))
    assert "lot" not in (receipt.tx.reference or "")
    # the transaction survives the wire: dumped and parsed again by the real model
    again = type(receipt.tx).model_validate_json(receipt.tx.model_dump_json())
    assert again == receipt.tx


def test_recorded_sgtin_serials_go_into_the_transaction_serial() -> None:
    outputs = replay("gate-dock-1.jsonl", CONFIGS / "gate-dock-1.yaml")
    tags = [e.data for e in events(outputs) if isinstance(e.data, RfidTagSeen)]
    gate = GateBinding(device_id="gate-dock-1", gate="dock-1", inside="main/dock")
    intent = gate_intent(gate, "TEA-100", tags[1].direction, tags[1].epc, tags[1].serial)
    assert isinstance(intent, Post)
    assert (intent.tx.type, intent.tx.serial) == (TransactionType.SALE, "6790")


def test_a_recorded_payload_with_lot_and_expiry_parses_and_old_ones_still_do() -> None:
    event = parse_event((FIXTURES / "stock_transaction_lot.json").read_bytes())
    assert isinstance(event, StockTransactionEvent)
    assert (event.data.lot, event.data.expiry, event.data.serial) == (
        "10A1B2C3", date(2027, 11, 30), None,
    )  # fmt: skip
    old = parse_event((FIXTURES / "stock_transaction.json").read_bytes())
    assert isinstance(old, StockTransactionEvent)
    assert (old.data.lot, old.data.expiry, old.data.serial) == (None, None, None)
