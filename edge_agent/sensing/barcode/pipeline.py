"""The scanner station pipeline (pure): bytes from each scanner → CR/LF lines → station.

Shared by the live agent and serial-trace replay.  Every scanner of a station
feeds the same state machine, so a mode set on one applies to all of them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from edge_agent.sensing.barcode.station import Station, StationRules
from edge_agent.sensing.framing import FrameError, LineFramer
from edge_agent.sensing.records import SerialOutput
from edge_agent.wire import BarcodeScanned


class ScannerPipeline:
    """One scanner station with its serial scanners."""

    def __init__(self, *, rules: StationRules, scanners: Iterable[str]) -> None:
        self.station = Station(rules)
        self._framers = {name: LineFramer() for name in scanners}
        self.rejected_by_port: Counter[str] = Counter()

    @property
    def ports(self) -> tuple[str, ...]:
        """Scanner names whose bytes this pipeline takes."""
        return tuple(self._framers)

    def feed(self, port: str, t_s: float, chunk: bytes) -> list[SerialOutput]:
        """Bytes a scanner sent at ``t_s``; returns accepted and rejected scans, in order."""
        framer = self._framers.get(port)
        if framer is None:
            reason = f"no scanner named {port!r} on this device"
            return [self._reject(port, self.station.reject(t_s, chunk, reason))]
        out: list[SerialOutput] = []
        for item in framer.feed(chunk):
            if isinstance(item, FrameError):
                out.append(self._reject(port, self.station.reject(t_s, item.raw, item.reason)))
                continue
            for event in self.station.scan(t_s, item):
                if isinstance(event.data, BarcodeScanned) and event.data.rejected_reason:
                    self.rejected_by_port[port] += 1
                out.append(event)
        return out

    def tick(self, t_s: float) -> list[SerialOutput]:
        """Scans complete on their line end; nothing waits on time."""
        del t_s
        return []

    def flush(self) -> list[SerialOutput]:
        """An unterminated last line stays unread: a scanner always ends a scan with CR/LF."""
        return []

    def _reject(self, port: str, output: SerialOutput) -> SerialOutput:
        self.rejected_by_port[port] += 1
        return output
