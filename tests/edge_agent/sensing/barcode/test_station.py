"""The scanner station's modes, quantity barcodes and rejected scans."""

from __future__ import annotations

from decimal import Decimal

import pytest

from edge_agent.sensing.barcode.station import MODE_BARCODES, Station, StationRules
from edge_agent.wire import BarcodeScanned, StationMode

EAN = b"]E09506000134352"


@pytest.fixture
def station() -> Station:
    return Station(StationRules(station="inbound-1"))


def one(station: Station, line: bytes, t_s: float = 1.0) -> BarcodeScanned:
    [event] = station.scan(t_s, line)
    assert isinstance(event.data, BarcodeScanned)
    return event.data


def test_item_scan_in_initial_mode(station: Station) -> None:
    data = one(station, EAN)
    assert (data.station, data.mode, data.gtin, data.quantity) == (
        "inbound-1",
        StationMode.RECEIVE,
        "09506000134352",
        Decimal(1),
    )
    assert data.symbology == "]E0"
    assert data.rejected_reason is None


@pytest.mark.parametrize(("text", "mode"), list(MODE_BARCODES.items()))
def test_mode_barcode_switches_mode(station: Station, text: str, mode: StationMode) -> None:
    assert station.scan(0.0, b"]C0" + text.encode()) == []
    assert one(station, EAN).mode is mode


def test_mode_barcode_is_case_insensitive_and_needs_no_identifier(station: Station) -> None:
    station.scan(0.0, b"mode:pick")
    assert station.mode is StationMode.PICK


def test_quantity_applies_to_next_scan_only(station: Station) -> None:
    assert station.scan(0.0, b"QTY:12") == []
    assert one(station, EAN).quantity == Decimal(12)
    assert one(station, EAN).quantity == Decimal(1)


def test_decimal_quantity(station: Station) -> None:
    station.scan(0.0, b"QTY:2.5")
    assert one(station, EAN).quantity == Decimal("2.5")


def test_mode_change_clears_pending_quantity(station: Station) -> None:
    station.scan(0.0, b"QTY:12")
    station.scan(0.1, b"MODE:COUNT")
    assert one(station, EAN).quantity == Decimal(1)


def test_rejected_scan_keeps_pending_quantity_for_the_rescan(station: Station) -> None:
    station.scan(0.0, b"QTY:6")
    assert one(station, b"]E09506000134353").rejected_reason is not None
    assert one(station, EAN).quantity == Decimal(6)


@pytest.mark.parametrize("line", [b"QTY:0", b"QTY:-3", b"QTY:abc", b"QTY:1e9", b"QTY:NaN"])
def test_bad_quantity_barcode_is_rejected(station: Station, line: bytes) -> None:
    data = one(station, line)
    assert data.rejected_reason is not None
    assert "quantity" in data.rejected_reason
    assert station.pending_quantity is None


def test_unknown_mode_is_rejected_and_mode_kept(station: Station) -> None:
    data = one(station, b"MODE:SHIP")
    assert data.rejected_reason is not None
    assert "MODE:RECEIVE" in data.rejected_reason
    assert station.mode is StationMode.RECEIVE


def test_bad_check_digit_is_emitted_as_rejected_and_counted(station: Station) -> None:
    data = one(station, b"]C10109506000134353")
    assert data.rejected_reason is not None
    assert "check digit" in data.rejected_reason
    assert data.raw == "0109506000134353"
    assert station.counts["rejected"] == 1


def test_noise_is_emitted_as_rejected_with_visible_raw(station: Station) -> None:
    data = one(station, b"\xff\x00")
    assert data.rejected_reason is not None
    assert data.raw == "\\xff\\x00"


def test_text_label_rejected_unless_station_takes_skus(station: Station) -> None:
    assert one(station, b"]C0SKU-4711").rejected_reason is not None
    takes_skus = Station(StationRules(station="s", text_is_sku=True))
    assert one(takes_skus, b"]C0SKU-4711").sku == "SKU-4711"


