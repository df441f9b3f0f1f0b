"""RFID reader frame decoders: RDM6300, ID-12 and UHF EPC lines."""

from __future__ import annotations

import itertools
from functools import reduce

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge_agent.sensing.framing import FrameError
from edge_agent.sensing.rfid.frames import (
    ReaderProtocol,
    TagRead,
    decoder_for,
    parse_uhf_line,
)


def rdm6300_frame(tag_hex: str, checksum: int | None = None) -> bytes:
    data = bytes.fromhex(tag_hex)
    xor = reduce(lambda a, b: a ^ b, data, 0) if checksum is None else checksum
    return b"\x02" + tag_hex.encode() + f"{xor:02X}".encode() + b"\x03"


def id12_frame(tag_hex: str) -> bytes:
    return rdm6300_frame(tag_hex)[:-1] + b"\r\n\x03"


def test_rdm6300_reference_vector() -> None:
    frame = b"\x0267003B51C6CB\x03"
    [read] = decoder_for(ReaderProtocol.RDM6300).feed(frame)
    assert read == TagRead(epc="67003B51C6")
    assert isinstance(read, TagRead)
    assert read.card_number == 3887558


def test_checksum_helper_matches_reference_vector() -> None:
    assert rdm6300_frame("67003B51C6") == b"\x0267003B51C6CB\x03"


def test_id12_frame_with_cr_lf_before_etx() -> None:
    [read] = decoder_for(ReaderProtocol.ID12).feed(id12_frame("0415AB6C9E"))
    assert read == TagRead(epc="0415AB6C9E")


def test_frame_split_across_reads_waits_for_the_rest() -> None:
    decoder = decoder_for(ReaderProtocol.RDM6300)
    frame = rdm6300_frame("67003B51C6")
    assert decoder.feed(frame[:5]) == []
    assert decoder.feed(frame[5:9]) == []
    assert decoder.feed(frame[9:]) == [TagRead(epc="67003B51C6")]


def test_bad_checksum_is_reported_with_reason() -> None:
    [error] = decoder_for(ReaderProtocol.RDM6300).feed(rdm6300_frame("67003B51C6", 0x00))
    assert isinstance(error, FrameError)
    assert "bad checksum" in error.reason
    assert "CB" in error.reason


def test_garbage_between_frames_is_reported_and_frames_survive() -> None:
    frame = rdm6300_frame("67003B51C6")
    out = decoder_for(ReaderProtocol.RDM6300).feed(b"\xff\x00zz" + frame + b"noise" + frame)
    assert [type(o) for o in out] == [FrameError, TagRead, FrameError, TagRead]
    assert isinstance(out[0], FrameError)
    assert out[0].raw == b"\xff\x00zz"
    assert "noise" in out[0].reason


def test_truncated_frame_followed_by_good_frame() -> None:
    frame = rdm6300_frame("67003B51C6")
    out = decoder_for(ReaderProtocol.RDM6300).feed(frame[:6] + frame)
    assert isinstance(out[0], FrameError)
    assert "truncated" in out[0].reason
    assert out[0].raw == frame[:6]
    assert out[1:] == [TagRead(epc="67003B51C6")]


def test_rdm6300_frame_sent_to_id12_decoder_is_rejected() -> None:
    decoder = decoder_for(ReaderProtocol.ID12)
    out = decoder.feed(rdm6300_frame("67003B51C6") + b"\x02")
    assert isinstance(out[0], FrameError)


def test_non_hex_data_is_rejected() -> None:
    [error] = decoder_for(ReaderProtocol.RDM6300).feed(b"\x0267003B51CXCB\x03")
    assert isinstance(error, FrameError)
    assert "non-hex" in error.reason


@given(
    tags=st.lists(st.binary(min_size=5, max_size=5), min_size=1, max_size=5),
    cuts=st.lists(st.integers(min_value=0, max_value=80), max_size=6),
)
def test_any_split_of_a_stream_decodes_the_same(tags: list[bytes], cuts: list[int]) -> None:
    stream = b"".join(rdm6300_frame(t.hex().upper()) for t in tags)
    decoder = decoder_for(ReaderProtocol.RDM6300)
    bounds = sorted({0, len(stream), *(c for c in cuts if c < len(stream))})
    out = [r for a, b in itertools.pairwise(bounds) for r in decoder.feed(stream[a:b])]
    assert out == [TagRead(epc=t.hex().upper()) for t in tags]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"3074257BF7194E4000001A85,2,-58.5", TagRead("3074257BF7194E4000001A85", 2, -58.5)),
        (b"3074257bf7194e4000001a85", TagRead("3074257BF7194E4000001A85")),
        (b"E2801160600002040000ABCD,1", TagRead("E2801160600002040000ABCD", 1)),
        (b" E2801160600002040000ABCD , 1 , -70 ", TagRead("E2801160600002040000ABCD", 1, -70.0)),
    ],
)
def test_uhf_lines_accepted(line: bytes, expected: TagRead) -> None:
    assert parse_uhf_line(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        b"XYZ,1,-50",
        b"3074257BF7194E4000001A8,1,-50",
        b"3074257BF7194E4000001A85,one,-50",
        b"3074257BF7194E4000001A85,1,-50,9",
        b"3074257BF7194E4000001A85,1,-500",
        b"\xff\xfe",
    ],
)
def test_uhf_bad_lines_rejected(line: bytes) -> None:
    assert isinstance(parse_uhf_line(line), FrameError)


def test_uhf_decoder_frames_lines_across_reads() -> None:
    decoder = decoder_for(ReaderProtocol.UHF_LINES)
    assert decoder.feed(b"3074257BF7194E40") == []
    out = decoder.feed(b"00001A85,1,-60\r\nbad line\r\n")
    assert out[0] == TagRead("3074257BF7194E4000001A85", 1, -60.0)
    assert isinstance(out[1], FrameError)
