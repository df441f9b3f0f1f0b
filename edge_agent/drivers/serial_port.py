"""Serial ports behind a tiny interface: read whatever bytes arrived, with a timeout.

Only this module imports pyserial.  Everything that decodes what a reader or
scanner sent works on ``bytes`` and never sees a port, so the same decoders run
on a live port, a pseudo-terminal in a test, or a recorded trace.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import IO, Protocol

import serial

from edge_agent.errors import DeviceError

READ_CHUNK_BYTES = 256
"""Most bytes taken from a port in one read; frames are far shorter."""


class ByteSource(Protocol):
    """Where a serial device's bytes come from."""

    def read(self, max_bytes: int) -> bytes:
        """Bytes that arrived, at most ``max_bytes``; ``b""`` when the timeout passed with none."""
        ...

    def close(self) -> None:
        """Release the port."""
        ...


class PySerialPort(Protocol):
    """The part of an open pyserial port that ``SerialPort`` uses.

    A protocol rather than a pyserial class: ``serial_for_url`` returns a different
    class per URL scheme (``loop://`` is not a ``serial.Serial``), and ``SerialBase``,
    their common base, does not declare ``in_waiting``.
    """

    @property
    def is_open(self) -> bool:
        """Whether the port is open."""
        ...

    @property
    def in_waiting(self) -> int:
        """Bytes received and not read yet."""
        ...

    def read(self, size: int = 1, /) -> bytes:
        """Up to ``size`` bytes, waiting at most the port's timeout."""
        ...

    def close(self) -> None:
        """Close the port."""
        ...


class SerialPort:
    """A pyserial port (device path or pyserial URL such as ``loop://``) as a ``ByteSource``."""

    def __init__(self, port: PySerialPort, *, name: str) -> None:
        self._port = port
        self.name = name

    def read(self, max_bytes: int) -> bytes:
        """Read what is waiting, or wait up to the port's timeout for the first byte."""
        if not self._port.is_open:
            raise DeviceError(f"serial port {self.name!r} is closed; the agent must reopen it")
        try:
            waiting = self._port.in_waiting
            return bytes(self._port.read(min(max(waiting, 1), max_bytes)))
        except (serial.SerialException, OSError) as err:
            raise DeviceError(
                f"serial port {self.name!r}: read failed ({err}); "
                "check the cable and that no other process holds the port"
            ) from err

    def close(self) -> None:
        """Close the port; closing twice is harmless."""
        self._port.close()


def open_serial_port(url: str, *, baudrate: int, timeout_s: float, name: str) -> SerialPort:
    """Open ``url`` as 8N1 at ``baudrate``; ``DeviceError`` saying what to check when it fails."""
    try:
        port = serial.serial_for_url(
            url,
            baudrate=baudrate,
            bytesize=serial.EIGHTBITS,
            parity=serial.PARITY_NONE,
            stopbits=serial.STOPBITS_ONE,
            timeout=timeout_s,
            # a second agent on the same reader would split its bytes between the two
            exclusive=True,
        )
    except (serial.SerialException, OSError, ValueError) as err:
        raise DeviceError(
            f"serial port {name!r} at {url!r} could not be opened ({err}); "
            "check the device path in the config and the user's dialout group"
        ) from err
    return SerialPort(port, name=name)


class RecordingByteSource:
    """Wraps a ``ByteSource`` and appends every non-empty read to a serial trace (JSON lines)."""

    def __init__(
        self,
        source: ByteSource,
        *,
        port: str,
        sink: IO[str],
        clock_s: Callable[[], float],
    ) -> None:
        self._source = source
        self._port = port
        self._sink = sink
        self._clock_s = clock_s

    def read(self, max_bytes: int) -> bytes:
        """Read from the wrapped source and record what came, stamped by the injected clock."""
        chunk = self._source.read(max_bytes)
        if chunk:
            line = {"t_s": round(self._clock_s(), 6), "port": self._port, "hex": chunk.hex()}
            self._sink.write(json.dumps(line) + "\n")
        return chunk

    def close(self) -> None:
        """Close the wrapped source."""
        self._source.close()
