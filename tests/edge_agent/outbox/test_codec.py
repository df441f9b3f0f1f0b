"""Payload codec: exact round trip of every recorded envelope, much smaller, damage detected."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge_agent.errors import OutboxError
from edge_agent.outbox.codec import PayloadCodec

RECORDED = sorted((Path(__file__).resolve().parents[2] / "fixtures" / "wire").glob("*.json"))


@pytest.mark.parametrize("path", RECORDED, ids=lambda p: p.stem)
def test_recorded_envelopes_round_trip_at_under_half_the_size(path: Path) -> None:
    payload = path.read_bytes().strip()
    stored = PayloadCodec().encode(payload)
    assert PayloadCodec().decode(stored) == payload
    assert len(stored) < len(payload) / 2


@given(st.binary(max_size=2000))
def test_any_bytes_round_trip(payload: bytes) -> None:
    codec = PayloadCodec()
    assert codec.decode(codec.encode(payload)) == payload


def test_truncated_payload_is_an_outbox_error() -> None:
    codec = PayloadCodec()
    stored = codec.encode(RECORDED[0].read_bytes())
    with pytest.raises(OutboxError):
        codec.decode(stored[: len(stored) // 2])


def test_unknown_codec_name_is_an_outbox_error() -> None:
    with pytest.raises(OutboxError, match="unknown"):
        PayloadCodec("lz4-9")
