"""The RFID device pipeline (pure): bytes from each reader → frames → gate → ``rfid.tag_seen``.

The live agent and the replay of a recorded serial trace both run this same
object: ``feed`` with what a reader sent and when, ``tick`` as time passes,
``flush`` at the end.  Bytes are keyed by the reader's configured name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from edge_agent.sensing.framing import FrameError
from edge_agent.sensing.records import Rejection, SerialOutput
from edge_agent.sensing.rfid.frames import ReaderProtocol, TagDecoder, decoder_for
from edge_agent.sensing.rfid.gate import Gate, GateRules, Sighting


@dataclass(frozen=True, slots=True)
class ReaderSpec:
    """What the pipeline needs to know about one reader."""

    protocol: ReaderProtocol
    antenna: int = 1


class RfidPipeline:
    """One RFID gate or presence reader with its serial readers."""

    def __init__(self, *, rules: GateRules, readers: Mapping[str, ReaderSpec]) -> None:
        self.gate = Gate(rules)
        self._readers = dict(readers)
        self._decoders: dict[str, TagDecoder] = {
            name: decoder_for(spec.protocol) for name, spec in readers.items()
        }
        self.rejected_by_port: Counter[str] = Counter()

    @property
    def ports(self) -> tuple[str, ...]:
        """Reader names whose bytes this pipeline takes."""
        return tuple(self._readers)

    def feed(self, port: str, t_s: float, chunk: bytes) -> list[SerialOutput]:
        """Bytes a reader sent at ``t_s``; returns events and rejected frames, in order."""
        decoder = self._decoders.get(port)
        if decoder is None:
            return [self._reject(t_s, port, f"no reader named {port!r} on this device", chunk)]
        out: list[SerialOutput] = []
        for item in decoder.feed(chunk):
            if isinstance(item, FrameError):
                out.append(self._reject(t_s, port, item.reason, item.raw))
                continue
            antenna = item.antenna if item.antenna is not None else self._readers[port].antenna
            sighting = Sighting(t_s, item.epc, port, antenna, item.rssi_dbm)
            out.extend(self.gate.observe(sighting))
        return out

    def tick(self, t_s: float) -> list[SerialOutput]:
        """Time passed without bytes: close passages whose tags left the field."""
        return list(self.gate.expire(t_s))

    def flush(self) -> list[SerialOutput]:
        """End of input: decide every open passage."""
        return list(self.gate.flush())

    def _reject(self, t_s: float, port: str, reason: str, raw: bytes) -> Rejection:
        self.rejected_by_port[port] += 1
        return Rejection(t_s, port, reason, raw)
