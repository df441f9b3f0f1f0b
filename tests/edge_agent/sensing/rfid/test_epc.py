"""EPC decoding: SGTIN-96 to GTIN-14 and serial, checked against the GS1 partition table by hand."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge_agent.sensing.rfid.epc import DecodedEpc, decode_epc

# GS1 EPC TDS table 14-2, SGTIN partition: (company prefix bits, digits, item ref bits, digits)
PARTITIONS = {
    0: (40, 12, 4, 1),
    1: (37, 11, 7, 2),
    2: (34, 10, 10, 3),
    3: (30, 9, 14, 4),
    4: (27, 8, 17, 5),
    5: (24, 7, 20, 6),
    6: (20, 6, 24, 7),
}


def gs1_check_digit(digits: str) -> int:
    """Mod-10 with weights 3,1 from the right (GS1 General Specifications 7.9.1)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def by_hand(epc_hex: str) -> tuple[str, str]:
    """GTIN-14 and serial of an SGTIN-96, straight from the bit layout."""
    bits = f"{int(epc_hex, 16):096b}"
    assert bits[:8] == "00110000"
    cp_bits, cp_digits, ir_bits, ir_digits = PARTITIONS[int(bits[11:14], 2)]
    company = f"{int(bits[14 : 14 + cp_bits], 2):0{cp_digits}d}"
    item = f"{int(bits[14 + cp_bits : 14 + cp_bits + ir_bits], 2):0{ir_digits}d}"
    serial = str(int(bits[58:], 2))
    body = item[0] + company + item[1:]
    return body + str(gs1_check_digit(body)), serial


def test_tds_example_decodes_to_gtin_and_serial() -> None:
    decoded = decode_epc("3074257BF7194E4000001A85")
    # urn:epc:id:sgtin:0614141.812345.6789: indicator digit 8, so the GTIN starts with 8.
    assert decoded == DecodedEpc(
        epc="3074257BF7194E4000001A85",
        gtin="80614141123458",
        serial="6789",
        scheme="sgtin-96",
    )
    assert by_hand("3074257BF7194E4000001A85") == ("80614141123458", "6789")


def test_lowercase_hex_is_normalised() -> None:
    assert decode_epc("3074257bf7194e4000001a85").gtin == "80614141123458"


@pytest.mark.parametrize(
    "epc",
    ["E2801160600002040000ABCD", "67003B51C6", "3574257BF7194E4000001A85", "3074257BF7194E40"],
)
def test_non_sgtin_96_passes_through_without_gtin(epc: str) -> None:
    assert decode_epc(epc) == DecodedEpc(epc=epc)


def test_sgtin_header_with_invalid_partition_keeps_epc_and_says_why() -> None:
    decoded = decode_epc("307C257BF7194E4000001A85")  # partition 7 does not exist
    assert decoded.gtin is None
    assert decoded.epc == "307C257BF7194E4000001A85"
    assert decoded.problem is not None


@given(
    partition=st.integers(min_value=0, max_value=6),
    filter_value=st.integers(min_value=0, max_value=7),
    company=st.integers(min_value=0),
    item=st.integers(min_value=0),
    serial=st.integers(min_value=0, max_value=2**38 - 1),
)
def test_epcpy_agrees_with_the_partition_table(
    partition: int, filter_value: int, company: int, item: int, serial: int
) -> None:
    cp_bits, cp_digits, ir_bits, ir_digits = PARTITIONS[partition]
    company %= 10**cp_digits
    item %= 10**ir_digits
    bits = f"00110000{filter_value:03b}{partition:03b}{company:0{cp_bits}b}{item:0{ir_bits}b}"
    epc = f"{int(bits + f'{serial:038b}', 2):024X}"
    decoded = decode_epc(epc)
    assert (decoded.gtin, decoded.serial) == by_hand(epc)