def test_text_label_that_is_no_valid_sku_is_rejected() -> None:
    takes_skus = Station(StationRules(station="s", text_is_sku=True))
    data = one(takes_skus, b"]C0has space")
    assert data.rejected_reason is not None
    assert "invalid scan" in data.rejected_reason


def test_gtin_mapped_to_sku() -> None:
    station = Station(StationRules(station="s", sku_by_gtin={"09506000134352": "TEA-100"}))
    assert one(station, EAN).sku == "TEA-100"


def test_gs1_fields_reach_the_event(station: Station) -> None:
    data = one(station, b"]C10109506000134352172711301010A1B2C3\x1d3712")
    assert (data.lot, data.expiry.isoformat() if data.expiry else None, data.count) == (
        "10A1B2C3",
        "2027-11-30",
        12,
    )


PO_LABEL = b"]C0PO:PO-000012"
AI_400_LABEL = b"]C1400PO-000013"


def test_po_label_then_items_carry_the_reference(station: Station) -> None:
    assert station.scan(0.0, PO_LABEL) == []
    first, second = one(station, EAN, 1.0), one(station, EAN, 2.0)
    assert (first.po_reference, second.po_reference) == ("PO-000012", "PO-000012")


def test_gs1_ai_400_label_sets_the_po_and_a_later_one_replaces_it(station: Station) -> None:
    station.scan(0.0, PO_LABEL)
    assert station.scan(1.0, AI_400_LABEL) == []
    assert one(station, EAN, 2.0).po_reference == "PO-000013"


def test_mode_change_ends_the_po(station: Station) -> None:
    station.scan(0.0, PO_LABEL)
    station.scan(1.0, b"MODE:RECEIVE")
    assert one(station, EAN, 2.0).po_reference is None


def test_po_ends_after_po_timeout_s_without_a_scan() -> None:
    station = Station(StationRules(station="s", po_timeout_s=60))
    station.scan(0.0, PO_LABEL)
    assert one(station, EAN, 50.0).po_reference == "PO-000012"  # a scan keeps it alive
    assert one(station, EAN, 105.0).po_reference == "PO-000012"
    assert one(station, EAN, 166.0).po_reference is None


def test_item_label_with_its_own_ai_400_names_that_po(station: Station) -> None:
    station.scan(0.0, PO_LABEL)
    data = one(station, b"]C10109506000134352\x1d400PO-000099")
    assert (data.gtin, data.po_reference) == ("09506000134352", "PO-000099")
    assert one(station, EAN).po_reference == "PO-000012"


def test_po_label_outside_receive_mode_is_rejected(station: Station) -> None:
    station.scan(0.0, b"MODE:PICK")
    data = one(station, PO_LABEL)
    assert data.rejected_reason is not None
    assert "receive mode" in data.rejected_reason
    assert one(station, EAN).po_reference is None


@pytest.mark.parametrize("line", [b"]C0PO:", b"]C0PO:has space", b"]C0PO:" + b"9" * 31])
def test_bad_po_label_is_rejected(station: Station, line: bytes) -> None:
    data = one(station, line)
    assert data.rejected_reason is not None
    assert "purchase-order barcode" in data.rejected_reason
    assert station.po_reference is None


@pytest.mark.parametrize(
    ("line", "kg"),
    [
        (b"]C10197350053850012\x1d3103001250", "1.250"),  # 3103: 3 decimals
        (b"]C10197350053850012\x1d3102001250", "12.50"),  # 3102: 2 decimals
        (b"]e00197350053850012310500012310A7", "0.00123"),  # DataBar, weight before a lot
        (b"]C1\x1d01973500538500123100000004", "4"),  # leading FNC1, whole kilograms
    ],
)
def test_net_weight_ai_310n_reaches_the_event_exactly(
    station: Station, line: bytes, kg: str
) -> None:
    data = one(station, line)
    assert data.rejected_reason is None
    assert (data.gtin, data.net_weight_kg) == ("97350053850012", Decimal(kg))
