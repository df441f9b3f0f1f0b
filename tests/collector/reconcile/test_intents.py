"""Sensor events into ledger intents: scans, weight changes and gate passes at post locations."""

from __future__ import annotations

from decimal import Decimal

import pytest

from collector.reconcile.intents import (
    Count,
    Post,
    Unknown,
    gate_intent,
    scan_intent,
    weight_intent,
)
from collector.sites.bindings import GateBinding, LaneBinding, StationBinding
from edge_agent.wire import BarcodeScanned, GateDirection, StationMode, TransactionType

STATION = StationBinding(device_id="recv-1", station="inbound-1", location="main/goods-in")


def scan(mode: StationMode, **extra) -> BarcodeScanned:
    return BarcodeScanned(station="inbound-1", mode=mode, raw="x", gtin="09506000134352", **extra)


@pytest.mark.parametrize(
    ("mode", "kind"),
    [
        (StationMode.RECEIVE, TransactionType.RECEIPT),
        (StationMode.PICK, TransactionType.SALE),
        (StationMode.RETURN, TransactionType.RETURN),
    ],
)
def test_scan_modes_post_their_transaction(mode, kind) -> None:
    intent = scan_intent(scan(mode, quantity=Decimal(2), count=6), STATION, "TEA", Decimal("1.5"))
    assert isinstance(intent, Post)
    assert (intent.tx.type, intent.tx.qty, intent.tx.location) == (kind, 12, "main/goods-in")


def test_count_mode_records_a_count() -> None:
    intent = scan_intent(scan(StationMode.COUNT, quantity=Decimal(7)), STATION, "TEA", None)
    assert intent == Count("main/goods-in", "TEA", Decimal(7))


def test_unknown_gtin_is_a_labelling_problem() -> None:
    intent = scan_intent(scan(StationMode.RECEIVE), STATION, None, None)
    assert isinstance(intent, Unknown)
    assert intent.code == "09506000134352"


def test_receipt_of_an_item_without_cost_cannot_post() -> None:
    assert isinstance(scan_intent(scan(StationMode.RECEIVE), STATION, "TEA", None), Unknown)


def test_weight_taken_is_issued_and_put_back_is_adjusted_in() -> None:
    lane = LaneBinding(device_id="shelf-1", lane="lane-1", location="main/store", sku="TEA")
    taken, back = weight_intent(lane, "TEA", -2), weight_intent(lane, "TEA", 1)
    assert taken is not None
    assert back is not None
    assert (taken.tx.type, taken.tx.qty) == (TransactionType.SALE, 2)
    assert (back.tx.type, back.tx.qty) == (TransactionType.ADJUSTMENT, 1)
    assert weight_intent(lane, "TEA", 0) is None


def test_gate_pass_moves_between_sides_or_off_site() -> None:
    inner = GateBinding(device_id="g", gate="dock", inside="main/dock", outside="main/yard")
    off = GateBinding(device_id="g", gate="dock", inside="main/dock")
    out = gate_intent(inner, "TEA", GateDirection.OUT, "EPC1")
    assert out is not None
    assert (out.tx.type, out.tx.location, out.tx.to_location) == (
        TransactionType.TRANSFER,
        "main/dock",
        "main/yard",
    )
    sold = gate_intent(off, "TEA", GateDirection.OUT, "EPC1")
    assert sold is not None
    assert sold.tx.type is TransactionType.SALE
    back = gate_intent(inner, "TEA", GateDirection.IN, "EPC1")
    assert back is not None
    assert (back.tx.location, back.tx.to_location) == ("main/yard", "main/dock")
    assert gate_intent(inner, "TEA", GateDirection.PRESENT, "EPC1") is None


def test_a_receipt_scanned_under_a_po_names_it_in_its_reference() -> None:
    data = scan(StationMode.RECEIVE, po_reference="PO-000012")
    intent = scan_intent(data, STATION, "TEA", Decimal("1.5"))
    assert isinstance(intent, Post)
    assert intent.tx.reference == "PO:PO-000012 scan inbound-1 receive"
    plain = scan_intent(scan(StationMode.RECEIVE), STATION, "TEA", Decimal("1.5"))
    assert isinstance(plain, Post)
    assert plain.tx.reference == "scan inbound-1 receive"
