"""What serial sensing produces: timed wire event data, and rejected input with its reason."""

from __future__ import annotations

from dataclasses import dataclass

from edge_agent.wire import BarcodeScanned, RfidTagSeen

SerialEventData = RfidTagSeen | BarcodeScanned


@dataclass(frozen=True, slots=True)
class TimedEvent:
    """Wire event data and the time (seconds on the agent's clock) it was observed."""

    t_s: float
    data: SerialEventData


@dataclass(frozen=True, slots=True)
class Rejection:
    """Input that produced no event: which port, when, why, and the bytes, for the operator."""

    t_s: float
    port: str
    reason: str
    raw: bytes


SerialOutput = TimedEvent | Rejection
