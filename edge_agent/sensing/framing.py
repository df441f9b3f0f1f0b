"""Byte framing shared by serial decoders: rejected-input records and CR/LF line splitting."""

from __future__ import annotations

from dataclasses import dataclass

MAX_LINE_BYTES = 512
"""A line longer than this is noise (or a missing terminator) and is rejected, not buffered."""


@dataclass(frozen=True, slots=True)
class FrameError:
    """Bytes a decoder could not accept, and why; counted and reported, never dropped silently."""

    reason: str
    raw: bytes


class LineFramer:
    """Splits a byte stream into lines ending in CR, LF or CR LF; incremental."""

    def __init__(self, *, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self._buffer = bytearray()
        self._max_line_bytes = max_line_bytes

    def feed(self, chunk: bytes) -> list[bytes | FrameError]:
        """Add bytes; return each complete non-empty line (no terminator) or an overflow error."""
        self._buffer.extend(chunk)
        out: list[bytes | FrameError] = []
        while True:
            end = _first_terminator(self._buffer)
            if end < 0:
                break
            line = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            if line:
                out.append(line)
        if len(self._buffer) > self._max_line_bytes:
            out.append(
                FrameError(
                    f"line longer than {self._max_line_bytes} bytes without CR/LF",
                    bytes(self._buffer),
                )
            )
            self._buffer.clear()
        return out

    @property
    def pending(self) -> bytes:
        """Bytes of an unfinished line."""
        return bytes(self._buffer)


def _first_terminator(buffer: bytearray) -> int:
    """Index of the first CR or LF, or -1; a CR LF pair leaves an empty line that is skipped."""
    positions = [p for p in (buffer.find(b"\r"), buffer.find(b"\n")) if p >= 0]
    return min(positions) if positions else -1
