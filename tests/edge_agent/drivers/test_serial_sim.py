"""Simulated serial devices: encoders match the documented formats; bytes follow the clock."""

from __future__ import annotations

from edge_agent.drivers.serial_sim import (
    ScriptedSerialSource,
    encode_scan,
    encode_tag_frame,
    encode_uhf_line,
)
from edge_agent.sensing.rfid.frames import ReaderProtocol, TagRead, decoder_for


def test_rdm6300_encoder_matches_the_reference_vector() -> None:
    assert encode_tag_frame(ReaderProtocol.RDM6300, "67003B51C6") == b"\x0267003B51C6CB\x03"


def test_id12_encoder_adds_cr_lf_before_etx() -> None:
    assert encode_tag_frame(ReaderProtocol.ID12, "67003b51c6") == b"\x0267003B51C6CB\r\n\x03"


def test_uhf_and_scan_encoders() -> None:
    assert encode_uhf_line("3074257bf7194e4000001a85", 2, -58.25) == (
        b"3074257BF7194E4000001A85,2,-58.2\r\n"
    )
    assert encode_scan("]C1", "0109506000134352\x1d3712") == b"]C10109506000134352\x1d3712\r\n"


def test_encoded_frames_decode() -> None:
    stream = encode_tag_frame(ReaderProtocol.ID12, "0415AB6C9E") * 2
    assert decoder_for(ReaderProtocol.ID12).feed(stream) == [TagRead("0415AB6C9E")] * 2


def test_scripted_source_releases_bytes_when_due() -> None:
    now = {"t_s": 0.0}
    source = ScriptedSerialSource(
        [(1.0, b"abc"), (0.5, b"xy"), (3.0, b"z")], clock_s=lambda: now["t_s"]
    )
    assert source.read(64) == b""
    now["t_s"] = 1.0
    assert source.read(2) == b"xy"
    assert source.read(64) == b"abc"
    assert not source.exhausted
    now["t_s"] = 5.0
    assert source.read(64) == b"z"
    assert source.exhausted
    source.close()
    assert source.closed
