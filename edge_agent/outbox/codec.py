"""How event payloads are stored in the outbox file: raw deflate with a preset dictionary.

Envelopes are small JSON documents that repeat the same keys, so plain deflate
gains little (366 → 262 bytes for a shelf event) while a preset dictionary of
those keys gains a lot (366 → ~120). That is what lets a week at one event per
second fit the default 256 MiB cap with room to spare. The codec name is stored
in the file's meta table; a dictionary, once released, never changes: a new one
gets a new name and the old stays here so old files remain readable.
"""

from __future__ import annotations

import zlib

from edge_agent.errors import OutboxError

_WBITS_RAW = -15  # raw deflate: no header, no checksum (SQLite guards the pages)
_LEVEL = 6

# Fragments of every envelope and event body, the most frequent last (shortest distances).
_DICTIONARY_V1 = b"".join(
    (
        b'"data":{"station":"","mode":"receive","pick","raw":"","symbology":"]C1","]E0",',
        b'"quantity":"1","gtin":"","lot":"","expiry":"","serial":"","count":',
        b'"rejected_reason":"","type":"receipt","sale","adjustment","transfer","qty":"',
        b'"location":"","to_location":"","owner":"own","unit_cost":"","unit_price":"',
        b'"reference":"","returns_event_id":"',
        b'"kind":"device.heartbeat","data":{"uptime_s":,"interval_s":30,"software_version":"',
        b'"sensors":[{"sensor":"lane-","sample_rate_hz":,"errors":0,"retries":0,"rejected":0,',
        b'"noise_grams":,"drift_grams":}],"outbox_depth":,"oldest_unsent_age_s":,',
        b'"outbox_bytes":,"outbox_near_cap":false,"cpu_temp_c":',
        b'"kind":"rfid.tag_seen","data":{"epc":"3034","gate":"","direction":"in","out",',
        b'"present","antenna":1,"rssi_dbm":-',
        b'"kind":"barcode.scanned","kind":"stock.transaction",',
        b'"kind":"shelf.weight_changed","data":{"lane":"lane-","sku":"SKU-","grams_before":',
        b'"grams_after":,"count_change":-1,"count_changes":{},"estimated_count":,',
        b'"resolution":"resolved","unresolved","ambiguous","candidates":[],"confidence":0.',
        b'{"schema":1,"event_id":"-4","device_id":"","epoch":,"seq":,',
        b'"observed_at":"2026-11-25T12:00:00.000000Z",',
    )
)

_DICTIONARIES: dict[str, bytes] = {"deflate-dict-1": _DICTIONARY_V1}
CURRENT_CODEC = "deflate-dict-1"


class PayloadCodec:
    """Encodes payloads for storage and decodes them back to the exact bytes to publish."""

    def __init__(self, name: str = CURRENT_CODEC) -> None:
        """The codec stored in a file's meta table; ``OutboxError`` if this build lacks it."""
        if name not in _DICTIONARIES:
            raise OutboxError(
                f"outbox payload codec {name!r} is unknown to this software version "
                f"(known: {', '.join(_DICTIONARIES)}); upgrade the edge agent"
            )
        self.name = name
        self._zdict = _DICTIONARIES[name]

    def encode(self, payload: bytes) -> bytes:
        """Compress one payload."""
        comp = zlib.compressobj(_LEVEL, zlib.DEFLATED, _WBITS_RAW, zdict=self._zdict)
        return comp.compress(payload) + comp.flush()

    def decode(self, blob: bytes) -> bytes:
        """Decompress one stored payload; ``OutboxError`` when the bytes are damaged."""
        try:
            decomp = zlib.decompressobj(_WBITS_RAW, zdict=self._zdict)
            payload = decomp.decompress(blob) + decomp.flush()
        except zlib.error as err:
            raise OutboxError(f"outbox payload could not be decoded ({err})") from err
        if not decomp.eof:
            raise OutboxError("outbox payload is truncated")
        return payload
