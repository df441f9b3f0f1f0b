"""The live loop of a serial device: read each port, feed the pipeline, hand on what comes out.

Ports, clock and the output callback are injected, so the loop runs the same
against real ports, pseudo-terminals, or pyserial ``loop://`` in tests.  Each
rejected frame or scan is logged with its port and reason; the pipeline counts it.
With a ``reopen`` function, a port that fails (a USB reader unplugged) is closed
and reopened with a doubling delay while the device's other ports keep running.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import structlog

from edge_agent.drivers.serial_port import READ_CHUNK_BYTES, ByteSource
from edge_agent.errors import DeviceError
from edge_agent.sensing.records import Rejection, SerialOutput
from edge_agent.sensing.serial_devices import SerialPipeline
from edge_agent.wire import BarcodeScanned

log = structlog.get_logger(__name__)

RETRY_MIN_S = 1.0
RETRY_MAX_S = 30.0
IDLE_WAIT_S = 0.1
"""How long ``run`` waits when every port is down, instead of spinning."""


@dataclass(frozen=True, slots=True)
class _Down:
    retry_at_s: float
    delay_s: float


class SerialPump:
    """Moves bytes from a device's ports through its pipeline, one poll at a time."""

    def __init__(
        self,
        *,
        device_id: str,
        pipeline: SerialPipeline,
        ports: Mapping[str, ByteSource],
        clock_s: Callable[[], float],
        on_output: Callable[[SerialOutput], None],
        reopen: Callable[[str], ByteSource] | None = None,
    ) -> None:
        unknown = set(ports) - set(pipeline.ports)
        if unknown:
            raise ValueError(f"ports {sorted(unknown)} are not in the device's pipeline")
        self._device_id = device_id
        self._pipeline = pipeline
        self._ports = dict(ports)
        self._clock_s = clock_s
        self._on_output = on_output
        self._reopen = reopen
        self._down: dict[str, _Down] = {}

    @property
    def ports_down(self) -> tuple[str, ...]:
        """Ports that failed and wait to be reopened."""
        return tuple(self._down)

    def poll_once(self) -> int:
        """Read every working port once (each waits at most its timeout); returns bytes read."""
        self._retry_down_ports()
        total = 0
        for name, port in list(self._ports.items()):
            chunk = b"" if name in self._down else self._read(name, port)
            if chunk:
                total += len(chunk)
                self._deliver(self._pipeline.feed(name, self._clock_s(), chunk))
        self._deliver(self._pipeline.tick(self._clock_s()))
        return total

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set, then flush open passages.

        Without ``reopen``, a ``DeviceError`` from a port ends the loop (after the flush).
        """
        try:
            while not stop.is_set():
                if self.poll_once() == 0 and len(self._down) == len(self._ports):
                    stop.wait(IDLE_WAIT_S)
        finally:
            self._deliver(self._pipeline.flush())

    def _read(self, name: str, port: ByteSource) -> bytes:
        try:
            return port.read(READ_CHUNK_BYTES)
        except DeviceError as err:
            if self._reopen is None:
                raise
            log.error("serial.port_failed", device=self._device_id, port=name, error=str(err))
            with contextlib.suppress(Exception):
                port.close()
            self._down[name] = _Down(self._clock_s() + RETRY_MIN_S, RETRY_MIN_S)
            return b""

    def _retry_down_ports(self) -> None:
        if self._reopen is None:
            return
        now_s = self._clock_s()
        for name, down in list(self._down.items()):
            if now_s < down.retry_at_s:
                continue
            try:
                self._ports[name] = self._reopen(name)
            except DeviceError as err:
                delay_s = min(down.delay_s * 2, RETRY_MAX_S)
                self._down[name] = _Down(now_s + delay_s, delay_s)
                log.warning("serial.reopen_failed", device=self._device_id, port=name,
                            error=str(err), retry_in_s=delay_s)  # fmt: skip
                continue
            del self._down[name]
            log.info("serial.port_reopened", device=self._device_id, port=name)

    def _deliver(self, outputs: list[SerialOutput]) -> None:
        for output in outputs:
            self._log(output)
            self._on_output(output)

    def _log(self, output: SerialOutput) -> None:
        if isinstance(output, Rejection):
            log.warning(
                "serial.input_rejected",
                device=self._device_id,
                port=output.port,
                reason=output.reason,
                raw_hex=output.raw.hex(),
            )
        elif isinstance(output.data, BarcodeScanned) and output.data.rejected_reason:
            log.warning(
                "barcode.scan_rejected",
                device=self._device_id,
                station=output.data.station,
                reason=output.data.rejected_reason,
                raw=output.data.raw,
            )
