"""The live loop of a serial device: read each port, feed the pipeline, hand on what comes out.

Ports, clock and the output callback are injected, so the loop runs the same
against real ports, pseudo-terminals, or pyserial ``loop://`` in tests.  Each
rejected frame or scan is logged with its port and reason; the pipeline counts it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

import structlog

from edge_agent.drivers.serial_port import READ_CHUNK_BYTES, ByteSource
from edge_agent.sensing.records import Rejection, SerialOutput
from edge_agent.sensing.serial_devices import SerialPipeline
from edge_agent.wire import BarcodeScanned

log = structlog.get_logger(__name__)


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
    ) -> None:
        unknown = set(ports) - set(pipeline.ports)
        if unknown:
            raise ValueError(f"ports {sorted(unknown)} are not in the device's pipeline")
        self._device_id = device_id
        self._pipeline = pipeline
        self._ports = dict(ports)
        self._clock_s = clock_s
        self._on_output = on_output

    def poll_once(self) -> int:
        """Read every port once (each waits at most its timeout); returns the bytes read."""
        total = 0
        for name, port in self._ports.items():
            chunk = port.read(READ_CHUNK_BYTES)
            if chunk:
                total += len(chunk)
                self._deliver(self._pipeline.feed(name, self._clock_s(), chunk))
        self._deliver(self._pipeline.tick(self._clock_s()))
        return total

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set, then flush open passages; a ``DeviceError`` ends the loop."""
        try:
            while not stop.is_set():
                self.poll_once()
        finally:
            self._deliver(self._pipeline.flush())

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
