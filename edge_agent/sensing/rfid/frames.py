"""Incremental decoders for 125 kHz reader frames (RDM6300, ID-12) and UHF EPC lines.

Feed bytes as they arrive, get back decoded reads or ``FrameError`` records.  A
split frame waits for its rest; garbage between frames, bad checksums and
truncated frames each come back as one error with the reason and the bytes.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from enum import StrEnum
from functools import reduce

from edge_agent.sensing.framing import FrameError, LineFramer

STX = 0x02
ETX = 0x03
_HEX_DIGITS = frozenset(string.hexdigits.encode())


class ReaderProtocol(StrEnum):
    """Byte formats of the RFID readers the agent understands."""

    RDM6300 = "rdm6300"
    ID12 = "id12"
    UHF_LINES = "uhf-lines"


@dataclass(frozen=True, slots=True)
class FrameFormat:
    """One STX/ETX framed reader format: ``STX, data hex, checksum hex, suffix, ETX``."""

    protocol: ReaderProtocol
    data_hex_len: int
    checksum_hex_len: int
    suffix: bytes
    baudrate: int

    @property
    def length(self) -> int:
        """Bytes in one whole frame, STX and ETX included."""
        return 1 + self.data_hex_len + self.checksum_hex_len + len(self.suffix) + 1


FRAME_FORMATS: dict[ReaderProtocol, FrameFormat] = {
    ReaderProtocol.RDM6300: FrameFormat(ReaderProtocol.RDM6300, 10, 2, b"", 9600),
    ReaderProtocol.ID12: FrameFormat(ReaderProtocol.ID12, 10, 2, b"\r\n", 9600),
}
"""Frame layouts by reader; the checksum is the XOR of the data bytes in both."""

DEFAULT_BAUDRATES: dict[ReaderProtocol, int] = {
    ReaderProtocol.RDM6300: 9600,
    ReaderProtocol.ID12: 9600,
    ReaderProtocol.UHF_LINES: 115200,
}


@dataclass(frozen=True, slots=True)
class TagRead:
    """One tag read as the reader reported it, before any gate logic."""

    epc: str
    antenna: int | None = None
    rssi_dbm: float | None = None

    @property
    def card_number(self) -> int:
        """The decimal number printed on 125 kHz cards: the low 32 bits of the tag id."""
        return int(self.epc[-8:], 16)


class StxEtxDecoder:
    """Incremental decoder for one ``FrameFormat``."""

    def __init__(self, frame_format: FrameFormat) -> None:
        self._format = frame_format
        self._buffer = bytearray()

    def feed(self, chunk: bytes) -> list[TagRead | FrameError]:
        """Add bytes; return the reads and errors they complete, in order."""
        self._buffer.extend(chunk)
        out: list[TagRead | FrameError] = []
        while self._buffer:
            start = self._buffer.find(bytes([STX]))
            if start != 0:
                noise = self._take(len(self._buffer) if start < 0 else start)
                out.append(FrameError(f"{len(noise)} byte(s) of noise outside a frame", noise))
                continue
            # A second STX inside a partial frame proves that frame was cut short.
            next_stx = self._buffer.find(bytes([STX]), 1, self._format.length)
            if len(self._buffer) < self._format.length and next_stx < 0:
                break
            out.append(self._decode_head())
        return out

    @property
    def pending(self) -> bytes:
        """Bytes of a frame still waiting for its rest."""
        return bytes(self._buffer)

    def _decode_head(self) -> TagRead | FrameError:
        """Decode the frame at the buffer's start; on failure drop up to the next STX."""
        candidate = bytes(self._buffer[: self._format.length])
        problem = _frame_problem(self._format, candidate)
        if problem is None:
            self._take(self._format.length)
            return TagRead(epc=candidate[1 : 1 + self._format.data_hex_len].decode().upper())
        next_stx = self._buffer.find(bytes([STX]), 1)
        return FrameError(problem, self._take(next_stx if next_stx > 0 else len(candidate)))

    def _take(self, count: int) -> bytes:
        taken = bytes(self._buffer[:count])
        del self._buffer[:count]
        return taken


def _frame_problem(frame_format: FrameFormat, frame: bytes) -> str | None:
    """Why ``frame`` (exactly one frame long, starting with STX) is invalid, or None."""
    data_end = 1 + frame_format.data_hex_len
    check_end = data_end + frame_format.checksum_hex_len
    hex_part = frame[1:check_end]
    if STX in frame[1:]:
        return "truncated frame: a new STX arrived before the frame was complete"
    if frame[-1] != ETX or frame[check_end:-1] != frame_format.suffix:
        return f"malformed {frame_format.protocol} frame: wrong terminator"
    if not set(hex_part) <= _HEX_DIGITS:
        return "malformed frame: non-hex character in tag data"
    data = bytes.fromhex(frame[1:data_end].decode())
    expected = reduce(lambda acc, b: acc ^ b, data, 0)
    received = int(frame[data_end:check_end], 16)
    if expected != received:
        return f"bad checksum: frame says {received:02X}, data XOR is {expected:02X}"
    return None


_EPC_RE = re.compile(r"^[0-9A-Fa-f]{8,64}$")


class UhfLineDecoder:
    """Decodes UHF reader lines ``EPC[,ANTENNA[,RSSI_DBM]]`` ended by CR, LF or CR LF."""

    def __init__(self) -> None:
        self._lines = LineFramer()

    def feed(self, chunk: bytes) -> list[TagRead | FrameError]:
        """Add bytes; return a read or an error for every complete line."""
        return [
            item if isinstance(item, FrameError) else parse_uhf_line(item)
            for item in self._lines.feed(chunk)
        ]


def parse_uhf_line(line: bytes) -> TagRead | FrameError:
    """Parse one UHF line such as ``3074257BF7194E4000001A85,2,-58.5``."""
    try:
        fields = [f.strip() for f in line.decode("ascii").split(",")]
    except UnicodeDecodeError:
        return FrameError("UHF line is not ASCII", line)
    if len(fields) > 3 or not _EPC_RE.match(fields[0]) or len(fields[0]) % 2:
        return FrameError("UHF line is not EPC[,ANTENNA[,RSSI_DBM]] with even-length hex", line)
    try:
        antenna = int(fields[1]) if len(fields) > 1 and fields[1] else None
        rssi = float(fields[2]) if len(fields) > 2 and fields[2] else None
    except ValueError:
        return FrameError("UHF line: antenna must be an integer and RSSI a number (dBm)", line)
    if antenna is not None and not 0 <= antenna <= 64:
        return FrameError(f"UHF line: antenna {antenna} out of range 0..64", line)
    if rssi is not None and not -150.0 <= rssi <= 20.0:
        return FrameError(f"UHF line: RSSI {rssi} dBm out of range -150..20", line)
    return TagRead(epc=fields[0].upper(), antenna=antenna, rssi_dbm=rssi)


TagDecoder = StxEtxDecoder | UhfLineDecoder


def decoder_for(protocol: ReaderProtocol) -> TagDecoder:
    """A fresh incremental decoder for a reader protocol."""
    frame_format = FRAME_FORMATS.get(protocol)
    return UhfLineDecoder() if frame_format is None else StxEtxDecoder(frame_format)
