"""Simulated serial devices: scripted bytes in each device's real format, on an injected clock.

``ScriptedSerialSource`` is a ``ByteSource`` that hands out scripted chunks once
the clock reaches their time, so a gate or scanner station runs its real
pipeline in the demo (``simulate: true``) or replays a recorded trace live.
The encoders write what the real devices send.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterable
from functools import reduce

from edge_agent.sensing.rfid.frames import ETX, FRAME_FORMATS, STX, ReaderProtocol

CR_LF = b"\r\n"
GS = b"\x1d"


def encode_tag_frame(protocol: ReaderProtocol, tag_hex: str) -> bytes:
    """One RDM6300 or ID-12 frame for a 10-hex-digit tag id, checksum included."""
    frame_format = FRAME_FORMATS[protocol]
    checksum = reduce(lambda acc, b: acc ^ b, bytes.fromhex(tag_hex), 0)
    body = tag_hex.upper().encode() + f"{checksum:02X}".encode() + frame_format.suffix
    return bytes([STX]) + body + bytes([ETX])


def encode_uhf_line(epc: str, antenna: int, rssi_dbm: float) -> bytes:
    """One line of a UHF reader in ``EPC,ANTENNA,RSSI_DBM`` mode."""
    return f"{epc.upper()},{antenna},{rssi_dbm:.1f}".encode() + CR_LF


def encode_scan(symbology: str, data: str) -> bytes:
    """What a USB-CDC scanner sends: AIM identifier, data (GS as FNC1), CR LF."""
    return symbology.encode("ascii") + data.encode("ascii") + CR_LF


class ScriptedSerialSource:
    """A ``ByteSource`` that delivers ``(t_s, bytes)`` chunks once the clock reaches ``t_s``."""

    def __init__(
        self, chunks: Iterable[tuple[float, bytes]], *, clock_s: Callable[[], float]
    ) -> None:
        self._due = collections.deque(sorted(chunks, key=lambda c: c[0]))
        self._clock_s = clock_s
        self._pending = bytearray()
        self.closed = False

    def read(self, max_bytes: int) -> bytes:
        """Every byte due by now (at most ``max_bytes``); ``b""`` when nothing is due."""
        now_s = self._clock_s()
        while self._due and self._due[0][0] <= now_s:
            self._pending.extend(self._due.popleft()[1])
        chunk = bytes(self._pending[:max_bytes])
        del self._pending[:max_bytes]
        return chunk

    def close(self) -> None:
        """Nothing to release; remembers that it was closed."""
        self.closed = True

    @property
    def exhausted(self) -> bool:
        """True once every scripted byte was read."""
        return not self._due and not self._pending
