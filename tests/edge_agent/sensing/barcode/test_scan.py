"""Scan parsing: AIM identifiers, GS1 element strings with FNC1, GTIN check digits."""

from __future__ import annotations

from datetime import date

import pytest

from edge_agent.sensing.barcode.scan import (
    ParsedScan,
    RejectedScan,
    ScanText,
    parse_item,
    split_scan,
)

GS = b"\x1d"


def parse(line: bytes) -> ParsedScan | RejectedScan:
    split = split_scan(line)
    assert isinstance(split, ScanText)
    return parse_item(split)


def test_aim_identifier_is_split_off() -> None:
    assert split_scan(b"]C1010950600013435217271130") == ScanText("]C1", "010950600013435217271130")


def test_scan_without_identifier_keeps_all_data() -> None:
    assert split_scan(b"9506000134352") == ScanText(None, "9506000134352")


def test_gs1_128_with_fnc1_separators() -> None:
    line = b"]C10109506000134352172711301010A1B2C3" + GS + b"2112345" + GS + b"3712"
    assert parse(line) == ParsedScan(
        gtin="09506000134352", lot="10A1B2C3", expiry=date(2027, 11, 30), serial="12345", count=12
    )


def test_gs1_datamatrix_lot_then_expiry() -> None:
    line = b"]d2010950600013435210LOT1" + GS + b"17271130"
    assert parse(line) == ParsedScan(gtin="09506000134352", lot="LOT1", expiry=date(2027, 11, 30))


def test_gs1_qr_with_count_30() -> None:
    assert parse(b"]Q3010950600013435230" + b"24") == ParsedScan(gtin="09506000134352", count=24)


def test_expiry_day_00_means_end_of_month() -> None:
    parsed = parse(b"]C1010950600013435217270200")
    assert isinstance(parsed, ParsedScan)
    assert parsed.expiry == date(2027, 2, 28)


def test_raw_shows_gs_visibly() -> None:
    split = split_scan(b"]C1010950600013435210A" + GS + b"2112")
    assert isinstance(split, ScanText)
    assert split.raw == "010950600013435210A\\x1d2112"


def test_ean13_gives_gtin_14() -> None:
    assert parse(b"]E09506000134352") == ParsedScan(gtin="09506000134352")


def test_upc_a_gives_gtin_14() -> None:
    assert parse(b"]E0036000291452") == ParsedScan(gtin="00036000291452")


def test_plain_gtin_without_identifier() -> None:
    assert parse(b"9506000134352") == ParsedScan(gtin="09506000134352")


def test_gs1_without_identifier_but_with_gs() -> None:
    parsed = parse(b"010950600013435210LOT9" + GS + b"17280101")
    assert parsed == ParsedScan(gtin="09506000134352", lot="LOT9", expiry=date(2028, 1, 1))


def test_code128_text_is_passed_on_as_text() -> None:
    assert parse(b"]C0SKU-4711") == ParsedScan(text="SKU-4711")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"]C10109506000134353", "check digit"),
        (b"]E09506000134353", "check digit"),
        (b"9506000134353", "check digit"),
        (b"]C189ABCD", "Application Identifier"),
        (b"]C1010950600013435217271399", "(17)"),
        (b"]C110LOT", "no GTIN"),
        (b"]C1", "empty"),
    ],
)
def test_bad_scans_are_rejected_with_reason(line: bytes, reason: str) -> None:
    rejected = parse(line)
    assert isinstance(rejected, RejectedScan)
    assert reason in rejected.reason


@pytest.mark.parametrize("line", [b"\xff\xfe\x00", b"abc\x07def", b"\x1b[A"])
def test_noise_is_rejected(line: bytes) -> None:
    rejected = split_scan(line)
    assert isinstance(rejected, RejectedScan)
    assert "noise" in rejected.reason


@pytest.mark.parametrize("line", [b"]", b"]\x1d"])
def test_truncated_aim_identifier_is_rejected_not_raised(line: bytes) -> None:
    split = split_scan(line)
    outcome = split if isinstance(split, RejectedScan) else parse_item(split)
    assert isinstance(outcome, RejectedScan)
    assert outcome.reason
